/**
 * The context carrier: the one place that knows how the current task and cancel scope travel
 * with the async call chain. It is `AsyncLocalStorage` (Node, Bun and Deno all have it), except
 * on Deno and on Node 24 and later, where it writes the runtime's own async context value
 * directly (see below); when runtimes ship TC39 `AsyncContext.Variable`, only this file changes.
 *
 * The carrier holds one immutable value per async chain: the innermost cancel node (a task or a
 * cancel scope; see kernel.ts). It is entered once per task and once per scope, never per wait.
 *
 * The runtime's context value
 * ---------------------------
 * On Deno and on Node 24, V8 carries one value with each async continuation (its "continuation
 * preserved embedder data"), and `AsyncLocalStorage` keeps every store's values in it: on Deno
 * a null-prototype object keyed by store, on Node an `AsyncContextFrame`, a `Map` from store to
 * value. Entering a value copies it:
 * - Deno copies the object (which V8 keeps as a dictionary: about 1 µs once it holds a key),
 *   makes an entry object and puts `entry -> value` in a `WeakMap` of the store, so every
 *   pending task's entry is an ephemeron for the garbage collector (spawn-join 2 µs a task).
 * - Node copies the `Map` (~190 B a task, most of what a waiting task keeps besides its own
 *   objects), and `run` copies it again to restore the prior store.
 *
 * Here the carried node goes into that value under a symbol of ours, through the functions the
 * runtime's `AsyncLocalStorage` is built on: Deno's `getAsyncContext` / `setAsyncContext`, and
 * Node's `AsyncContextFrame.current` / `set` (the class is found from the frame an
 * `AsyncResource` keeps). Where no store of the user's is in use, the value is a `Carried`, an
 * object of one field that answers like a one-entry `Map` (Deno spawn-join 0.35 µs a task); on
 * Node, where one is, a `CarriedOver`, which reads the user's frame through instead of copying
 * it.
 * Every store keeps seeing its values: our values are copies of the current one plus our key,
 * and the stores' own copies keep our key. Those functions are runtime internals, so this path
 * is taken only when they exist and a self-test at load shows both directions hold; otherwise
 * the carrier is `AsyncLocalStorage`, as on Bun and Node 20.
 */
import { AsyncLocalStorage, AsyncResource } from "node:async_hooks";

/** Our key in the runtime's context value (a symbol: no store can clash with it). */
const KEY: unique symbol = Symbol("anyio-ts.carried");

/**
 * The runtime's context value where it holds our key alone: what it is wherever no
 * `AsyncLocalStorage` is in use. Context values are never changed once made (the stores copy
 * them too), so a `Carried` never holds anything else, and the next one can be made without
 * copying it. A plain object of one shape: 30 ns to make, where a copy of Deno's dictionary
 * costs about 1 µs and Node's `Map` ~190 B. Deno's stores read it as an object keyed by store;
 * Node's read it as a `Map`, copy it by iterating it, and may ask it to `disable` a store; a
 * second copy of this library in the process reads it through as a `Map` too.
 */
class Carried {
  [KEY]: unknown;
  constructor(value: unknown) {
    this[KEY] = value;
  }
  has(key: unknown): boolean {
    return key === KEY;
  }
  get(key: unknown): unknown {
    return key === KEY ? this[KEY] : undefined;
  }
  *entries(): IterableIterator<[unknown, unknown]> {
    yield [KEY, this[KEY]];
  }
  [Symbol.iterator](): IterableIterator<[unknown, unknown]> {
    return this.entries();
  }
  /** Node's `store.disable()` deletes the store from the current frame; no store is here. */
  disable(_store: unknown): void {}
}
// No inherited keys: a store reading its key from a `Carried` finds nothing, whatever
// `Object.prototype` holds (Deno's own values have no prototype for the same reason).
Object.setPrototypeOf(Carried.prototype, null);

/**
 * Node only: our key over a frame of the user's stores, which it reads through instead of
 * copying (a copy is a new `Map` for every task started where a user's store holds a value,
 * as under a tracing library). Frames are not changed once made, but for `disable`, which Node
 * applies to the current frame in place; here it replaces the frame read through by a copy
 * without the store, so the frame it shares with the spawner and its siblings is untouched, as
 * a copy of its own would be.
 */
class CarriedOver extends Carried {
  base: Frame;
  constructor(value: unknown, base: Frame) {
    super(value);
    this.base = base;
  }
  override has(key: unknown): boolean {
    return key === KEY || this.base.has(key);
  }
  override get(key: unknown): unknown {
    return key === KEY ? this[KEY] : this.base.get(key);
  }
  // (The frame read through may be another copy of this library's `Carried`: it has `entries`
  // too, and its key is not ours.)
  override *entries(): IterableIterator<[unknown, unknown]> {
    for (const entry of this.base.entries()) if (entry[0] !== KEY) yield entry;
    yield [KEY, this[KEY]];
  }
  override disable(store: unknown): void {
    if (!this.base.has(store)) return;
    const base = new Map(this.base.entries());
    base.delete(store);
    this.base = base;
  }
}

/** The runtime's context value, and how to read and extend it. */
interface RawContext {
  get(): unknown;
  set(value: unknown): void;
  /** The value under our key in the current context value (made for each runtime: it is hot). */
  carried(): unknown;
  /** The current context value `prior` with our key set to `value`, as a new value. */
  extend(prior: unknown, value: unknown): unknown;
}

/** Deno's mapping: a null-prototype object keyed by store. */
type Mapping = { [key: PropertyKey]: unknown } | undefined;

/** Deno's mapping functions, when present. */
function denoContext(): RawContext | undefined {
  const deno = (globalThis as { Deno?: { internal?: symbol } & Record<symbol, unknown> }).Deno;
  const internal = deno?.internal;
  if (deno === undefined || typeof internal !== "symbol") return undefined;
  const core = (deno[internal] as { core?: Record<string, unknown> } | undefined)?.core;
  const get = core?.getAsyncContext as (() => Mapping) | undefined;
  const set = core?.setAsyncContext as ((mapping: unknown) => void) | undefined;
  if (typeof get !== "function" || typeof set !== "function") return undefined;
  return {
    get,
    set,
    carried: () => get()?.[KEY],
    extend: (prior, value) =>
      // (A Carried is a mapping: its one key is ours.)
      prior === undefined || prior instanceof Carried
        ? new Carried(value)
        : { __proto__: null, ...(prior as Mapping), [KEY]: value },
  };
}

/** The `Map` interface of Node's `AsyncContextFrame` that a frame is read through. */
interface Frame {
  get(key: unknown): unknown;
  has(key: unknown): boolean;
  entries(): IterableIterator<[unknown, unknown]>;
}

interface FrameClass {
  current(): Frame | undefined;
  set(frame: unknown): void;
}

/** Node's `AsyncContextFrame` class (Node 24 and later), found from an `AsyncResource`. */
function nodeContext(): RawContext | undefined {
  // An AsyncResource keeps the frame it was made in, under a symbol of Node's. Only where it
  // keeps one: on Node 20 the store's `run` below would turn on the async hooks that tax every
  // promise, for a process that may never run a task.
  type Kept = Record<symbol, Partial<Frame> | undefined>;
  const outside = new AsyncResource("anyio-ts.carrier-probe") as unknown as Kept;
  const symbol = Object.getOwnPropertySymbols(outside).find(
    (s) => s.description === "context_frame",
  );
  if (symbol === undefined) return undefined;
  const probe = new AsyncLocalStorage<number>();
  const Frame = probe.run(1, () => {
    const frame = (new AsyncResource("anyio-ts.carrier-probe") as unknown as Kept)[symbol];
    if (typeof frame?.get !== "function" || frame.get(probe) !== 1) return undefined;
    const cls = frame.constructor as Partial<FrameClass> | undefined;
    if (typeof cls?.current !== "function" || typeof cls.set !== "function") return undefined;
    return cls.current() === frame ? (cls as FrameClass) : undefined;
  });
  if (Frame === undefined) return undefined;
  // Node's `run` leaves a copy of the frame it found (with the probe's key) rather than that
  // frame: put the frame back, or every task started in the rest of this job copies a Map.
  Frame.set(outside[symbol]);
  return {
    get: () => Frame.current(),
    set: (frame) => Frame.set(frame),
    carried: () => {
      const frame = Frame.current();
      return frame instanceof Carried ? frame[KEY] : frame?.get(KEY);
    },
    // Our own value is replaced; a user's frame, or the one a CarriedOver reads, is read through.
    extend: (prior, value) => {
      if (prior === undefined) return new Carried(value);
      if (!(prior instanceof Carried)) return new CarriedOver(value, prior as Frame);
      return prior instanceof CarriedOver ? new CarriedOver(value, prior.base) : new Carried(value);
    },
  };
}

/** `raw` if it passes the self-test: each direction of store interop holds. */
function tested(raw: RawContext | undefined): RawContext | undefined {
  if (raw === undefined) return undefined;
  const prior = raw.get();
  try {
    const probe = new AsyncLocalStorage<number>();
    const mark = {};
    raw.set(raw.extend(raw.get(), mark));
    // A store entered under our value keeps our key, and our value keeps the store's.
    const keepsOurs = probe.getStore() === undefined && probe.run(1, () => raw.carried() === mark);
    const keepsTheirs = probe.run(2, () => {
      raw.set(raw.extend(raw.get(), mark));
      return probe.getStore() === 2 && raw.carried() === mark;
    });
    return keepsOurs && keepsTheirs && raw.carried() === mark ? raw : undefined;
  } catch {
    return undefined;
  } finally {
    raw.set(prior);
  }
}

const deno = tested(denoContext());
const raw = deno ?? tested(nodeContext());
const storage = new AsyncLocalStorage<object>();

/** The value the current async chain carries, or `undefined` outside any. */
export const getCarried: () => object | undefined =
  raw === undefined ? () => storage.getStore() : (raw.carried as () => object | undefined);

/** Runs `fn(...args)` with `value` carried by every async continuation it starts. */
export const runCarrying: <A extends unknown[], R>(
  value: object,
  fn: (...args: A) => R,
  ...args: A
) => R =
  raw === undefined
    ? (value, fn, ...args) => storage.run(value, fn, ...args)
    : (value, fn, ...args) => {
        const prior = raw.get();
        raw.set(raw.extend(prior, value));
        try {
          return fn(...args);
        } finally {
          raw.set(prior);
        }
      };

/**
 * Makes `value` the carried value for the rest of the current microtask job and every async
 * continuation it starts. Only for the first thing a promise reaction does: the job's context
 * ends with the job (every runtime restores the next job's own context), so nothing leaks, and
 * it costs half of `runCarrying` (Node 24's `run` copies the context frame twice, to enter and
 * to restore). The carrier must already be in use (on Node 20 the first `run` turns on the
 * hooks that give each job a context of its own).
 */
export const enterCarrying: (value: object) => void =
  raw === undefined
    ? (value) => storage.enterWith(value)
    : (value) => raw.set(raw.extend(raw.get(), value));

/** Which carrier this runtime uses (for tests and the benchmark notes). */
export const carrierKind: "deno-mapping" | "node-frame" | "async-local-storage" =
  raw === undefined ? "async-local-storage" : raw === deno ? "deno-mapping" : "node-frame";

/**
 * The whole async context (every store's values) as a value, where the carrier can hold it: on
 * Deno and Node 24, whose contexts are a mapping and a frame we read ourselves. `undefined`
 * where the carrier is `AsyncLocalStorage` (Node 20, Bun), whose context no script can hold.
 * With it, work deferred to a later job can run in the context it was queued in without a
 * reaction of its own per item (see `startTask`).
 */
export interface HeldContext {
  /** The context of the moment. */
  read(): unknown;
  /**
   * {@link enterCarrying} over a context `read()` earlier instead of the current one: `value`
   * is carried, and every other store keeps the values it had in `context`. For the same
   * place only: the first thing a job does, whose context ends with it.
   */
  enterOver(context: unknown, value: object): void;
}

export const heldContext: HeldContext | undefined =
  raw === undefined
    ? undefined
    : { read: raw.get, enterOver: (context, value) => raw.set(raw.extend(context, value)) };
