/**
 * `Semaphore`: a counter of free slots that tasks take and give back.
 *
 * Like `Lock`, a release hands its slot straight to the first waiter (the counter does not go
 * up), so nobody can barge in between; from then on the slot is the waiter's, even if it is
 * cancelled before it resumes (it then meets the cancellation at its next checkpoint). Unlike
 * `Lock` it has no owner: any task may release.
 *
 * @module
 */
import { currentNode, effectiveCancel, park } from "../core/_internal/kernel.js";
import { WouldBlock } from "../core/errors.js";
import { checkCount, show } from "./_internal/checks.js";
import {
  grant,
  markNotThenable,
  QueuedWaiter,
  SpareWaiters,
  WaiterQueue,
  yieldThen,
} from "./_internal/waiter-queue.js";

/**
 * Options of {@link Semaphore}.
 *
 * @example
 * ```ts
 * import { Semaphore, type SemaphoreOptions } from "anyio-ts";
 * const options: SemaphoreOptions = { maxValue: 3 };
 * const semaphore = new Semaphore(3, options);
 * await semaphore.run(async () => console.assert(semaphore.value === 2));
 * ```
 */
export interface SemaphoreOptions {
  /**
   * The most the value may reach: `release()` past it throws. `null` for no limit.
   * @default null
   */
  maxValue?: number | null;
  /**
   * Skip the yield on an uncontended `acquire()`: it then only checks for cancellation.
   * @default false
   */
  fastAcquire?: boolean;
}

/**
 * What {@link Semaphore.statistics} reports.
 *
 * @example
 * ```ts
 * import { Semaphore, type SemaphoreStatistics } from "anyio-ts";
 * const stats: SemaphoreStatistics = new Semaphore(1).statistics();
 * console.assert(stats.tasksWaiting === 0);
 * ```
 */
export interface SemaphoreStatistics {
  /** How many tasks are blocked in `acquire()`. */
  readonly tasksWaiting: number;
}

class SemaphoreWaiter extends QueuedWaiter<Semaphore> {
  constructor(readonly semaphore: Semaphore) {
    super();
  }

  override onPark(): void {
    this.semaphore._enqueue(this);
  }

  override withdraw(): void {
    this.semaphore._dequeue(this);
  }

  override grantedValue(): Semaphore {
    return this.semaphore;
  }

  override delivered(): void {
    this.semaphore._recycle(this);
  }

  override describe(): string {
    return "Semaphore.acquire";
  }
}

/**
 * A semaphore: `value` free slots; `acquire()` takes one (waiting in FIFO order while there
 * is none), `release()` gives one back. Use it to bound how many tasks do something at once.
 * (To bound it per borrower, with statistics of who holds what, use `CapacityLimiter`.)
 *
 * `acquire()` resolves to the semaphore itself, whose `[Symbol.dispose]()` releases, so
 * `using _ = await semaphore.acquire()` holds a slot to the end of the block. It can be
 * created anywhere, at module top level or outside any task.
 *
 * Cancellation: `acquire()` is a checkpoint; a waiter cancelled before it is handed a slot
 * leaves the queue; once handed one, it keeps it and meets the cancellation at its next
 * checkpoint.
 *
 * @example
 * ```ts
 * import { Semaphore, withTaskGroup, sleep } from "anyio-ts";
 * const slots = new Semaphore(2);
 * let busy = 0;
 * await withTaskGroup((tg) => {
 *   for (let i = 0; i < 5; i++) {
 *     tg.startSoon(() =>
 *       slots.run(async () => {
 *         console.assert(++busy <= 2);
 *         await sleep(1);
 *         busy--;
 *       }),
 *     );
 *   }
 * });
 * ```
 */
export class Semaphore implements Disposable {
  #value: number;
  readonly #max: number | null;
  readonly #fast: boolean;
  readonly #waiters = new WaiterQueue<SemaphoreWaiter>();
  /** Waiters that were handed a slot and resolved, for later contended acquires. */
  readonly #spare = new SpareWaiters<SemaphoreWaiter>();
  readonly #ready: Promise<this>;

  /**
   * @param initialValue How many slots are free at first.
   * @throws {TypeError} If `initialValue` or `maxValue` is not an integer, or `fastAcquire`
   *   not a boolean.
   * @throws {RangeError} If `initialValue` is negative or `maxValue` is below it.
   */
  constructor(initialValue: number, options: SemaphoreOptions = {}) {
    this.#value = checkCount(initialValue, "initialValue");
    const max = options.maxValue ?? null;
    if (max !== null) {
      if (typeof max !== "number" || !Number.isInteger(max)) {
        throw new TypeError(`maxValue must be an integer or null, got ${show(max)}`);
      }
      if (max < initialValue) {
        throw new RangeError(
          `maxValue must be equal to or higher than initialValue (${initialValue}), got ${max}`,
        );
      }
    }
    this.#max = max;
    const fast = options.fastAcquire ?? false;
    if (typeof fast !== "boolean") {
      throw new TypeError(`fastAcquire must be a boolean, got ${show(fast)}`);
    }
    this.#fast = fast;
    this.#ready = Promise.resolve(this);
    markNotThenable(this);
  }

  /**
   * Takes a slot, waiting in FIFO order while there is none. Resolves to the semaphore itself,
   * whose `[Symbol.dispose]()` releases.
   *
   * A checkpoint: with a free slot it still checks for cancellation and (unless `fastAcquire`)
   * lets other tasks run, without ever throwing after taking the slot.
   *
   * Cancellation: rejects with `Cancelled`, holding nothing, if the scope is cancelled before
   * a slot is handed over; once handed one, it resolves, and the next checkpoint throws.
   *
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { Semaphore } from "anyio-ts";
   * const semaphore = new Semaphore(1);
   * {
   *   using _ = await semaphore.acquire();
   *   console.assert(semaphore.value === 0);
   * }
   * console.assert(semaphore.value === 1);
   * ```
   */
  acquire(): Promise<this> {
    const node = currentNode();
    if (this.#value > 0) {
      const error = effectiveCancel(node);
      if (error !== undefined) return Promise.reject(error);
      this.#value--;
      return this.#fast ? this.#ready : yieldThen(this.#ready, this);
    }
    return park(this.#spare.take() ?? new SemaphoreWaiter(this), node) as Promise<this>;
  }

  /**
   * Takes a slot if one is free, without waiting. Not a checkpoint.
   *
   * @throws {WouldBlock} If no slot is free.
   * @example
   * ```ts
   * import { Semaphore, WouldBlock } from "anyio-ts";
   * const semaphore = new Semaphore(1);
   * semaphore.acquireNowait();
   * try {
   *   semaphore.acquireNowait();
   * } catch (e) {
   *   console.assert(e instanceof WouldBlock);
   * }
   * ```
   */
  acquireNowait(): void {
    if (this.#value === 0) throw new WouldBlock();
    this.#value--;
  }

  /**
   * Gives a slot back: straight to the first waiter if there is one, otherwise to the counter.
   * Any task may release. Not a checkpoint.
   *
   * @throws {RangeError} If the value is already `maxValue`.
   * @example
   * ```ts
   * import { Semaphore } from "anyio-ts";
   * const semaphore = new Semaphore(0, { maxValue: 1 });
   * semaphore.release();
   * console.assert(semaphore.value === 1);
   * ```
   */
  release(): void {
    if (this.#value === this.#max) throw new RangeError("semaphore released too many times");
    this._handOver();
  }

  /** Releases a slot: the same as {@link Semaphore.release}. */
  [Symbol.dispose](): void {
    this.release();
  }

  /**
   * Runs `fn` holding a slot: acquires, runs, and releases however `fn` ends. Returns what
   * `fn` returns.
   *
   * Cancellation: as {@link Semaphore.acquire}.
   *
   * @throws {Cancelled} If the scope is cancelled while waiting for a slot.
   * @throws Whatever `fn` throws.
   * @example
   * ```ts
   * import { Semaphore } from "anyio-ts";
   * const semaphore = new Semaphore(3);
   * console.assert((await semaphore.run(() => semaphore.value)) === 2);
   * ```
   */
  async run<T>(fn: () => T | PromiseLike<T>): Promise<T> {
    if (typeof fn !== "function") {
      throw new TypeError(`Semaphore.run() needs a function, got ${show(fn)}`);
    }
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /**
   * How many slots are free now.
   *
   * @example
   * ```ts
   * import { Semaphore } from "anyio-ts";
   * console.assert(new Semaphore(4).value === 4);
   * ```
   */
  get value(): number {
    return this.#value;
  }

  /**
   * The most the value may reach, or `null` for no limit.
   *
   * @example
   * ```ts
   * import { Semaphore } from "anyio-ts";
   * console.assert(new Semaphore(1, { maxValue: 2 }).maxValue === 2);
   * ```
   */
  get maxValue(): number | null {
    return this.#max;
  }

  /**
   * How many tasks wait for a slot.
   *
   * @example
   * ```ts
   * import { Semaphore } from "anyio-ts";
   * console.assert(new Semaphore(1).statistics().tasksWaiting === 0);
   * ```
   */
  statistics(): SemaphoreStatistics {
    return { tasksWaiting: this.#waiters.size };
  }

  /**
   * @internal Passes a slot to the first waiter, or back to the counter. Never throws: a
   * cancelled waiter giving back the slot it was handed must not fail on `maxValue`.
   */
  _handOver(): void {
    const next = this.#waiters.shift();
    if (next === null) this.#value++;
    else grant(next);
  }

  /** @internal */
  _recycle(w: SemaphoreWaiter): void {
    this.#spare.keep(w);
  }

  /** @internal */
  _enqueue(w: SemaphoreWaiter): void {
    this.#waiters.push(w);
  }

  /** @internal */
  _dequeue(w: SemaphoreWaiter): void {
    this.#waiters.remove(w);
  }
}
