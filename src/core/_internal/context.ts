/**
 * The context carrier: the one place that knows how the current task and cancel scope travel
 * with the async call chain. Today it is `AsyncLocalStorage` (Node, Bun and Deno all have it);
 * when runtimes ship TC39 `AsyncContext.Variable`, only this file changes.
 *
 * The carrier holds one immutable value per async chain: the innermost cancel node (a task or a
 * cancel scope; see kernel.ts). It is entered once per task and once per scope, never per wait.
 */
import { AsyncLocalStorage } from "node:async_hooks";

const storage = new AsyncLocalStorage<object>();

/** The value the current async chain carries, or `undefined` outside any. */
export function getCarried(): object | undefined {
  return storage.getStore();
}

/** Runs `fn(...args)` with `value` carried by every async continuation it starts. */
export function runCarrying<A extends unknown[], R>(
  value: object,
  fn: (...args: A) => R,
  ...args: A
): R {
  return storage.run(value, fn, ...args);
}

/**
 * Makes `value` the carried value for the rest of the current microtask job and every async
 * continuation it starts. Only for the first thing a promise reaction does: the job's context
 * ends with the job (every runtime restores the next job's own context), so nothing leaks, and
 * it costs half of `runCarrying` (Node 24's `run` copies the context frame twice, to enter and
 * to restore). The carrier must already be in use (on Node 20 the first `run` turns on the
 * hooks that give each job a context of its own).
 */
export function enterCarrying(value: object): void {
  storage.enterWith(value);
}
