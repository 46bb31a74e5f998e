/**
 * `asCompleted`: run functions concurrently and handle each one as it finishes.
 *
 * Design
 * ------
 * Who owns the tasks? AnyIO's `as_completed` is an async context manager around a task group,
 * and the obvious JavaScript port, an async generator that runs `withTaskGroup` across its
 * `yield`s, is the classic structured-concurrency bug: the generator's frame (and so the group
 * and its cancel scope) is suspended inside the consumer's loop, the consumer's code runs
 * outside the scope the tasks belong to, and an abandoned generator (a `break` that nobody
 * follows with `return()`, an iterator dropped on the floor) leaves the tasks running with
 * nobody to wait for them. AnyIO calls this "cancel scope exited in a different task".
 *
 * So the caller gives a body: `await asCompleted(fns, async (handles) => { for await ... })`.
 * The body runs *as the body of the internal task group*, inside its scope, exactly like a
 * `withTaskGroup` body: a task that fails cancels the body's wait, and when the body returns or
 * throws, the unfinished tasks are cancelled and awaited before `asCompleted` returns. Nothing
 * can outlive the call, whatever the body does with the iterable.
 *
 * Rejected: an object with `Symbol.asyncDispose` used with `await using`. The tasks would live
 * in a scope the consumer's code is not inside (a failing task could not interrupt the loop),
 * forgetting `using` would leak them, and Node 20 has no `await using` syntax.
 *
 * @module
 */
import { currentNode, effectiveCancel, park, Waiter } from "../core/_internal/kernel.js";
import { TaskCancelled, TaskFailed } from "../core/errors.js";
import { type TaskHandle, withTaskGroup } from "../core/task-group.js";
import { checkFunctions, nameLike, show } from "./_internal/checks.js";

/**
 * The task handles of `asCompleted`, in completion order, for `for await`. Leaving the loop
 * early cancels the tasks that have not finished, and ends the iteration for good.
 *
 * @example
 * ```ts
 * import { asCompleted, type CompletedHandles, sleep } from "anyio-ts";
 * const first = await asCompleted(
 *   [async () => { await sleep(20); return "slow"; }, async () => "fast"],
 *   async (handles: CompletedHandles<string>) => {
 *     for await (const handle of handles) return handle.result(); // the rest are cancelled
 *   },
 * );
 * console.assert(first === "fast");
 * ```
 */
export interface CompletedHandles<T> extends AsyncIterableIterator<TaskHandle<T>> {
  /** How many handles have not been handed out yet. */
  readonly remaining: number;
}

/**
 * The awaited return type of the functions of a list, as a union.
 *
 * @example
 * ```ts
 * import type { CompletedValue } from "anyio-ts";
 * const value: CompletedValue<[() => Promise<number>, () => string]> = "either"; // number | string
 * console.assert(typeof value === "string");
 * ```
 */
export type CompletedValue<F extends readonly (() => unknown)[]> = F[number] extends () => infer R
  ? Awaited<R>
  : never;

class NextWaiter<T> extends Waiter<TaskHandle<T> | undefined> {
  constructor(readonly queue: HandleQueue<T>) {
    super();
  }

  override onPark(): void {
    this.queue.waiters.push(this);
  }

  override abort(): boolean {
    const waiters = this.queue.waiters;
    const at = waiters.indexOf(this);
    if (at !== -1) waiters.splice(at, 1);
    return true;
  }

  override describe(): string {
    return "asCompleted: waiting for the next task to finish";
  }
}

/** Handles of finished tasks, waiting to be handed out, and the consumers waiting for them. */
class HandleQueue<T> implements CompletedHandles<T> {
  readonly finished: TaskHandle<T>[] = [];
  readonly waiters: NextWaiter<T>[] = [];
  /** Every task's handle, in the order of the functions. */
  readonly handles: TaskHandle<T>[];
  readonly total: number;
  handedOut = 0;
  closed = false;

  constructor(total: number) {
    this.total = total;
    this.handles = new Array<TaskHandle<T>>(total);
  }

  get remaining(): number {
    return this.closed ? 0 : this.total - this.handedOut;
  }

  /** A task's function has settled: hand its handle to a waiting consumer, or keep it. */
  push(handle: TaskHandle<T>): void {
    const waiter = this.waiters.shift();
    if (waiter === undefined) this.finished.push(handle);
    else waiter.resolve(handle);
  }

  /** The body has ended: consumers still waiting (in tasks of its own) get `done`. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter.resolve(undefined);
  }

  /**
   * The next handle in completion order, once its task has ended; `done` when every handle
   * has been handed out. A checkpoint, so a cancelled loop stops here.
   */
  async next(): Promise<IteratorResult<TaskHandle<T>, undefined>> {
    const error = effectiveCancel(currentNode());
    if (error !== undefined) throw error;
    if (this.closed || this.handedOut === this.total) return { done: true, value: undefined };
    this.handedOut++;
    let handle = this.finished.shift();
    if (handle === undefined) {
      try {
        handle = await park(new NextWaiter(this));
      } catch (e) {
        this.handedOut--;
        throw e;
      }
      if (handle === undefined) return { done: true, value: undefined };
    }
    // The handle is pushed as the task's function settles; the task ends a microtask later.
    if (handle.status === "pending" || handle.status === "cancelling") await handle.wait();
    return { done: false, value: handle };
  }

  /**
   * Leaving a `for await` loop early (`break`, `return`, a throw) lands here: no more handles,
   * and every task that has not finished is cancelled (`asCompleted` waits for them when the
   * body ends). Not a checkpoint.
   */
  async return(): Promise<IteratorResult<TaskHandle<T>, undefined>> {
    this.close();
    for (const handle of this.handles) handle.cancel("asCompleted() loop left early");
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * Runs each of `fns` as a task of an internal task group and calls `body` with an async
 * iterable of their `TaskHandle`s in the order the tasks finish. When `body` returns (or
 * throws, or breaks out of its loop early), the tasks that have not finished are cancelled and
 * awaited; then `asCompleted` returns what `body` returned. It replaces the "race the
 * remaining promises in a loop" pattern, without leaving the slow ones running.
 *
 * Why a body rather than a bare async iterable: the tasks must belong to a task group whose
 * scope the consuming loop runs in, so that the loop cannot outlive them nor they the loop (see
 * the module notes: an async generator holding a task group across `yield` is AnyIO's "cancel
 * scope exited in a different task" bug, and a dropped iterator would leak its tasks).
 *
 * Errors are the task group's: a task that fails cancels the other tasks and the body, and
 * every failure comes out as one `ExceptionGroup`. A failed task's handle may still be handed
 * to the body; its `result()` then throws `TaskFailed`, and if the body lets that escape it is
 * not reported a second time (the group already holds the original error).
 *
 * Cancellation: if the enclosing scope is cancelled, every task is cancelled and awaited, the
 * body's wait for the next handle throws `Cancelled`, and `Cancelled` propagates. Waiting for
 * the next handle is a checkpoint.
 *
 * @param fns Zero-argument functions (at least one), each run as a task named after it.
 * @param body Called once with the handles; its value is returned.
 * @returns What `body` returned.
 * @throws {TypeError} If `fns` is empty or not a list of functions, or `body` is not a function.
 * @throws {ExceptionGroup} If a task or the body failed (after every task has ended).
 * @throws {Cancelled} If the enclosing scope was cancelled.
 * @example
 * ```ts
 * import { asCompleted, sleep } from "anyio-ts";
 * const first = await asCompleted(
 *   [
 *     async () => { await sleep(20); return "slow"; },
 *     async () => { await sleep(1); return "fast"; },
 *   ],
 *   async (handles) => {
 *     for await (const handle of handles) return handle.returnValue; // the rest is cancelled
 *   },
 * );
 * console.assert(first === "fast");
 * ```
 */
export async function asCompleted<F extends readonly (() => unknown)[], R>(
  fns: F,
  body: (handles: CompletedHandles<CompletedValue<F>>) => R | PromiseLike<R>,
): Promise<R> {
  if (!Array.isArray(fns)) {
    throw new TypeError(`asCompleted() needs an array of functions, got ${show(fns)}`);
  }
  checkFunctions(fns, "asCompleted()", true);
  if (typeof body !== "function") {
    throw new TypeError(`asCompleted() needs a body function, got ${show(body)}`);
  }
  type T = CompletedValue<F>;
  const n = fns.length;
  const queue = new HandleQueue<T>(n);
  const handles = queue.handles;
  const value = await withTaskGroup(async (tg) => {
    for (let i = 0; i < n; i++) {
      const fn = fns[i] as () => T | PromiseLike<T>;
      const runner = nameLike(async (): Promise<T> => {
        try {
          return await fn();
        } finally {
          queue.push(handles[i] as TaskHandle<T>);
        }
      }, fn);
      handles[i] = tg.startSoon(runner);
    }
    try {
      return await body(queue);
    } catch (error) {
      // The TaskFailed of a handle's result() repeats an error the group already reports.
      if (!repeatsTaskFailure(error, handles)) throw error;
      return undefined;
    } finally {
      queue.close();
      tg.cancel("asCompleted() body ended");
    }
  });
  return value as R;
}

function repeatsTaskFailure(error: unknown, handles: readonly TaskHandle<unknown>[]): boolean {
  if (!(error instanceof TaskFailed) || error instanceof TaskCancelled) return false;
  return handles.some((h) => h.status === "failed" && h.exception === error.cause);
}
