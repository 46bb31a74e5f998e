/**
 * `raceAny`: run functions concurrently and return the first success; the structured
 * `Promise.any`.
 *
 * @module
 */
import { isCancellation } from "../core/errors.js";
import { ExceptionGroup } from "../core/exception-group.js";
import { withTaskGroup } from "../core/task-group.js";
import { checkFunctions, nameLike } from "./_internal/checks.js";
import type { RaceValue } from "./race.js";

/**
 * Runs each of `fns` as a task of an internal task group and returns the value of the first
 * task to *succeed*; every other task is then cancelled and awaited before it returns. A task
 * that fails does not stop the others: failures are the expected outcome of an attempt here
 * (a mirror that is down, a replica that times out), so they are collected, and thrown only if
 * no task succeeds, as one `ExceptionGroup` in the order they happened (an `AggregateError`,
 * like the one `Promise.any` throws). Once a task has succeeded, the failures of the others,
 * before or during their cancellation, are dropped: that is the contract of "any".
 *
 * Use {@link race} when the first task to settle should decide, failure included.
 *
 * Cancellation: if the enclosing scope is cancelled, every task is cancelled and awaited and
 * `Cancelled` propagates, even if a task had already succeeded.
 *
 * @param fns Zero-argument functions (at least one), each run as a task named after it.
 * @returns The value of the first task to succeed.
 * @throws {TypeError} If there is no function, or an argument is not a function.
 * @throws {ExceptionGroup} If every task failed: their errors, in the order they failed.
 * @throws {Cancelled} If the enclosing scope was cancelled.
 * @example
 * ```ts
 * import { raceAny, sleep } from "anyio-ts";
 * const body = await raceAny(
 *   async () => { throw new Error("mirror 1 is down"); },
 *   async () => { await sleep(1); return "from mirror 2"; },
 *   async () => { await sleep(1000); return "from mirror 3"; }, // cancelled
 * );
 * console.assert(body === "from mirror 2");
 * ```
 */
export async function raceAny<F extends (() => unknown)[]>(...fns: F): Promise<RaceValue<F>> {
  checkFunctions(fns, "raceAny()", true);
  let won = false;
  let value: unknown;
  const failures: unknown[] = [];
  let cancelled: unknown;
  await withTaskGroup((tg) => {
    for (const fn of fns) {
      tg.startSoon(
        nameLike(async (): Promise<void> => {
          let result: unknown;
          try {
            result = await fn();
          } catch (error) {
            if (isCancellation(error)) {
              cancelled ??= error;
              throw error; // the group knows what to do with a cancellation
            }
            if (!won) failures.push(error);
            return;
          }
          if (won) return;
          won = true;
          value = result;
          tg.cancel("raceAny() has a winner");
        }, fn),
      );
    }
  });
  if (won) return value as RaceValue<F>;
  if (failures.length > 0) throw new ExceptionGroup("raceAny(): every task failed", failures);
  // Neither: every function threw a `Cancelled` of its own (see race()).
  throw cancelled;
}
