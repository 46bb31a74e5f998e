/**
 * `Lock`: mutual exclusion between tasks, owned by the task that acquired it.
 *
 * Design
 * ------
 * Fairness is strict FIFO with ownership handed over at release time: `release()` makes the
 * first waiter the owner before it even runs, so nobody can barge in between (and
 * `statistics().owner` names the new owner at once), and its `acquire()` resolves then: the
 * lock is its even if its scope is cancelled before it resumes, and the cancellation meets it
 * at its next checkpoint, while it holds the lock and will release it (as AnyIO does on both
 * its backends). See `_internal/waiter-queue.ts` for why no window is kept open instead.
 *
 * Costs: the uncontended path never parks and allocates nothing (it resolves to a promise the
 * lock made once; without `fastAcquire` it also yields to the event loop when a turn is
 * overdue). A contended acquire allocates its promise, and a waiter only when none of those
 * that were handed the lock earlier is free to reuse; there is no closure and no
 * `AbortController` per acquire.
 *
 * @module
 */
import { currentNode, effectiveCancel, park, type Task } from "../core/_internal/kernel.js";
import { InvalidStateError, WouldBlock } from "../core/errors.js";
import { TaskInfo } from "../core/tasks.js";
import {
  grant,
  markNotThenable,
  QueuedWaiter,
  SpareWaiters,
  WaiterQueue,
  yieldThen,
} from "./_internal/waiter-queue.js";

/**
 * Options of {@link Lock}.
 *
 * @example
 * ```ts
 * import { Lock, type LockOptions } from "anyio-ts";
 * const options: LockOptions = { fastAcquire: true };
 * const lock = new Lock(options);
 * await lock.run(async () => console.assert(lock.locked()));
 * ```
 */
export interface LockOptions {
  /**
   * Skip the yield on an uncontended `acquire()`: it then only checks for cancellation, so a
   * loop that takes a free lock over and over does not let other tasks run in between.
   * @default false
   */
  fastAcquire?: boolean;
}

/**
 * What {@link Lock.statistics} reports.
 *
 * @example
 * ```ts
 * import { Lock, type LockStatistics } from "anyio-ts";
 * const lock = new Lock();
 * await lock.acquire();
 * const stats: LockStatistics = lock.statistics();
 * console.assert(stats.locked && stats.owner !== null && stats.tasksWaiting === 0);
 * lock.release();
 * ```
 */
export interface LockStatistics {
  /** Whether the lock is held. */
  readonly locked: boolean;
  /** The task holding the lock, or `null`. */
  readonly owner: TaskInfo | null;
  /** How many tasks are blocked in `acquire()`. */
  readonly tasksWaiting: number;
}

class LockWaiter extends QueuedWaiter<Lock> {
  constructor(
    readonly lock: Lock,
    public task: Task,
  ) {
    super();
  }

  override delivered(): void {
    this.lock._recycle(this);
  }

  override onPark(): void {
    this.lock._enqueue(this);
  }

  override withdraw(): void {
    this.lock._dequeue(this);
  }

  override grantedValue(): Lock {
    return this.lock;
  }

  override describe(): string {
    return "Lock.acquire";
  }
}

/** How a `Condition` takes its lock back after waiting: deaf to cancellation. */
class RelockWaiter extends LockWaiter {
  override abort(): boolean {
    return false;
  }

  // Not kept for reuse: a LockWaiter taken from the spares must withdraw when aborted, and
  // this one never does.
  override delivered(): void {}

  override describe(): string {
    return "Condition.wait: taking the lock back";
  }
}

/**
 * A mutual-exclusion lock with an owner: only the task that acquired it may release it, and
 * waiters get it in FIFO order.
 *
 * Hold it with `using` (the lock itself is the disposable that `acquire()` resolves to), with
 * `run(fn)`, or with `acquire()`/`release()` in `try`/`finally`. It can be created anywhere,
 * at module top level or outside any task.
 *
 * Cancellation: `acquire()` is a checkpoint. A waiter cancelled before it is handed the lock
 * just leaves the queue; once a release has handed it the lock, its `acquire()` returns and the
 * cancellation meets it at its next checkpoint (so release it in `finally`, or with `using`).
 *
 * @example
 * ```ts
 * import { Lock, withTaskGroup, sleep } from "anyio-ts";
 * const lock = new Lock();
 * let inside = 0;
 * await withTaskGroup((tg) => {
 *   for (let i = 0; i < 3; i++) {
 *     tg.startSoon(async () => {
 *       using _ = await lock.acquire();
 *       console.assert(++inside === 1);
 *       await sleep(1);
 *       inside--;
 *     });
 *   }
 * });
 * ```
 */
export class Lock implements Disposable {
  #owner: Task | null = null;
  readonly #waiters = new WaiterQueue<LockWaiter>();
  /** Waiters that were handed the lock and resolved, for later contended acquires. */
  readonly #spare = new SpareWaiters<LockWaiter>();
  readonly #fast: boolean;
  /** Settled with the lock itself: what the uncontended path returns, made once. */
  readonly #ready: Promise<this>;

  /**
   * @throws {TypeError} If `fastAcquire` is given and is not a boolean.
   */
  constructor(options: LockOptions = {}) {
    const fast = options.fastAcquire ?? false;
    if (typeof fast !== "boolean") {
      throw new TypeError(`fastAcquire must be a boolean, got ${String(fast)}`);
    }
    this.#fast = fast;
    this.#ready = Promise.resolve(this);
    markNotThenable(this);
  }

  /**
   * Acquires the lock, waiting in FIFO order while another task holds it. Resolves to the lock
   * itself, whose `[Symbol.dispose]()` releases it, so `using _ = await lock.acquire()` holds it
   * to the end of the block.
   *
   * A checkpoint: when the lock is free it still checks for cancellation and (unless
   * `fastAcquire`) lets other tasks run, without ever throwing after taking it.
   *
   * Cancellation: rejects with `Cancelled` (without taking the lock) if the scope is cancelled
   * before the lock is handed over. Once a release has handed it over, it resolves even if the
   * scope is cancelled before this task resumes; the next checkpoint then throws.
   *
   * @throws {InvalidStateError} If the current task already holds the lock.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { Lock } from "anyio-ts";
   * const lock = new Lock();
   * {
   *   using _ = await lock.acquire();
   *   console.assert(lock.locked());
   * }
   * console.assert(!lock.locked());
   * ```
   */
  acquire(): Promise<this> {
    const node = currentNode();
    const task = node._task;
    const owner = this.#owner;
    if (owner === null) {
      const error = effectiveCancel(node);
      if (error !== undefined) return Promise.reject(error);
      this.#owner = task;
      return this.#fast ? this.#ready : yieldThen(this.#ready, this);
    }
    if (owner === task) {
      return Promise.reject(new InvalidStateError("Attempted to acquire an already held Lock"));
    }
    const spare = this.#spare.take();
    if (spare === undefined) return park(new LockWaiter(this, task), node) as Promise<this>;
    spare.task = task;
    return park(spare, node) as Promise<this>;
  }

  /**
   * @internal Acquires the lock ignoring cancellation (no check, no withdrawal): how a
   * `Condition` takes its lock back after waiting.
   */
  _acquireUncancellable(): Promise<unknown> {
    const node = currentNode();
    const task = node._task;
    if (this.#owner === null) {
      this.#owner = task;
      return this.#fast ? this.#ready : yieldThen(this.#ready, this);
    }
    return park(new RelockWaiter(this, task), node, false);
  }

  /**
   * Acquires the lock if it is free and nobody is queued for it, without waiting. Not a
   * checkpoint.
   *
   * @throws {WouldBlock} If another task holds the lock or tasks are waiting for it.
   * @throws {InvalidStateError} If the current task already holds the lock.
   * @example
   * ```ts
   * import { Lock } from "anyio-ts";
   * const lock = new Lock();
   * lock.acquireNowait();
   * lock.release();
   * ```
   */
  acquireNowait(): void {
    const task = currentNode()._task;
    const owner = this.#owner;
    if (owner === null) {
      this.#owner = task;
      return;
    }
    if (owner === task) throw new InvalidStateError("Attempted to acquire an already held Lock");
    throw new WouldBlock();
  }

  /**
   * Releases the lock; if tasks are waiting, the first of them becomes the owner at once. Not a
   * checkpoint.
   *
   * @throws {InvalidStateError} If the current task does not hold the lock.
   * @example
   * ```ts
   * import { Lock } from "anyio-ts";
   * const lock = new Lock();
   * await lock.acquire();
   * try {
   *   // ... the critical section
   * } finally {
   *   lock.release();
   * }
   * ```
   */
  release(): void {
    if (this.#owner !== currentNode()._task || this.#owner === null) {
      throw new InvalidStateError("The current task is not holding this lock");
    }
    this._handOver();
  }

  /** Releases the lock: the same as {@link Lock.release}. */
  [Symbol.dispose](): void {
    this.release();
  }

  /**
   * Runs `fn` holding the lock: acquires, runs, and releases however `fn` ends. Returns what
   * `fn` returns.
   *
   * Cancellation: as {@link Lock.acquire}; once `fn` runs, the lock is released even if it
   * throws `Cancelled`.
   *
   * @throws {InvalidStateError} If the current task already holds the lock.
   * @throws {Cancelled} If the scope is cancelled while waiting for the lock.
   * @throws Whatever `fn` throws.
   * @example
   * ```ts
   * import { Lock } from "anyio-ts";
   * const lock = new Lock();
   * const value = await lock.run(async () => 42);
   * console.assert(value === 42 && !lock.locked());
   * ```
   */
  async run<T>(fn: () => T | PromiseLike<T>): Promise<T> {
    if (typeof fn !== "function") {
      throw new TypeError(`Lock.run() needs a function, got ${String(fn)}`);
    }
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /**
   * Whether some task holds the lock.
   *
   * @example
   * ```ts
   * import { Lock } from "anyio-ts";
   * console.assert(!new Lock().locked());
   * ```
   */
  locked(): boolean {
    return this.#owner !== null;
  }

  /**
   * Who holds the lock and how many wait for it.
   *
   * @example
   * ```ts
   * import { Lock, getCurrentTask } from "anyio-ts";
   * const lock = new Lock();
   * lock.acquireNowait();
   * console.assert(lock.statistics().owner?.id === getCurrentTask().id);
   * lock.release();
   * ```
   */
  statistics(): LockStatistics {
    const owner = this.#owner;
    return {
      locked: owner !== null,
      owner: owner === null ? null : new TaskInfo(owner),
      tasksWaiting: this.#waiters.size,
    };
  }

  /** @internal Whether `task` holds the lock. */
  _heldBy(task: Task): boolean {
    return this.#owner === task;
  }

  /** @internal Makes the first waiter the owner, or frees the lock. */
  _handOver(): void {
    const next = this.#waiters.shift();
    if (next === null) {
      this.#owner = null;
      return;
    }
    this.#owner = next.task;
    grant(next);
  }

  /** @internal */
  _recycle(w: LockWaiter): void {
    this.#spare.keep(w);
  }

  /** @internal */
  _enqueue(w: LockWaiter): void {
    this.#waiters.push(w);
  }

  /** @internal */
  _dequeue(w: LockWaiter): void {
    this.#waiters.remove(w);
  }
}
