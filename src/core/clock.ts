/**
 * Time: one monotonic clock in milliseconds, and the seam that lets tests swap in a virtual one.
 *
 * Every deadline and sleep in the library goes through the `Clock` of the run it belongs to
 * (`run(main, { clock })`); code outside any `run()` uses the real clock.
 *
 * @module
 */
import { live } from "./_internal/registry.js";

/**
 * Something a {@link Clock} can wake: the clock keeps its own bookkeeping for the timer in
 * `timerSlot` (the target owns the field, so arming a timer allocates no handle or closure).
 *
 * @example
 * ```ts
 * import { realClock, type TimerTarget } from "anyio-ts";
 * let fired = false;
 * const target: TimerTarget = { timerSlot: undefined, onTimer: () => (fired = true) };
 * realClock.setTimer(target, 1_000);
 * realClock.clearTimer(target); // disarmed: onTimer is never called
 * console.assert(!fired && target.timerSlot === undefined);
 * ```
 */
export interface TimerTarget {
  /** Called once when the timer is due. */
  onTimer(): void;
  /** The clock's bookkeeping for this target's timer; `undefined` when none is armed. */
  timerSlot: unknown;
}

/**
 * A source of time and timers. The library never calls `setTimeout` directly; it asks the clock
 * of the current run, so a virtual clock can drive every deadline and sleep.
 *
 * @example
 * ```ts
 * import { type Clock, currentTime, realClock, run } from "anyio-ts";
 * // A clock that runs an hour ahead of the real one.
 * const ahead: Clock = {
 *   now: () => realClock.now() + 3_600_000,
 *   setTimer: (target, delay) => realClock.setTimer(target, delay),
 *   clearTimer: (target) => realClock.clearTimer(target),
 * };
 * await run(() => console.assert(currentTime() >= 3_600_000), { clock: ahead });
 * ```
 */
export interface Clock {
  /** The current time in milliseconds, monotonic, from an arbitrary origin. */
  now(): number;
  /**
   * Arms a timer that calls `target.onTimer()` once, `delay` ms from now, never earlier; at
   * most one timer per target.
   */
  setTimer(target: TimerTarget, delay: number): void;
  /** Disarms the target's timer if it has not fired; does nothing otherwise. */
  clearTimer(target: TimerTarget): void;
}

/** The longest delay `setTimeout` takes before it wraps around to 1 ms. */
const MAX_TIMEOUT = 2 ** 31 - 1;

function armReal(target: TimerTarget, due: number): void {
  const delay = Math.min(Math.max(due - performance.now(), 0), MAX_TIMEOUT);
  target.timerSlot = setTimeout(fireReal, delay, target, due);
}

function fireReal(target: TimerTarget, due: number): void {
  if (due > performance.now()) {
    // Early (setTimeout works in whole milliseconds of a cached loop time), or longer than
    // setTimeout can take: wait the rest, so a timer never fires before its due time.
    armReal(target, due);
    return;
  }
  target.timerSlot = undefined;
  live.timers--;
  target.onTimer();
}

/**
 * The real clock: `performance.now()` and `setTimeout`. Its timers never fire early, and
 * delays longer than `setTimeout` can take (about 24.8 days) are waited in several rounds.
 *
 * @example
 * ```ts
 * import { realClock } from "anyio-ts";
 * const start = realClock.now();
 * await new Promise<void>((resolve) =>
 *   realClock.setTimer({ timerSlot: undefined, onTimer: resolve }, 2),
 * );
 * console.assert(realClock.now() - start >= 2);
 * ```
 */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimer(target, delay) {
    if (target.timerSlot !== undefined) realClock.clearTimer(target);
    live.timers++;
    armReal(target, performance.now() + delay);
  },
  clearTimer(target) {
    const id = target.timerSlot as ReturnType<typeof setTimeout> | undefined;
    if (id === undefined) return;
    clearTimeout(id);
    target.timerSlot = undefined;
    live.timers--;
  },
};
