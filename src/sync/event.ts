/**
 * `Event`: a one-shot flag that tasks can wait for.
 *
 * @module
 */
import { park } from "../core/_internal/kernel.js";
import { checkpoint } from "../core/checkpoint.js";
import { QueuedWaiter, WaiterQueue } from "./_internal/waiter-queue.js";

/**
 * What {@link Event.statistics} reports.
 *
 * @example
 * ```ts
 * import { Event, type EventStatistics } from "anyio-ts";
 * const stats: EventStatistics = new Event().statistics();
 * console.assert(stats.tasksWaiting === 0);
 * ```
 */
export interface EventStatistics {
  /** How many tasks are blocked in {@link Event.wait}. */
  readonly tasksWaiting: number;
}

class EventWaiter extends QueuedWaiter<void> {
  constructor(readonly queue: WaiterQueue<EventWaiter>) {
    super();
  }

  override onPark(): void {
    this.queue.push(this);
  }

  override withdraw(): void {
    this.queue.remove(this);
  }

  override grantedValue(): void {}

  override describe(): string {
    return "Event.wait";
  }
}

/**
 * A flag that starts unset; `set()` wakes every task waiting for it, and from then on `wait()`
 * returns at once. It cannot be cleared: for a new round, make a new `Event` (an event that
 * could be cleared invites the race where a waiter misses a set-then-clear).
 *
 * It can be created anywhere, at module top level or outside any task; it reports
 * `tasksWaiting: 0` until someone waits.
 *
 * @example
 * ```ts
 * import { Event, withTaskGroup } from "anyio-ts";
 * const ready = new Event();
 * await withTaskGroup(async (tg) => {
 *   tg.startSoon(async () => {
 *     await ready.wait();
 *     console.log("go");
 *   });
 *   ready.set();
 * });
 * ```
 */
export class Event {
  #set = false;
  readonly #waiters = new WaiterQueue<EventWaiter>();

  /**
   * Sets the flag and wakes every waiting task. Idempotent. Not a checkpoint.
   *
   * A waiter woken here returns normally from `wait()` even if its scope is cancelled before
   * it gets to run: the wake-up is not lost.
   *
   * @example
   * ```ts
   * import { Event } from "anyio-ts";
   * const event = new Event();
   * event.set();
   * console.assert(event.isSet());
   * ```
   */
  set(): void {
    if (this.#set) return;
    this.#set = true;
    const waiters = this.#waiters;
    for (let w = waiters.shift(); w !== null; w = waiters.shift()) w.resolve();
  }

  /**
   * Whether `set()` has been called.
   *
   * @example
   * ```ts
   * import { Event } from "anyio-ts";
   * console.assert(!new Event().isSet());
   * ```
   */
  isSet(): boolean {
    return this.#set;
  }

  /**
   * Waits until the flag is set. Always a checkpoint: on an event that is already set it still
   * checks for cancellation and lets other tasks run before it returns.
   *
   * Cancellation: rejects with `Cancelled` if the scope is cancelled before the event is set;
   * once `set()` has woken it, it returns normally.
   *
   * @throws {Cancelled} If the scope is cancelled before the event is set.
   * @example
   * ```ts
   * import { Event, moveOnAfter } from "anyio-ts";
   * const never = new Event();
   * const scope = moveOnAfter(5);
   * await scope.run(() => never.wait());
   * console.assert(scope.cancelledCaught);
   * ```
   */
  wait(): Promise<void> {
    if (this.#set) return checkpoint();
    return park(new EventWaiter(this.#waiters));
  }

  /**
   * What the event is doing now.
   *
   * @example
   * ```ts
   * import { Event } from "anyio-ts";
   * console.assert(new Event().statistics().tasksWaiting === 0);
   * ```
   */
  statistics(): EventStatistics {
    return { tasksWaiting: this.#waiters.size };
  }
}
