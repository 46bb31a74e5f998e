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
 * copies the mapping, makes an entry object, and puts `entry -> value` in a `WeakMap` of the
 * store: a task's entry is then an ephemeron, and for 100,000 pending tasks the ephemeron work
 * of the garbage collector was most of spawn-join's time (0.9 µs per task against 0.33 µs for
 * the same spawn loop writing the mapping directly). Here the carried node is put in the mapping
 * itself, under a symbol of ours, through the same two functions Deno's `AsyncLocalStorage` is
 * built on (`Deno[Deno.internal].core.getAsyncContext` / `setAsyncContext`). Every store keeps
 * seeing its values: our mappings are copies of the current one plus our key, and the stores'
 * own copies keep our key. Those functions are Deno internals, so this path is taken only when
 * they exist and a self-test at load shows both directions hold; otherwise the carrier is
 * `AsyncLocalStorage`, as on the other runtimes.
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
    raw.set({ __proto__: null, ...prior, [KEY]: mark });
    // A store entered under our mapping keeps our key, and our mapping keeps the store's value.
    const keepsOurs = probe.run(1, () => raw.get()?.[KEY] === mark);
    const keepsTheirs = probe.run(2, () => {
      raw.set({ __proto__: null, ...raw.get(), [KEY]: mark });
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
        raw.set({ __proto__: null, ...prior, [KEY]: value });
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
    : (value) => raw.set({ __proto__: null, ...raw.get(), [KEY]: value });

/** Which carrier this runtime uses (for tests and the benchmark notes). */
export const carrierKind: "deno-mapping" | "async-local-storage" =
  raw === undefined ? "async-local-storage" : "deno-mapping";
