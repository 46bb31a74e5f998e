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
