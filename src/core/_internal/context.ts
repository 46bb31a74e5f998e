/**
 * The context carrier: the one place that knows how the current task and cancel scope travel
 * with the async call chain. It is `AsyncLocalStorage` (Node, Bun and Deno all have it), except
 * on Deno, where it writes the runtime's async context mapping directly (see below); when
 * runtimes ship TC39 `AsyncContext.Variable`, only this file changes.
 *
 * The carrier holds one immutable value per async chain: the innermost cancel node (a task or a
 * cancel scope; see kernel.ts). It is entered once per task and once per scope, never per wait.
 *
 * Deno
 * ----
 * Deno's `AsyncLocalStorage` keeps every store's values in one mapping object, which V8 carries
 * with each async continuation (its "continuation preserved embedder data"). Entering a value
 * copies the mapping (a null-prototype object, which V8 keeps as a dictionary: the copy alone
 * is about 1 µs once the mapping holds a key), makes an entry object, and puts `entry -> value`
 * in a `WeakMap` of the store, so every pending task's entry is an ephemeron for the garbage
 * collector. Together that made spawn-join 2 µs a task. Here the carried node is put in the
 * mapping itself, under a symbol of ours, through the two functions Deno's `AsyncLocalStorage`
 * is built on (`Deno[Deno.internal].core.getAsyncContext` / `setAsyncContext`); where no store
 * of the user's is in use, the mapping is a `Carried`, a plain object of one field (spawn-join
 * 0.35 µs a task). Every store keeps seeing its values: our mappings are copies of the current
 * one plus our key, and the stores' own copies keep our key. Those functions are Deno
 * internals, so this path is taken only when they exist and a self-test at load shows both
 * directions hold; otherwise the carrier is `AsyncLocalStorage`, as on the other runtimes.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** Deno's raw async context mapping: a null-prototype object every async continuation keeps. */
type Mapping = { [key: PropertyKey]: unknown } | undefined;

interface RawContext {
  get(): Mapping;
  set(mapping: Mapping): void;
}

/** Our key in Deno's mapping (a symbol, so no store's numeric id can clash with it). */
const KEY: unique symbol = Symbol("anyio-ts.carried");

/**
 * A mapping that holds our key alone: what the mapping is wherever no `AsyncLocalStorage` is
 * in use. Mappings are never changed once made (Deno's stores copy them too), so a `Carried`
 * never holds anything else, and the next one can be made without copying it. A plain object
 * of one shape, where Deno's own mappings are null-prototype objects, which V8 keeps as
 * dictionaries: copying one of those costs about 1 µs, making a `Carried` 30 ns.
 */
class Carried {
  [KEY]: unknown;
  constructor(value: unknown) {
    this[KEY] = value;
  }
}
// No inherited keys: a store reading its id from a `Carried` finds nothing, whatever
// `Object.prototype` holds (Deno's mappings have no prototype for the same reason).
Object.setPrototypeOf(Carried.prototype, null);

/** The mapping `prior` with our key set to `value`. */
function withCarried(prior: Mapping, value: unknown): NonNullable<Mapping> {
  // (A Carried is a mapping: its one key is ours.)
  return prior === undefined || prior instanceof Carried
    ? (new Carried(value) as unknown as NonNullable<Mapping>)
    : { __proto__: null, ...prior, [KEY]: value };
}

/** Deno's mapping functions, when present and compatible with its `AsyncLocalStorage`. */
function denoRawContext(): RawContext | undefined {
  const deno = (globalThis as { Deno?: { internal?: symbol } & Record<symbol, unknown> }).Deno;
  const internal = deno?.internal;
  if (deno === undefined || typeof internal !== "symbol") return undefined;
  const core = (deno[internal] as { core?: Record<string, unknown> } | undefined)?.core;
  const get = core?.getAsyncContext;
  const set = core?.setAsyncContext;
  if (typeof get !== "function" || typeof set !== "function") return undefined;
  const raw = { get, set } as RawContext;
  const prior = raw.get();
  try {
    const probe = new AsyncLocalStorage<number>();
    const mark = {};
    raw.set(withCarried(undefined, mark));
    // A store entered under our mapping keeps our key, and our mapping keeps the store's value.
    const keepsOurs = probe.run(1, () => raw.get()?.[KEY] === mark);
    const keepsTheirs = probe.run(2, () => {
      raw.set(withCarried(raw.get(), mark));
      return probe.getStore() === 2;
    });
    return keepsOurs && keepsTheirs && raw.get()?.[KEY] === mark ? raw : undefined;
  } catch {
    return undefined;
  } finally {
    raw.set(prior);
  }
}

const raw = denoRawContext();
const storage = new AsyncLocalStorage<object>();

/** The value the current async chain carries, or `undefined` outside any. */
export const getCarried: () => object | undefined =
  raw === undefined ? () => storage.getStore() : () => raw.get()?.[KEY] as object | undefined;

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
        raw.set(withCarried(prior, value));
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
    : (value) => raw.set(withCarried(raw.get(), value));

/** Which carrier this runtime uses (for tests and the benchmark notes). */
export const carrierKind: "deno-mapping" | "async-local-storage" =
  raw === undefined ? "async-local-storage" : "deno-mapping";
