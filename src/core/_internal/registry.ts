/**
 * Bookkeeping of what the library holds open: live tasks, armed timers and parked waiters.
 * The test harness reads `leakReport()` after every test; nothing here is public API.
 */

/** Counters of what the library currently holds open. */
export const live = {
  tasks: 0,
  timers: 0,
  waiters: 0,
};

/** Describes everything still held open, one line per kind; empty when nothing is. */
export function leakReport(): string[] {
  const out: string[] = [];
  if (live.tasks !== 0) out.push(`${live.tasks} task(s) still running`);
  if (live.timers !== 0) out.push(`${live.timers} timer(s) still armed`);
  if (live.waiters !== 0) out.push(`${live.waiters} operation(s) still parked`);
  return out;
}
