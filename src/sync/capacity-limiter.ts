/**
 * `CapacityLimiter`: at most `totalTokens` borrowers at once, one token each.
 *
 * Fairness: a `*Nowait` acquire fails while anyone is queued, and a released token is
 * reserved for the first waiter at once (it shows in `statistics().borrowers` before that task
 * runs), so `borrowedTokens` never exceeds `totalTokens` and nobody barges in (AnyIO #1170).
 * A waiter cancelled after its token was reserved but before it resumes keeps it and meets
 * the cancellation at its next checkpoint, as in AnyIO.
 *
 * @module
 */
import {
  type CancelNode,
  currentNode,
  effectiveCancel,
  park,
  Task,
} from "../core/_internal/kernel.js";
import { InvalidStateError, WouldBlock } from "../core/errors.js";
import { TaskInfo } from "../core/tasks.js";
import { BorrowerSet } from "./_internal/borrower-set.js";
import { show } from "./_internal/checks.js";
import {
  grant,
  markNotThenable,
  QueuedWaiter,
  WaiterQueue,
  yieldThen,
} from "./_internal/waiter-queue.js";

/**
 * What {@link CapacityLimiter.statistics} reports.
 *
 * @example
 * ```ts
 * import { CapacityLimiter, type CapacityLimiterStatistics } from "anyio-ts";
 * const limiter = new CapacityLimiter(2);
 * await limiter.acquire();
 * const stats: CapacityLimiterStatistics = limiter.statistics();
 * console.assert(stats.borrowedTokens === 1 && stats.totalTokens === 2);
 * limiter.release();
 * ```
 */
export interface CapacityLimiterStatistics {
  /** How many tokens are held (reserved for a woken waiter included). */
  readonly borrowedTokens: number;
  /** The current `totalTokens`. */
  readonly totalTokens: number;
  /** Who holds the tokens: a task borrowing for itself shows as its `TaskInfo`. */
  readonly borrowers: readonly unknown[];
  /** How many wait in `acquire()` or `acquireOnBehalfOf()`. */
  readonly tasksWaiting: number;
}

const ALREADY_HOLDING = "this borrower is already holding one of this CapacityLimiter's tokens";
const NOT_HOLDING = "this borrower isn't holding any of this CapacityLimiter's tokens";

class LimiterWaiter extends QueuedWaiter<Disposable> {
  constructor(
    readonly limiter: CapacityLimiter,
    readonly borrower: unknown,
    /** What the acquire resolves to. */
    readonly result: Disposable,
  ) {
    super();
  }

  override onPark(): void {
    this.limiter._enqueue(this);
  }

  override withdraw(): void {
    this.limiter._dequeue(this);
  }

  override grantedValue(): Disposable {
    return this.result;
  }

  override describe(): string {
    return "CapacityLimiter.acquire";
  }
}

/** What `acquireOnBehalfOf()` resolves to: disposing it releases that borrower's token. */
class TokenReleaser implements Disposable {
  constructor(
    readonly limiter: CapacityLimiter,
    readonly borrower: unknown,
  ) {}

  [Symbol.dispose](): void {
    this.limiter.releaseOnBehalfOf(this.borrower);
  }
}

function checkTotal(value: unknown): number {
  if (
    typeof value !== "number" ||
    Number.isNaN(value) ||
    (!Number.isInteger(value) && Math.abs(value) !== Number.POSITIVE_INFINITY)
  ) {
    throw new TypeError(`totalTokens must be an integer or Infinity, got ${show(value)}`);
  }
  if (value < 0) throw new RangeError(`totalTokens must be >= 0, got ${value}`);
  return value;
}

function checkBorrower(borrower: unknown): void {
  if (borrower === undefined || borrower === null) {
    throw new TypeError(`borrower must not be ${borrower}`);
  }
}

/**
 * Limits how many borrowers may hold a token at once: `totalTokens` of them, each holding at
 * most one. A borrower is the current task (`acquire()`/`release()`) or any value you name
 * (`acquireOnBehalfOf(borrower)`), such as a connection or a job. Waiters are served in FIFO
 * order.
 *
 * `acquire()` resolves to the limiter, whose `[Symbol.dispose]()` releases the current task's
 * token, so `using _ = await limiter.acquire()` works; `run(fn)` holds a token around `fn`.
 * `totalTokens` can be changed at any time: raising it admits waiters at once. It can be
 * created anywhere, at module top level or outside any task.
 *
 * Cancellation: acquiring is a checkpoint; a waiter cancelled before it gets a token leaves
 * the queue; once a token is reserved for it, it keeps it and meets the cancellation at its
 * next checkpoint.
 *
 * @example
 * ```ts
 * import { CapacityLimiter, withTaskGroup, sleep } from "anyio-ts";
 * const limiter = new CapacityLimiter(2);
 * await withTaskGroup((tg) => {
 *   for (let i = 0; i < 6; i++) {
 *     tg.startSoon(() =>
 *       limiter.run(async () => {
 *         console.assert(limiter.borrowedTokens <= 2);
 *         await sleep(1);
 *       }),
 *     );
 *   }
 * });
 * ```
 */
export class CapacityLimiter implements Disposable {
  #total: number;
  /**
   * The borrowers holding a token. Waiting borrowers are not in it: with thousands queued, a
   * set of them costs more than all the rest (on Bun, 1 µs per acquire); a borrower that waits
   * twice is refused when its second wait comes to the front instead.
   */
  readonly #borrowers = new BorrowerSet();
  readonly #waiters = new WaiterQueue<LimiterWaiter>();
  readonly #ready: Promise<this> = Promise.resolve(this);

  /**
   * @param totalTokens How many borrowers may hold a token at once: an integer ≥ 0, or
   *   `Infinity`.
   * @throws {TypeError} If `totalTokens` is not an integer or `Infinity`.
   * @throws {RangeError} If `totalTokens` is negative.
   */
  constructor(totalTokens: number) {
    this.#total = checkTotal(totalTokens);
    markNotThenable(this);
  }

  /**
   * How many borrowers may hold a token at once. Settable: raising it hands the new tokens to
   * waiters at once, in FIFO order; lowering it takes no token away (it only keeps new
   * borrowers out until enough have released). Not a checkpoint.
   *
   * @throws {TypeError} If set to something other than an integer or `Infinity`.
   * @throws {RangeError} If set to a negative number.
   * @example
   * ```ts
   * import { CapacityLimiter } from "anyio-ts";
   * const limiter = new CapacityLimiter(1);
   * limiter.totalTokens = 4;
   * console.assert(limiter.availableTokens === 4);
   * ```
   */
  get totalTokens(): number {
    return this.#total;
  }

  set totalTokens(value: number) {
    this.#total = checkTotal(value);
    this.#wakeWaiters();
  }

  /**
   * How many tokens are held now (one reserved for a woken waiter included).
   *
   * @example
   * ```ts
   * import { CapacityLimiter } from "anyio-ts";
   * console.assert(new CapacityLimiter(3).borrowedTokens === 0);
   * ```
   */
  get borrowedTokens(): number {
    return this.#borrowers.size;
  }

  /**
   * How many tokens are free now (`totalTokens - borrowedTokens`; negative for a while after
   * `totalTokens` was lowered below what is held).
   *
   * @example
   * ```ts
   * import { CapacityLimiter } from "anyio-ts";
   * console.assert(new CapacityLimiter(3).availableTokens === 3);
   * ```
   */
  get availableTokens(): number {
    return this.#total - this.#borrowers.size;
  }

  /**
   * Borrows a token for the current task, waiting in FIFO order while none is free. Resolves
   * to the limiter, whose `[Symbol.dispose]()` releases the token.
   *
   * A checkpoint: with a token free it still checks for cancellation and lets other tasks run,
   * without ever throwing after taking the token.
   *
   * Cancellation: rejects with `Cancelled`, holding nothing, if the scope is cancelled before
   * a token is reserved for it; once one is, it resolves, and the next checkpoint throws.
   *
   * @throws {InvalidStateError} If the current task already holds a token of this limiter (or
   *   when its turn comes, if it got one meanwhile through another wait).
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { CapacityLimiter } from "anyio-ts";
   * const limiter = new CapacityLimiter(1);
   * {
   *   using _ = await limiter.acquire();
   *   console.assert(limiter.availableTokens === 0);
   * }
   * console.assert(limiter.availableTokens === 1);
   * ```
   */
  acquire(): Promise<this> {
    const node = currentNode();
    return this.#acquire(node._task, node, this) as Promise<this>;
  }

  /**
   * Borrows a token for `borrower`, waiting in FIFO order while none is free. Resolves to a
   * disposable whose `[Symbol.dispose]()` releases that borrower's token.
   *
   * Cancellation: as {@link CapacityLimiter.acquire}.
   *
   * @param borrower Who holds the token: any value but `null` or `undefined`, compared by
   *   identity.
   * @throws {TypeError} If `borrower` is `null` or `undefined`.
   * @throws {InvalidStateError} If `borrower` already holds a token of this limiter (or when
   *   its turn comes, if it got one meanwhile through another wait).
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { CapacityLimiter } from "anyio-ts";
   * const limiter = new CapacityLimiter(10);
   * const connection = { id: 1 };
   * {
   *   using _ = await limiter.acquireOnBehalfOf(connection);
   *   console.assert(limiter.statistics().borrowers.includes(connection));
   * }
   * console.assert(limiter.borrowedTokens === 0);
   * ```
   */
  acquireOnBehalfOf(borrower: unknown): Promise<Disposable> {
    try {
      checkBorrower(borrower);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#acquire(borrower, currentNode(), new TokenReleaser(this, borrower));
  }

  #acquire(borrower: unknown, node: CancelNode, result: Disposable): Promise<Disposable> {
    const error = effectiveCancel(node);
    if (error !== undefined) return Promise.reject(error);
    const borrowers = this.#borrowers;
    if (borrowers.has(borrower)) return Promise.reject(new InvalidStateError(ALREADY_HOLDING));
    if (this.#waiters.size === 0 && borrowers.size < this.#total) {
      borrowers.add(borrower);
      return yieldThen(result === this ? this.#ready : Promise.resolve(result), result);
    }
    return park(new LimiterWaiter(this, borrower, result), node, false);
  }

  /**
   * Borrows a token for the current task if one is free and nobody is queued, without
   * waiting. Not a checkpoint.
   *
   * @throws {InvalidStateError} If the current task already holds a token of this limiter.
   * @throws {WouldBlock} If no token is free or tasks are waiting for one.
   * @example
   * ```ts
   * import { CapacityLimiter } from "anyio-ts";
   * const limiter = new CapacityLimiter(1);
   * limiter.acquireNowait();
   * limiter.release();
   * ```
   */
  acquireNowait(): void {
    this.#acquireNowait(currentNode()._task);
  }

  /**
   * Borrows a token for `borrower` if one is free and nobody is queued, without waiting. Not a
   * checkpoint.
   *
   * @throws {TypeError} If `borrower` is `null` or `undefined`.
   * @throws {InvalidStateError} If `borrower` already holds a token of this limiter.
   * @throws {WouldBlock} If no token is free or tasks are waiting for one.
   * @example
   * ```ts
   * import { CapacityLimiter } from "anyio-ts";
   * const limiter = new CapacityLimiter(1);
   * limiter.acquireOnBehalfOfNowait("job-1");
   * limiter.releaseOnBehalfOf("job-1");
   * ```
   */
  acquireOnBehalfOfNowait(borrower: unknown): void {
    checkBorrower(borrower);
    this.#acquireNowait(borrower);
  }

  #acquireNowait(borrower: unknown): void {
    const borrowers = this.#borrowers;
    if (borrowers.has(borrower)) throw new InvalidStateError(ALREADY_HOLDING);
    if (this.#waiters.size > 0 || borrowers.size >= this.#total) throw new WouldBlock();
    borrowers.add(borrower);
  }

  /**
   * Releases the current task's token; the first waiter gets it at once. Not a checkpoint.
   *
   * @throws {InvalidStateError} If the current task holds no token of this limiter.
   * @example
   * ```ts
   * import { CapacityLimiter } from "anyio-ts";
   * const limiter = new CapacityLimiter(1);
   * await limiter.acquire();
   * limiter.release();
   * ```
   */
  release(): void {
    this.releaseOnBehalfOf(currentNode()._task);
  }

  /** Releases the current task's token: the same as {@link CapacityLimiter.release}. */
  [Symbol.dispose](): void {
    this.release();
  }

  /**
   * Releases `borrower`'s token; the first waiter gets it at once. Not a checkpoint.
   *
   * @throws {InvalidStateError} If `borrower` holds no token of this limiter.
   * @example
   * ```ts
   * import { CapacityLimiter } from "anyio-ts";
   * const limiter = new CapacityLimiter(1);
   * await limiter.acquireOnBehalfOf("job-1");
   * limiter.releaseOnBehalfOf("job-1");
   * ```
   */
  releaseOnBehalfOf(borrower: unknown): void {
    if (!this.#borrowers.delete(borrower)) throw new InvalidStateError(NOT_HOLDING);
    this.#wakeWaiters();
  }

  /**
   * Runs `fn` holding a token for the current task: acquires, runs, and releases however `fn`
   * ends. Returns what `fn` returns.
   *
   * Cancellation: as {@link CapacityLimiter.acquire}.
   *
   * @throws {InvalidStateError} If the current task already holds a token of this limiter.
   * @throws {Cancelled} If the scope is cancelled while waiting for a token.
   * @throws Whatever `fn` throws.
   * @example
   * ```ts
   * import { CapacityLimiter } from "anyio-ts";
   * const limiter = new CapacityLimiter(4);
   * const used = await limiter.run(() => limiter.borrowedTokens);
   * console.assert(used === 1);
   * ```
   */
  async run<T>(fn: () => T | PromiseLike<T>): Promise<T> {
    if (typeof fn !== "function") {
      throw new TypeError(`CapacityLimiter.run() needs a function, got ${show(fn)}`);
    }
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /**
   * Who holds tokens and how many wait.
   *
   * @example
   * ```ts
   * import { CapacityLimiter } from "anyio-ts";
   * const stats = new CapacityLimiter(2).statistics();
   * console.assert(stats.borrowedTokens === 0 && stats.tasksWaiting === 0);
   * ```
   */
  statistics(): CapacityLimiterStatistics {
    const borrowers: unknown[] = [];
    for (const b of this.#borrowers) borrowers.push(b instanceof Task ? new TaskInfo(b) : b);
    return {
      borrowedTokens: this.#borrowers.size,
      totalTokens: this.#total,
      borrowers,
      tasksWaiting: this.#waiters.size,
    };
  }

  /** Reserves free tokens for the first waiters, in FIFO order. */
  #wakeWaiters(): void {
    const waiters = this.#waiters;
    const borrowers = this.#borrowers;
    while (waiters.size > 0 && borrowers.size < this.#total) {
      const w = waiters.shift() as LimiterWaiter;
      if (borrowers.has(w.borrower)) {
        // The same borrower waited twice and its first wait got a token meanwhile.
        w.reject(new InvalidStateError(ALREADY_HOLDING));
        continue;
      }
      borrowers.add(w.borrower);
      grant(w);
    }
  }

  /** @internal */
  _enqueue(w: LimiterWaiter): void {
    this.#waiters.push(w);
  }

  /** @internal */
  _dequeue(w: LimiterWaiter): void {
    this.#waiters.remove(w);
  }
}
