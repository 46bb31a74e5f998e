/**
 * `race`: run functions concurrently and return the first result; the structured
 * `Promise.race`.
 *
 * @module
 */
import { isCancellation } from "../core/errors.js";
import { withTaskGroup } from "../core/task-group.js";
import { checkFunctions, nameLike } from "./_internal/checks.js";

/**
 * The awaited return type of the functions of a list, as a union.
 *
 * @example
 * ```ts
 * import { race, type RaceValue, sleep } from "anyio-ts";
 * const fns = [async () => { await sleep(20); return 1; }, async () => "fast"] as const;
 * const winner: RaceValue<typeof fns> = await race(...fns); // number | string
 * console.assert(winner === "fast");
 * ```
 */
export type RaceValue<F extends readonly (() => unknown)[]> = F[number] extends () => infer R
  ? Awaited<R>
  : never;

/**
 * Runs each of `fns` as a task of an internal task group; the first task to *settle* decides
 * the outcome, and every other task is cancelled and awaited before `race` returns or throws.
 *
 * - The first to finish with a value wins: `race` returns that value.
 * - The first to settle failed: that failure cancels the rest, as in any task group, and comes
 *   out as an `ExceptionGroup`. Like `Promise.race`, a failure that comes first is the outcome;
 *   unlike it, the error is a group, as from `gather` and `withTaskGroup`, so one `catch`
 *   serves all three, and a loser that fails *while being cancelled* is reported with it
 *   instead of being lost. (Then `race` throws even if it had a winner: errors are never
 *   dropped.)
 * - To wait for the first *success* and ignore failures while another task may still succeed
 *   (`Promise.any`), use {@link raceAny}.
 *
 * Cancellation: if the enclosing scope is cancelled, every task is cancelled and awaited and
 * `Cancelled` propagates, even if a task had already won.
 *
 * @param fns Zero-argument functions (at least one), each run as a task named after it.
 * @returns The value of the first task to finish.
 * @throws {TypeError} If there is no function, or an argument is not a function.
 * @throws {ExceptionGroup} If the first task to settle failed, or a loser failed while being
 *   cancelled.
 * @throws {Cancelled} If the enclosing scope was cancelled.
 * @example
 * ```ts
 * import { race, sleep } from "anyio-ts";
 * const winner = await race(
 *   async () => { await sleep(1); return "primary"; },
 *   async () => { await sleep(1000); return "fallback"; }, // cancelled, not left running
 * );
 * console.assert(winner === "primary");
 * ```
 */
export async function race<F extends (() => unknown)[]>(...fns: F): Promise<RaceValue<F>> {
  checkFunctions(fns, "race()", true);
  let won = false;
  let value: unknown;
  let cancelled: unknown;
  await withTaskGroup((tg) => {
    for (const fn of fns) {
      tg.startSoon(
        nameLike(async (): Promise<void> => {
          let result: unknown;
          try {
            result = await fn();
          } catch (error) {
            cancelled ??= isCancellation(error) ? error : undefined;
            throw error;
          }
          if (won) return;
          won = true;
          value = result;
          tg.cancel("race() has a winner");
        }, fn),
      );
    }
  });
  // The group returned without a winner: no task failed and none was cancelled from outside,
  // so every function threw a `Cancelled` of its own. Let the first one propagate.
  if (!won) throw cancelled;
  return value as RaceValue<F>;
}
