/**
 * `Condition`: a lock plus a queue of tasks waiting to be told that something changed.
 *
 * @module
 */
import { currentNode, effectiveCancel, park } from "../core/_internal/kernel.js";
import { InvalidStateError } from "../core/errors.js";
import { checkCount, show } from "./_internal/checks.js";
import { grant, markNotThenable, QueuedWaiter, WaiterQueue } from "./_internal/waiter-queue.js";
import { Lock, type LockStatistics } from "./lock.js";

/**
 * What {@link Condition.statistics} reports.
 *
 * @example
 * ```ts
 * import { Condition, type ConditionStatistics } from "anyio-ts";
 * const condition = new Condition();
 * const stats: ConditionStatistics = condition.statistics();
 * console.assert(stats.tasksWaiting === 0 && !stats.lockStatistics.locked);
 * ```
 */
export interface ConditionStatistics {
  /** How many tasks are blocked in `wait()`, not yet notified. */
  readonly tasksWaiting: number;
  /** The statistics of the underlying lock. */
  readonly lockStatistics: LockStatistics;
}

class ConditionWaiter extends QueuedWaiter<void> {
  constructor(readonly queue: WaiterQueue<ConditionWaiter>) {
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
    return "Condition.wait";
  }
}

const NOT_HOLDING = "The current task is not holding the underlying lock";

/**
 * A condition variable: tasks holding its lock `wait()` until another task, also holding the
 * lock, calls `notify()` or `notifyAll()`. `wait()` releases the lock while it waits and takes
 * it back before it returns, so the waiter can re-check the state it waits on; `waitFor()` does
 * that loop for you.
 *
 * The lock is a {@link Lock} (a new one unless you pass one to share). `acquire()` resolves to
 * the condition, whose `[Symbol.dispose]()` releases the lock, so `using _ = await
 * condition.acquire()` works; so does `run(fn)`. It can be created anywhere, at module top
 * level or outside any task.
 *
 * Cancellation: `wait()` is a checkpoint, and always takes the lock back before it returns or
 * throws, even when cancelled. A waiter cancelled before `notify()` chose it leaves the queue,
 * so the notification goes to the next waiter; one cancelled after it was chosen returns from
 * `wait()` as notified (the cancellation meets it at its next checkpoint), so a `notify()` is
 * never lost to a cancelled task either way.
 *
 * @example
 * ```ts
 * import { Condition, withTaskGroup } from "anyio-ts";
 * const condition = new Condition();
 * const items: string[] = [];
 * await withTaskGroup(async (tg) => {
 *   tg.startSoon(async () => {
 *     using _ = await condition.acquire();
 *     const item = await condition.waitFor(() => items.shift());
 *     console.log("got", item);
 *   });
 *   await condition.run(() => {
 *     items.push("job");
 *     condition.notify();
 *   });
 * });
 * ```
 */
export class Condition implements Disposable {
  readonly #lock: Lock;
  readonly #waiters = new WaiterQueue<ConditionWaiter>();
  readonly #self: () => this;

  /**
   * @param lock The lock to use; a new `Lock` by default.
   * @throws {TypeError} If `lock` is given and is not a `Lock`.
   */
  constructor(lock?: Lock) {
    if (lock !== undefined && !(lock instanceof Lock)) {
      throw new TypeError(`Condition needs a Lock, got ${show(lock)}`);
    }
    this.#lock = lock ?? new Lock();
    this.#self = () => this;
    markNotThenable(this);
  }

  /**
   * Acquires the underlying lock. Resolves to the condition, whose `[Symbol.dispose]()`
   * releases the lock.
   *
   * Cancellation: as `Lock.acquire()`.
   *
   * @throws {InvalidStateError} If the current task already holds the lock.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { Condition } from "anyio-ts";
   * const condition = new Condition();
   * using _ = await condition.acquire();
   * console.assert(condition.locked());
   * ```
   */
  acquire(): Promise<this> {
    return this.#lock.acquire().then(this.#self);
  }

  /**
   * Acquires the underlying lock without waiting. Not a checkpoint.
   *
   * @throws {WouldBlock} If the lock is held or tasks wait for it.
   * @throws {InvalidStateError} If the current task already holds the lock.
   * @example
   * ```ts
   * import { Condition } from "anyio-ts";
   * const condition = new Condition();
   * condition.acquireNowait();
   * condition.release();
   * ```
   */
  acquireNowait(): void {
    this.#lock.acquireNowait();
  }

  /**
   * Releases the underlying lock. Not a checkpoint.
   *
   * @throws {InvalidStateError} If the current task does not hold the lock.
   * @example
   * ```ts
   * import { Condition } from "anyio-ts";
   * const condition = new Condition();
   * await condition.acquire();
   * condition.release();
   * console.assert(!condition.locked());
   * ```
   */
  release(): void {
    this.#lock.release();
  }

  /** Releases the underlying lock: the same as {@link Condition.release}. */
  [Symbol.dispose](): void {
    this.#lock.release();
  }

  /**
   * Runs `fn` holding the underlying lock, and releases it however `fn` ends.
   *
   * Cancellation: as `Lock.run()`.
   *
   * @throws {Cancelled} If the scope is cancelled while waiting for the lock.
   * @throws Whatever `fn` throws.
   * @example
   * ```ts
   * import { Condition } from "anyio-ts";
   * const condition = new Condition();
   * await condition.run(() => condition.notifyAll());
   * ```
   */
  run<T>(fn: () => T | PromiseLike<T>): Promise<T> {
    return this.#lock.run(fn);
  }

  /**
   * Whether the underlying lock is held.
   *
   * @example
   * ```ts
   * import { Condition } from "anyio-ts";
   * console.assert(!new Condition().locked());
   * ```
   */
  locked(): boolean {
    return this.#lock.locked();
  }

  /**
   * Wakes up to `n` waiting tasks, in FIFO order. Each then takes the lock back in turn, once
   * the caller releases it. Not a checkpoint.
   *
   * @param n How many to wake at most.
   * @throws {InvalidStateError} If the current task does not hold the lock.
   * @throws {TypeError} If `n` is not an integer.
   * @throws {RangeError} If `n` is negative.
   * @example
   * ```ts
   * import { Condition } from "anyio-ts";
   * const condition = new Condition();
   * await condition.run(() => condition.notify(2)); // nobody waits: nothing happens
   * ```
   */
  notify(n = 1): void {
    checkCount(n, "n");
    this.#checkHeld();
    const waiters = this.#waiters;
    for (let i = 0; i < n; i++) {
      const w = waiters.shift();
      if (w === null) break;
      grant(w);
    }
  }

  /**
   * Wakes every waiting task. Not a checkpoint.
   *
   * @throws {InvalidStateError} If the current task does not hold the lock.
   * @example
   * ```ts
   * import { Condition } from "anyio-ts";
   * const condition = new Condition();
   * await condition.run(() => condition.notifyAll());
   * ```
   */
  notifyAll(): void {
    this.#checkHeld();
    const waiters = this.#waiters;
    for (let w = waiters.shift(); w !== null; w = waiters.shift()) grant(w);
  }

  /**
   * Releases the lock, waits for a notification, and takes the lock back. The caller must hold
   * the lock. Wake-ups say only that something may have changed: re-check the state after it
   * returns (or use {@link Condition.waitFor}).
   *
   * Cancellation: a checkpoint. When cancelled, it still takes the lock back (ignoring the
   * cancellation while it waits for it) before it throws `Cancelled`; if it had been notified
   * already, it returns as notified instead, and the next checkpoint throws.
   *
   * @throws {InvalidStateError} If the current task does not hold the lock.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { Condition, withTaskGroup } from "anyio-ts";
   * const condition = new Condition();
   * let ready = false;
   * await withTaskGroup(async (tg) => {
   *   tg.startSoon(async () => {
   *     await condition.run(async () => {
   *       while (!ready) await condition.wait();
   *     });
   *   });
   *   await condition.run(() => {
   *     ready = true;
   *     condition.notifyAll();
   *   });
   * });
   * ```
   */
  async wait(): Promise<void> {
    const node = currentNode();
    const cancelled = effectiveCancel(node);
    if (cancelled !== undefined) throw cancelled;
    this.#checkHeld();
    const lock = this.#lock;
    const notified = park(new ConditionWaiter(this.#waiters), node, false);
    lock._handOver();
    let failed = false;
    let error: unknown;
    try {
      await notified;
    } catch (e) {
      failed = true;
      error = e;
    }
    await lock._acquireUncancellable();
    if (failed) throw error;
  }

  /**
   * Waits until `predicate()` returns a truthy value, and returns that value. Checks it first
   * (no wait if it already holds), then after each notification, always holding the lock.
   * The caller must hold the lock.
   *
   * Cancellation: as {@link Condition.wait}.
   *
   * @param predicate A synchronous function of the state the lock protects.
   * @throws {InvalidStateError} If the current task does not hold the lock when it must wait.
   * @throws {TypeError} If `predicate` is not a function or returns a promise.
   * @throws {Cancelled} If the scope is cancelled.
   * @throws Whatever `predicate` throws.
   * @example
   * ```ts
   * import { Condition, withTaskGroup } from "anyio-ts";
   * const condition = new Condition();
   * const queue: number[] = [];
   * await withTaskGroup(async (tg) => {
   *   tg.startSoon(() => condition.run(() => condition.waitFor(() => queue.length >= 2)));
   *   for (const n of [1, 2]) {
   *     await condition.run(() => {
   *       queue.push(n);
   *       condition.notifyAll();
   *     });
   *   }
   * });
   * ```
   */
  async waitFor<T>(predicate: () => T): Promise<T> {
    if (typeof predicate !== "function") {
      throw new TypeError(`Condition.waitFor() needs a function, got ${show(predicate)}`);
    }
    let result = checkSync(predicate());
    while (!result) {
      await this.wait();
      result = checkSync(predicate());
    }
    return result;
  }

  /**
   * How many wait for a notification, and the lock's own statistics.
   *
   * @example
   * ```ts
   * import { Condition } from "anyio-ts";
   * const stats = new Condition().statistics();
   * console.assert(stats.tasksWaiting === 0 && !stats.lockStatistics.locked);
   * ```
   */
  statistics(): ConditionStatistics {
    return { tasksWaiting: this.#waiters.size, lockStatistics: this.#lock.statistics() };
  }

  #checkHeld(): void {
    if (!this.#lock._heldBy(currentNode()._task)) throw new InvalidStateError(NOT_HOLDING);
  }
}

function checkSync<T>(value: T): T {
  if (typeof (value as { then?: unknown } | null)?.then === "function") {
    throw new TypeError("Condition.waitFor() needs a synchronous predicate; it returned a promise");
  }
  return value;
}
