/**
 * Task groups: `withTaskGroup`, `TaskGroup`, `TaskHandle`, `TaskStatus`.
 *
 * A task group owns the tasks started in it: `withTaskGroup` returns only when every one of
 * them has ended, a failure in any of them cancels the rest, and errors come out as one
 * `ExceptionGroup`. See docs/tasks.md.
 *
 * @module
 */
import {
  type CancelNode,
  cancelNode,
  currentNode,
  effectiveCancel,
  park,
  reparent,
  runInNode,
  startTask,
  Task,
  type TaskHandleStatus,
  type TaskOwner,
  Waiter,
} from "./_internal/kernel.js";
import { CancelScope } from "./cancel-scope.js";
import { cancelShieldedCheckpoint } from "./checkpoint.js";
import {
  InvalidStateError,
  isCancellation,
  TaskCancelled,
  TaskFailed,
  TaskNotFinished,
} from "./errors.js";
import { ExceptionGroup } from "./exception-group.js";

export type { TaskHandleStatus } from "./_internal/kernel.js";

/**
 * Given to a task started with `TaskGroup.start()`: call `started(value)` once the task is
 * ready; `start()` then returns `value`.
 *
 * @example
 * ```ts
 * import { type TaskStatus, withTaskGroup } from "anyio-ts";
 * await withTaskGroup(async (tg) => {
 *   const port = await tg.start(async (status: TaskStatus<number>) => status.started(8080));
 *   console.assert(port === 8080);
 * });
 * ```
 */
export interface TaskStatus<T = unknown> {
  /**
   * Reports readiness. Not a checkpoint.
   * @throws {InvalidStateError} If called a second time.
   */
  started(value?: T): void;
}

/**
 * The default for a `taskStatus` parameter, so one function serves both `start()` and
 * `startSoon()`: its `started()` does nothing.
 *
 * @example
 * ```ts
 * import { TASK_STATUS_IGNORED, type TaskStatus, sleepForever } from "anyio-ts";
 * async function server(port: number, taskStatus: TaskStatus<number> = TASK_STATUS_IGNORED) {
 *   taskStatus.started(port);
 *   await sleepForever();
 * }
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: the ignored status accepts any start value
export const TASK_STATUS_IGNORED: TaskStatus<any> = Object.freeze({ started() {} });

/**
 * Gives a task function a name, shown by `getCurrentTask()`, `getRunningTasks()` and the task
 * tree. (By default a task is named after its function.)
 *
 * @example
 * ```ts
 * import { named, withTaskGroup, getCurrentTask } from "anyio-ts";
 * await withTaskGroup((tg) => {
 *   tg.startSoon(named("worker-1", async () => console.log(getCurrentTask().name)));
 * });
 * ```
 */
export function named<F extends (...args: never[]) => unknown>(name: string, fn: F): F {
  if (typeof fn !== "function") throw new TypeError(`named() needs a function, got ${String(fn)}`);
  const wrapper = ((...args: never[]) => fn(...args)) as F;
  Object.defineProperty(wrapper, "name", { value: String(name) });
  return wrapper;
}

class EndWaiter extends Waiter<void> {
  constructor(readonly task: TaskHandle<unknown>) {
    super();
  }
  override abort(): boolean {
    const list = this.task._endWaiters;
    if (list !== undefined) list.splice(list.indexOf(this), 1);
    return true;
  }
  override describe(): string {
    return `waiting for task ${this.task.name}`;
  }
}

/**
 * A handle on a task started with `TaskGroup.startSoon()`: its status, its outcome, and a way
 * to cancel that task alone. Deliberately not a thenable (returning a handle from an `async`
 * function must not wait for the task): use `result()` or `wait()`.
 *
 * Cancellation: `cancel()` cancels the task alone; waiting on a handle is a checkpoint.
 *
 * @example
 * ```ts
 * import { sleep, sleepForever, withTaskGroup } from "anyio-ts";
 * await withTaskGroup(async (tg) => {
 *   const quick = tg.startSoon(async () => "done");
 *   const stuck = tg.startSoon(sleepForever);
 *   console.assert((await quick.result()) === "done");
 *   stuck.cancel();
 *   await stuck.wait();
 *   console.assert(stuck.status === "cancelled");
 * });
 * ```
 */
export class TaskHandle<T = unknown> extends Task<T> {
  /**
   * @internal The start() bookkeeping, while the task has not called started(). An own
   * property only on tasks made by start(); `undefined` from the prototype otherwise.
   */
  declare _start: StartStatus<unknown> | undefined;

  /** A number unique among the tasks of this process. */
  get id(): number {
    return this._id;
  }

  /** The task's name (by default its function's name). */
  get name(): string {
    return this._name;
  }

  /** `"pending"`, `"cancelling"` (cancel() was called), then how it ended. */
  get status(): TaskHandleStatus {
    return this._status;
  }

  /**
   * Cancels this task alone (its own scope); its group is not cancelled and hears nothing
   * from it. Does nothing once the task has ended. Not a checkpoint.
   */
  cancel(reason?: string): void {
    if (this._status !== "pending") return;
    this._status = "cancelling";
    cancelNode(this, `task cancelled by its handle${reason === undefined ? "" : `: ${reason}`}`);
  }

  /**
   * Waits until the task has ended, however it ended.
   *
   * Cancellation: a checkpoint; cancelling the waiter does not affect the task.
   * @throws {Cancelled} If the waiting scope is cancelled.
   */
  wait(): Promise<void> {
    if (this._status !== "pending" && this._status !== "cancelling") {
      return cancelShieldedCheckpoint();
    }
    const waiter = new EndWaiter(this);
    const promise = park(waiter);
    if (waiter.parked) {
      if (this._endWaiters === undefined) this._endWaiters = [waiter];
      else this._endWaiters.push(waiter);
    }
    return promise;
  }

  /**
   * Waits for the task and returns its value.
   *
   * Cancellation: as {@link TaskHandle.wait}.
   * @throws {TaskFailed} If the task failed (`cause` is its error).
   * @throws {TaskCancelled} If the task was cancelled.
   * @throws {Cancelled} If the waiting scope is cancelled.
   */
  async result(): Promise<T> {
    await this.wait();
    return this.returnValue;
  }

  /**
   * The task's value.
   * @throws {TaskNotFinished} If it has not ended.
   * @throws {TaskFailed} If it failed (`cause` is its error).
   * @throws {TaskCancelled} If it was cancelled.
   */
  get returnValue(): T {
    switch (this._status) {
      case "finished":
        return this._outcome as T;
      case "failed":
        throw new TaskFailed(undefined, { cause: this._outcome });
      case "cancelled":
        throw new TaskCancelled({ cause: this._outcome });
      default:
        throw new TaskNotFinished();
    }
  }

  /**
   * The task's error if it failed, `undefined` if it finished.
   * @throws {TaskNotFinished} If it has not ended.
   * @throws {TaskCancelled} If it was cancelled.
   */
  get exception(): unknown {
    switch (this._status) {
      case "finished":
        return undefined;
      case "failed":
        return this._outcome;
      case "cancelled":
        throw new TaskCancelled({ cause: this._outcome });
      default:
        throw new TaskNotFinished();
    }
  }
}

class StartWaiter<T> extends Waiter<T> {
  constructor(readonly status: StartStatus<T>) {
    super();
  }
  // The starting task runs in the caller's scope, so it is cancelled with the caller;
  // start() waits for it to end rather than abandoning it.
  override abort(): boolean {
    return false;
  }
  override describe(): string {
    return `TaskGroup.start: waiting for ${this.status.task.name} to start`;
  }
}

class StartStatus<T> implements TaskStatus<T> {
  done = false;
  readonly waiter = new StartWaiter<T>(this);
  task!: TaskHandle<unknown>;

  constructor(readonly group: TaskGroup) {}

  started(value?: T): void {
    if (this.done) throw new InvalidStateError("called 'started' twice on the same task status");
    this.done = true;
    this.task._start = undefined;
    reparent(this.task, this.group.cancelScope);
    this.waiter.resolve(value as T);
  }
}

class ExitWaiter extends Waiter<void> {
  constructor(readonly group: TaskGroup) {
    super();
  }
  // Cancellation reaches the children through the tree; the host keeps waiting for them.
  override abort(): boolean {
    return false;
  }
  override describe(): string {
    return "TaskGroup: waiting for its tasks to end";
  }
}

/** Removes `Cancelled` leaves from an error; `undefined` if nothing else is left. */
function withoutCancels(error: unknown): unknown {
  if (isCancellation(error)) return undefined;
  if (error instanceof ExceptionGroup) return error.split(isCancellation)[1];
  return error;
}

/**
 * A group of tasks started inside `withTaskGroup`. Its body and its tasks run inside its
 * `cancelScope`. Made by `withTaskGroup` only.
 *
 * Cancellation: `cancel()` cancels the body and every task of the group; a cancellation from
 * an enclosing scope reaches them all too.
 *
 * @example
 * ```ts
 * import { sleepForever, withTaskGroup } from "anyio-ts";
 * await withTaskGroup(async (tg) => {
 *   tg.startSoon(sleepForever);
 *   tg.startSoon(sleepForever);
 *   tg.cancel("shutting down");
 * });
 * ```
 */
export class TaskGroup implements TaskOwner {
  /** The scope the body and every task of the group run in. */
  readonly cancelScope: CancelScope;
  #active = true;
  #live = 0;
  #errors: unknown[] = [];
  #sawCancel = false;
  #exitWaiter: ExitWaiter | undefined = undefined;

  /** @internal */
  constructor(scope: CancelScope) {
    this.cancelScope = scope;
  }

  #checkSpawn(fn: unknown): void {
    if (typeof fn !== "function") {
      throw new TypeError(`Expected a function to run as a task, got ${String(fn)}`);
    }
    if (!this.#active) {
      throw new InvalidStateError("This task group is not active; no new tasks can be started.");
    }
  }

  /**
   * Starts `fn(...args)` as a task of the group, on a later microtask (the caller keeps running
   * until it yields). Not a checkpoint.
   *
   * Cancellation: the task runs in the group's scope; cancelling the group cancels it, and
   * `handle.cancel()` cancels it alone.
   *
   * @throws {TypeError} If `fn` is not a function.
   * @throws {InvalidStateError} If the group has exited or its body has failed.
   * @example
   * ```ts
   * import { withTaskGroup, sleep } from "anyio-ts";
   * await withTaskGroup(async (tg) => {
   *   const handle = tg.startSoon(async (ms: number) => { await sleep(ms); return ms; }, 5);
   *   console.assert((await handle.result()) === 5);
   * });
   * ```
   */
  startSoon<A extends unknown[], T>(
    fn: (...args: A) => T | PromiseLike<T>,
    ...args: A
  ): TaskHandle<T> {
    this.#checkSpawn(fn);
    const scope = this.cancelScope;
    const task = new TaskHandle<T>(fn as unknown as (...args: never[]) => T, args);
    this.#live++;
    startTask(task, scope);
    return task;
  }

  /**
   * Starts `fn(...args, taskStatus)` as a task of the group and waits until it calls
   * `taskStatus.started(value)`; returns `value`. Until then the task runs in the caller's
   * scope: an error it throws comes out of `start()` (not the group), and returning without
   * `started()` is an error. After `started()` it belongs to the group like any other task.
   *
   * Cancellation: a checkpoint; cancelling the caller cancels the starting task and waits for
   * it, without cancelling the group.
   *
   * @throws {TypeError} If `fn` is not a function.
   * @throws {InvalidStateError} If the group is not active, or the task returned without
   *   calling `started()`.
   * @throws {Cancelled} If the caller's scope is cancelled.
   * @throws Whatever the task throws before `started()`.
   * @example
   * ```ts
   * import { withTaskGroup, sleepForever, TASK_STATUS_IGNORED, type TaskStatus } from "anyio-ts";
   * async function service(name: string, status: TaskStatus<string> = TASK_STATUS_IGNORED) {
   *   status.started(`${name} ready`);
   *   await sleepForever();
   * }
   * await withTaskGroup(async (tg) => {
   *   console.assert((await tg.start(service, "db")) === "db ready");
   *   tg.cancel();
   * });
   * ```
   */
  start<A extends unknown[], V>(
    fn: (...args: [...A, TaskStatus<V>]) => unknown,
    ...args: A
  ): Promise<V> {
    try {
      this.#checkSpawn(fn);
    } catch (error) {
      return Promise.reject(error);
    }
    const caller = currentNode();
    const status = new StartStatus<V>(this);
    const task = new TaskHandle<unknown>(fn as (...args: never[]) => unknown, [...args, status]);
    status.task = task;
    task._start = status as StartStatus<unknown>;
    this.#live++;
    startTask(task, caller);
    return park(status.waiter, caller);
  }

  /** Cancels the group's scope: every task of the group and the body. Not a checkpoint. */
  cancel(reason?: string): void {
    this.cancelScope.cancel(reason);
  }

  /** @internal */
  taskEnded(task: Task): void {
    this.#live--;
    const start = (task as TaskHandle)._start;
    if (start?.waiter.parked) {
      // Ended before started(): the outcome belongs to the start() caller.
      start.done = true;
      if (task._status === "finished") {
        start.waiter.reject(
          new InvalidStateError("Child exited without calling taskStatus.started()"),
        );
      } else start.waiter.reject(task._outcome);
    } else if (task._status === "failed") {
      this.#record(task._outcome);
    } else if (task._status === "cancelled") {
      this.#sawCancel = true;
    }
    if (this.#live === 0) this.#exitWaiter?.resolve();
  }

  #record(error: unknown): void {
    const rest = withoutCancels(error);
    if (rest === undefined) {
      this.#sawCancel = true;
      return;
    }
    this.#errors.push(rest);
    cancelNode(this.cancelScope, "a task in the group failed");
  }

  /** @internal Waits for the tasks, then decides what the group returns or throws. */
  async _finish<T>(value: T, failed: boolean, error: unknown): Promise<T | undefined> {
    if (failed) {
      this.#active = false;
      this.#record(error);
    }
    if (this.#live > 0) {
      const waiter = new ExitWaiter(this);
      this.#exitWaiter = waiter;
      await park(waiter, this.cancelScope, false);
    } else {
      await cancelShieldedCheckpoint();
    }
    this.#active = false;
    const scope = this.cancelScope;
    if (this.#errors.length > 0) {
      scope._exit(false, undefined);
      throw new ExceptionGroup("unhandled errors in a task group", this.#errors);
    }
    if (failed || this.#sawCancel) {
      const pending = effectiveCancel(scope);
      if (failed || pending !== undefined) {
        scope._exit(true, pending ?? error);
        return failed ? undefined : value;
      }
    }
    scope._exit(false, undefined);
    return value;
  }
}

/**
 * Runs `body(tg)` with a new task group and returns its value once every task started in the
 * group has ended.
 *
 * The body runs inside the group's cancel scope, like every task. The first task (or body) to
 * fail cancels the scope, so the rest stop at their next checkpoint; all errors are then
 * thrown together as one `ExceptionGroup` (always a group, even for one error). If the group is
 * cancelled from outside, exactly one `Cancelled` comes out; if it is cancelled through its own
 * scope (`tg.cancel()`), it returns `undefined` normally.
 *
 * Cancellation: the body and every task see the enclosing scopes' cancellation; the group then
 * waits for its tasks to end before propagating it.
 *
 * @throws {ExceptionGroup} If the body or any task failed.
 * @throws {Cancelled} If an enclosing scope was cancelled.
 * @example
 * ```ts
 * import { withTaskGroup, sleep } from "anyio-ts";
 * const order: string[] = [];
 * await withTaskGroup(async (tg) => {
 *   tg.startSoon(async () => { await sleep(10); order.push("slow"); });
 *   tg.startSoon(async () => { await sleep(1); order.push("fast"); });
 * });
 * console.assert(order.join() === "fast,slow");
 * ```
 */
export async function withTaskGroup<T>(
  body: (tg: TaskGroup) => T | PromiseLike<T>,
): Promise<T | undefined> {
  if (typeof body !== "function") {
    throw new TypeError(`withTaskGroup() needs a function, got ${String(body)}`);
  }
  const parent: CancelNode = currentNode();
  const scope = new CancelScope();
  const group = new TaskGroup(scope);
  scope._enterAsGroupScope(parent, group);
  let value: T | undefined;
  let failed = false;
  let error: unknown;
  try {
    value = await runInNode(scope, body, group);
  } catch (e) {
    failed = true;
    error = e;
  }
  return group._finish(value, failed, error);
}
