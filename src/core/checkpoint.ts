/**
 * Checkpoints: the points where cancellation is delivered and other tasks get to run.
 *
 * A checkpoint that always yielded to the event loop (`setImmediate`) would cost about 20 times
 * an `await`, and one that only awaited a microtask would let a loop of checkpoints starve timers
 * and I/O. So a checkpoint awaits a microtask (every other ready task runs first), and about
 * every {@link TURN_BUDGET_MS} milliseconds of running without the event loop getting a turn,
 * it yields a real macrotask instead. Whether the loop got a turn is learned from a heartbeat:
 * one `setImmediate` armed at a time, which stamps the time when it runs.
 *
 * @module
 */
import { currentNode, effectiveCancel, wakeups } from "./_internal/kernel.js";

/** How long checkpoints may run back to back before one yields to the event loop. */
export const TURN_BUDGET_MS = 4;
/** How many checkpoints pass between two looks at the clock. */
const CLOCK_EVERY = 32;

let sinceClock = 0;
let lastTurn = performance.now();
let heartbeatArmed = false;

function heartbeat(): void {
  heartbeatArmed = false;
  lastTurn = performance.now();
}

/**
 * Whether the event loop is overdue for a turn. Cheap: reads the clock once per
 * {@link CLOCK_EVERY} calls.
 * @internal
 */
export function turnOverdue(): boolean {
  if (++sinceClock < CLOCK_EVERY) return false;
  sinceClock = 0;
  const now = performance.now();
  if (!heartbeatArmed) {
    heartbeatArmed = true;
    setImmediate(heartbeat);
  }
  if (now - lastTurn < TURN_BUDGET_MS) return false;
  lastTurn = now;
  return true;
}

/** One settled promise, shared: awaiting it yields a microtask and allocates nothing. */
const RESOLVED = Promise.resolve();

function afterTurn<T>(value: T): Promise<T> {
  // Counted as a wake-up: a task yielding here is busy, not blocked.
  wakeups.count++;
  return new Promise<T>((resolve) => setImmediate(resolve, value));
}

/**
 * Yields to other tasks, without checking for cancellation: returns `ready` (a settled promise
 * of `value`, made once by the caller) unless the event loop is overdue for a turn, and then
 * resolves to `value` after one. Allocates nothing on the common path.
 * @internal
 */
export function yieldThen<T>(ready: Promise<T>, value: T): Promise<T> {
  return turnOverdue() ? afterTurn(value) : ready;
}

/**
 * Like {@link yieldThen} for a value that has no settled promise ready: the cheap checkpoint
 * of an operation that completed at once.
 * @internal
 */
export function yieldValue<T>(value: T): Promise<T> {
  return turnOverdue() ? afterTurn(value) : Promise.resolve(value);
}

/**
 * Yields to other tasks, without checking for cancellation.
 * @internal
 */
export function yieldNow(): Promise<void> {
  return yieldThen(RESOLVED, undefined);
}

/**
 * Checks for cancellation and lets other tasks run.
 *
 * Cancellation: if the current scope is effectively cancelled, rejects with `Cancelled`, at
 * this call and at every later one until the scope is left.
 *
 * @throws {Cancelled} If the current scope is effectively cancelled.
 * @example
 * ```ts
 * import { checkpoint } from "anyio-ts";
 * let total = 0;
 * for (let i = 0; i < 1000; i++) {
 *   total += i;
 *   await checkpoint(); // other tasks, timers and I/O get their turn; cancellation lands here
 * }
 * ```
 */
export function checkpoint(): Promise<void> {
  const error = effectiveCancel(currentNode());
  if (error !== undefined) return Promise.reject(error);
  return yieldNow();
}

/**
 * Checks for cancellation without yielding: a synchronous call, so no other task runs.
 *
 * Cancellation: throws `Cancelled` if the current scope is effectively cancelled; otherwise
 * returns at once.
 *
 * @throws {Cancelled} If the current scope is effectively cancelled.
 * @example
 * ```ts
 * import { checkpointIfCancelled } from "anyio-ts";
 * checkpointIfCancelled(); // throws only inside a cancelled scope
 * ```
 */
export function checkpointIfCancelled(): void {
  const error = effectiveCancel(currentNode());
  if (error !== undefined) throw error;
}

/**
 * Lets other tasks run, and never throws `Cancelled`.
 *
 * Cancellation: ignored; a pending cancellation is delivered at the next checkpoint.
 *
 * @example
 * ```ts
 * import { cancelShieldedCheckpoint } from "anyio-ts";
 * await cancelShieldedCheckpoint();
 * ```
 */
export function cancelShieldedCheckpoint(): Promise<void> {
  return yieldNow();
}
