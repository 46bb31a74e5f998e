/**
 * `gather`: run functions concurrently and get their results in argument order; the structured
 * `Promise.all`.
 *
 * @module
 */
import { checkpoint } from "../core/checkpoint.js";
import { type TaskHandle, withTaskGroup } from "../core/task-group.js";
import { checkFunctions } from "./_internal/checks.js";

/**
 * The awaited return type of each function of a tuple, in the same positions.
 *
 * @example
 * ```ts
 * import { gather, type GatherResults } from "anyio-ts";
 * const fns = [() => 1, async () => "two"] as const;
 * const results: GatherResults<typeof fns> = await gather(...fns); // [number, string]
 * console.assert(results[0] === 1 && results[1] === "two");
 * ```
 */
export type GatherResults<F extends readonly (() => unknown)[]> = {
  -readonly [K in keyof F]: F[K] extends () => infer R ? Awaited<R> : never;
};

/**
 * Runs each of `fns` as a task of an internal task group and returns their results in argument
 * order (whatever order they finish in). Each function takes no arguments and returns a value
 * or a promise; the result type is a tuple: `gather(() => 1, async () => "a")` is a
 * `Promise<[number, string]>`.
 *
 * Unlike `Promise.all`, nothing is left running: if one task fails, the others are cancelled
 * and awaited, and every failure comes out together as one `ExceptionGroup` (always a group,
 * even for one failure, exactly as from `withTaskGroup`). With no functions it is a checkpoint
 * that returns `[]`. For a long or computed list, `amap((fn) => fn(), fns)` does the same
 * without spreading the list into arguments (runtimes cap those at about 100,000).
 *
 * Cancellation: if the enclosing scope is cancelled while they run, every task is cancelled and
 * awaited, then `Cancelled` propagates.
 *
 * @param fns Zero-argument functions, each run as its own task (named after the function).
 * @returns The results, in the order of `fns`.
 * @throws {TypeError} If an argument is not a function.
 * @throws {ExceptionGroup} If any task failed (after every other task has ended).
 * @throws {Cancelled} If the enclosing scope was cancelled.
 * @example
 * ```ts
 * import { gather, sleep } from "anyio-ts";
 * const [n, s] = await gather(
 *   async () => { await sleep(10); return 1; },
 *   async () => { await sleep(1); return "a"; },
 * );
 * console.assert(n === 1 && s === "a"); // argument order, not completion order
 * ```
 */
export async function gather<F extends (() => unknown)[]>(...fns: F): Promise<GatherResults<F>> {
  checkFunctions(fns, "gather()", false);
  const n = fns.length;
  if (n === 0) {
    await checkpoint();
    return [] as unknown as GatherResults<F>;
  }
  const handles = new Array<TaskHandle<unknown>>(n);
  await withTaskGroup((tg) => {
    for (let i = 0; i < n; i++) handles[i] = tg.startSoon(fns[i] as () => unknown);
  });
  const results = new Array<unknown>(n);
  // Every task finished: a failure or a cancellation would have made the group throw.
  for (let i = 0; i < n; i++) results[i] = (handles[i] as TaskHandle<unknown>).returnValue;
  return results as GatherResults<F>;
}
