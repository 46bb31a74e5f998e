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
 * Every timer of the real clock waits in one of two queues behind a single native `setTimeout`
 * armed for the earliest, so a sleeping task costs a queue slot instead of a runtime timer
 * object with its argument list (as Trio keeps its deadlines):
 *
 * - a *run*: a FIFO of timers whose due times never decrease in arming order. Most timers land
 *   here (sleeps and deadlines of one length, armed one after another, are due in the order
 *   they are armed), and a run costs O(1) to arm, fire and clear (a cleared slot is left empty
 *   and skipped; the run is compacted when empty slots outnumber the live ones);
 * - a binary heap ordered by due time, for a timer due before the run's last one.
 *
 * Firing takes the earlier of the two heads, by due time and then by arming order, so timers
 * fire exactly as they would from one heap (and as `setTimeout`'s: due order, then arming
 * order). Against the heap alone, 100,000 `sleep(1)` no longer pay a sift per timer.
 * `timerSlot` holds the target's index: `i >= 0` in the heap, `-1 - i` in the run.
 */
const targets: TimerTarget[] = [];
const dues: number[] = [];
/** Arming order: timers due at the same time fire in the order they were set, as setTimeout's. */
const seqs: number[] = [];
let nextSeq = 0;
let native: ReturnType<typeof setTimeout> | undefined;
let nativeDue = Number.POSITIVE_INFINITY;

/** The run: slots `runHead` to the end, `undefined` where a timer was cleared or fired. */
const runTargets: (TimerTarget | undefined)[] = [];
const runDues: number[] = [];
let runHead = 0;
/**
 * The sequence number of the first timer armed into the run since it was last empty. The run
 * keeps no sequence numbers of its own (8 bytes less per timer): on equal due times the heap's
 * top came first exactly when it was armed before this. One armed later in the same stretch
 * went to the heap because the run had a later due time by then, which the run's head with the
 * same due time can only have had if it was armed first.
 */
let runFirstSeq = 0;
/** Armed timers in the run. */
let runLive = 0;
/** The due time of the timer armed last into the run: the next one must not be earlier. */
let runLastDue = Number.NEGATIVE_INFINITY;

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

function removeFromHeap(i: number): void {
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

function removeFromRun(i: number): void {
  (runTargets[i] as TimerTarget).timerSlot = undefined;
  runTargets[i] = undefined;
  runLive--;
  live.timers--;
  if (runLive === 0) {
    runTargets.length = runDues.length = runHead = 0;
    runLastDue = Number.NEGATIVE_INFINITY;
    return;
  }
  if (i === runHead) skipEmpty();
  else if (runTargets.length - runHead > 2 * runLive + 64) compactRun();
}

/** Whether `fireDue` is running: it compacts the run once, at its end. */
let firing = false;

/** Moves `runHead` past cleared and fired slots; compacts when the dead prefix is large. */
function skipEmpty(): void {
  while (runTargets[runHead] === undefined) runHead++;
  if (!firing) compactIfMostlyDead();
}

/**
 * Compacts the run when more than half of it, and over 1024 slots, lies behind its head. Not
 * while timers fire: firing 100,000 timers due together would otherwise move the rest of the
 * run at each halving (2% of sleep-many's profile on Bun), when most of them fire next anyway.
 */
function compactIfMostlyDead(): void {
  if (runHead > 1024 && runHead * 2 > runTargets.length) compactRun();
}

/** Moves the live timers of the run to its start, in order, and renumbers their slots. */
function compactRun(): void {
  let j = 0;
  for (let i = runHead; i < runTargets.length; i++) {
    const target = runTargets[i];
    if (target === undefined) continue;
    runTargets[j] = target;
    runDues[j] = runDues[i] as number;
    target.timerSlot = -1 - j;
    j++;
  }
  runTargets.length = runDues.length = j;
  runHead = 0;
}

/** The earliest due time of all armed timers (`Infinity` if none). */
function earliestDue(): number {
  const heapDue = targets.length > 0 ? (dues[0] as number) : Number.POSITIVE_INFINITY;
  const runDue = runLive > 0 ? (runDues[runHead] as number) : Number.POSITIVE_INFINITY;
  return Math.min(heapDue, runDue);
}

function armNative(): void {
  const due = earliestDue();
  if (due === Number.POSITIVE_INFINITY) {
    if (native !== undefined) clearTimeout(native);
    native = undefined;
    nativeDue = Number.POSITIVE_INFINITY;
    return;
  }
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
  firing = true;
  try {
    fireFrom(now);
  } finally {
    firing = false;
  }
  if (runLive > 0) compactIfMostlyDead();
  armNative();
}

/** Fires, in order, every timer due at `now`. */
function fireFrom(now: number): void {
  for (;;) {
    let target: TimerTarget;
    const fromRun =
      runLive > 0 &&
      (runDues[runHead] as number) <= now &&
      (targets.length === 0 || !before(0, runDues[runHead] as number, runFirstSeq));
    if (fromRun) {
      target = runTargets[runHead] as TimerTarget;
      removeFromRun(runHead);
    } else if (targets.length > 0 && (dues[0] as number) <= now) {
      target = targets[0] as TimerTarget;
      removeFromHeap(0);
    } else break;
    target.onTimer();
  }
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
    const due = performance.now() + delay;
    const seq = nextSeq++;
    if (due >= runLastDue) {
      runLastDue = due;
      const i = runTargets.length;
      runTargets.push(target);
      runDues.push(due);
      if (runLive === 0) runFirstSeq = seq;
      target.timerSlot = -1 - i;
      runLive++;
      if (due < nativeDue) armNative();
      return;
    }
    targets.push(target);
    dues.push(due);
    seqs.push(seq);
    siftUp(targets.length - 1);
    if (targets[0] === target) armNative();
  },
  clearTimer(target) {
    const i = target.timerSlot as number | undefined;
    if (i === undefined) return;
    if (i < 0) removeFromRun(-1 - i);
    else removeFromHeap(i);
    if (targets.length === 0 && runLive === 0) armNative();
  },
};
