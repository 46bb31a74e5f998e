/**
 * The cheap checkpoint of an operation that completed at once: a settled promise (awaiting it
 * lets every other ready task run first), or, when the event loop is overdue for a turn (see
 * `core/checkpoint.ts`), one that settles after a real macrotask. The counterpart of
 * `yieldNow()` for operations that return a value.
 */
import { wakeups } from "../../core/_internal/kernel.js";
import { turnOverdue } from "../../core/checkpoint.js";

/** Resolves with `value` after the cheapest yield that keeps timers and I/O from starving. */
export function yieldValue<T>(value: T): Promise<T> {
  if (!turnOverdue()) return Promise.resolve(value);
  wakeups.count++; // a task yielding here is busy, not blocked
  return new Promise<T>((resolve) => setImmediate(resolve, value));
}
