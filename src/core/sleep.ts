/**
 * Sleeping: `sleep`, `sleepUntil`, `sleepForever`.
 *
 * @module
 */
import { type CancelNode, currentNode, park, Waiter } from "./_internal/kernel.js";
import { checkpoint } from "./checkpoint.js";
import type { TimerTarget } from "./clock.js";

class SleepWaiter extends Waiter<void> implements TimerTarget {
  timerSlot: unknown = undefined;

  constructor(readonly ms: number) {
    super();
  }

  override onPark(): void {
    if (this.ms !== Number.POSITIVE_INFINITY)
      (this._node as CancelNode)._clock.setTimer(this, this.ms);
  }

  onTimer(): void {
    this.resolve();
  }

  override abort(): boolean {
    if (this.timerSlot !== undefined) (this._node as CancelNode)._clock.clearTimer(this);
    return true;
  }

  override describe(): string {
    return this.ms === Number.POSITIVE_INFINITY ? "sleepForever" : `sleep ${this.ms} ms`;
  }
}

function checkDelay(value: unknown, what: string): number {
  if (typeof value !== "number") {
    throw new TypeError(`${what} must be a number of milliseconds, got ${String(value)}`);
  }
  if (Number.isNaN(value)) throw new RangeError(`${what} must not be NaN`);
  return value;
}

/**
 * Suspends the current task for `ms` milliseconds. `sleep(0)` is a plain checkpoint;
 * `sleep(Infinity)` sleeps until cancelled.
 *
 * Cancellation: a checkpoint; rejects with `Cancelled` at once if the scope is cancelled, and
 * wakes with `Cancelled` (timer cleared) when the scope is cancelled during the sleep.
 *
 * @throws {TypeError} If `ms` is not a number.
 * @throws {RangeError} If `ms` is negative or NaN.
 * @throws {Cancelled} If the scope is cancelled.
 * @example
 * ```ts
 * import { sleep } from "anyio-ts";
 * await sleep(5);
 * ```
 */
export function sleep(ms: number): Promise<void> {
  try {
    checkDelay(ms, "sleep duration");
    if (ms < 0) throw new RangeError(`sleep duration must be non-negative, got ${ms}`);
  } catch (error) {
    return Promise.reject(error);
  }
  if (ms === 0) return checkpoint();
  return park(new SleepWaiter(ms));
}

/**
 * Suspends the current task until the clock (`currentTime()`) reaches `deadline`; a deadline in
 * the past is a plain checkpoint.
 *
 * Cancellation: as {@link sleep}.
 *
 * @throws {TypeError} If `deadline` is not a number.
 * @throws {RangeError} If `deadline` is NaN.
 * @throws {Cancelled} If the scope is cancelled.
 * @example
 * ```ts
 * import { currentTime, sleepUntil } from "anyio-ts";
 * await sleepUntil(currentTime() + 5);
 * ```
 */
export function sleepUntil(deadline: number): Promise<void> {
  try {
    checkDelay(deadline, "deadline");
  } catch (error) {
    return Promise.reject(error);
  }
  const ms = deadline - currentNode()._clock.now();
  return ms > 0 ? park(new SleepWaiter(ms)) : checkpoint();
}

/**
 * Suspends the current task until it is cancelled.
 *
 * Cancellation: the only way it ends; rejects with `Cancelled`.
 *
 * @throws {Cancelled} Always, once the scope is cancelled.
 * @example
 * ```ts
 * import { moveOnAfter, sleepForever } from "anyio-ts";
 * await moveOnAfter(5).run(() => sleepForever());
 * ```
 */
export function sleepForever(): Promise<never> {
  return park(new SleepWaiter(Number.POSITIVE_INFINITY)) as Promise<never>;
}
