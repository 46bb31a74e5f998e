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

/**
 * Every timer of the real clock in one binary heap ordered by due time, behind a single native
 * `setTimeout` armed for the earliest. A sleeping task then costs a heap slot instead of a
 * runtime timer object with its argument list, and cancelling it is a heap removal. (As Trio
 * keeps its deadlines.) `timerSlot` holds the target's index in the heap.
 */
const targets: TimerTarget[] = [];
const dues: number[] = [];
/** Arming order: timers due at the same time fire in the order they were set, as setTimeout's. */
const seqs: number[] = [];
let nextSeq = 0;
let native: ReturnType<typeof setTimeout> | undefined;
let nativeDue = Number.POSITIVE_INFINITY;

function place(target: TimerTarget, due: number, seq: number, i: number): void {
  targets[i] = target;
  dues[i] = due;
  seqs[i] = seq;
  target.timerSlot = i;
}

/** Whether slot `i` fires before a timer due at `due` set as `seq`. */
function before(i: number, due: number, seq: number): boolean {
  const d = dues[i] as number;
  return d < due || (d === due && (seqs[i] as number) < seq);
}

function siftUp(i: number): void {
  const target = targets[i] as TimerTarget;
  const due = dues[i] as number;
  const seq = seqs[i] as number;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (before(parent, due, seq)) break;
    place(targets[parent] as TimerTarget, dues[parent] as number, seqs[parent] as number, i);
    i = parent;
  }
  place(target, due, seq, i);
}

function siftDown(i: number): void {
  const n = targets.length;
  const target = targets[i] as TimerTarget;
  const due = dues[i] as number;
  const seq = seqs[i] as number;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && before(child + 1, dues[child] as number, seqs[child] as number)) child++;
    if (!before(child, due, seq)) break;
    place(targets[child] as TimerTarget, dues[child] as number, seqs[child] as number, i);
    i = child;
  }
  place(target, due, seq, i);
}

function removeAt(i: number): void {
  const last = targets.length - 1;
  (targets[i] as TimerTarget).timerSlot = undefined;
  if (i !== last) {
    place(targets[last] as TimerTarget, dues[last] as number, seqs[last] as number, i);
    targets.pop();
    dues.pop();
    seqs.pop();
    siftDown(i);
    siftUp(i);
  } else {
    targets.pop();
    dues.pop();
    seqs.pop();
  }
  live.timers--;
}

function armNative(): void {
  if (targets.length === 0) {
    if (native !== undefined) clearTimeout(native);
    native = undefined;
    nativeDue = Number.POSITIVE_INFINITY;
    return;
  }
  const due = dues[0] as number;
  if (native !== undefined && nativeDue <= due) return;
  if (native !== undefined) clearTimeout(native);
  nativeDue = due;
  native = setTimeout(fireDue, Math.min(Math.max(due - performance.now(), 0), MAX_TIMEOUT));
}

function fireDue(): void {
  native = undefined;
  nativeDue = Number.POSITIVE_INFINITY;
  // Never early: setTimeout works in whole milliseconds of a cached loop time, so whatever is
  // not due yet waits for another round.
  const now = performance.now();
  while (targets.length > 0 && (dues[0] as number) <= now) {
    const target = targets[0] as TimerTarget;
    removeAt(0);
    target.onTimer();
  }
  armNative();
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
    targets.push(target);
    dues.push(performance.now() + delay);
    seqs.push(nextSeq++);
    siftUp(targets.length - 1);
    if (targets[0] === target) armNative();
  },
  clearTimer(target) {
    const i = target.timerSlot;
    if (i === undefined) return;
    removeAt(i as number);
    if (targets.length === 0) armNative();
  },
};
