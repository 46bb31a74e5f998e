/**
 * The kernel: cancel nodes, tasks, and the one way to wait.
 *
 * Design
 * ------
 * Every task and every entered cancel scope is a *cancel node*. Nodes form one tree: a scope's
 * parent is the node that was current where it was entered; a task's parent is its task group's
 * scope (or, while `start()` waits for it, the caller's node). The context carrier holds the
 * innermost node of the current async chain, so code that forks with `Promise.all` inside one
 * task still sees the right scope in each branch: nodes are immutable links, not a mutable
 * per-task stack.
 *
 * A node is *effectively cancelled* when it or an ancestor up to the nearest shielded node has
 * been cancelled. That is computed on demand by walking up (the tree is shallow), so entering a
 * scope, spawning a task and waiting cost no allocation beyond the node itself.
 *
 * Every operation that blocks parks a `Waiter` in the current node (`park`). Cancelling a node
 * walks its subtree (stopping at shields) and asks each parked waiter to `abort()`. A waiter
 * that has already received its value answers `false` and completes normally: nothing handed
 * over is ever lost. One that withdraws answers `true` and its wait rejects with `Cancelled`.
 * Cancellation semantics live here and nowhere else.
 *
 * Rejected alternatives: an `AbortController` per task or per wait (listeners on a shared signal
 * grow quadratically, and a controller costs 25-90 µs per task with `timers/promises`); a
 * per-task scope stack as in AnyIO's asyncio backend (wrong scope after `Promise.all` forks).
 * Children and waiters are intrusive doubly linked lists: O(1) link and unlink, no `Set`.
 */
import { capabilities } from "../../backends/runtime.js";
import type { Clock } from "../clock.js";
import { realClock } from "../clock.js";
import { Cancelled, isCancellation } from "../errors.js";
import {
  carrierKind,
  enterCarrying,
  getCarried,
  type HeldContext,
  heldContext,
  runCarrying,
} from "./context.js";
import { live } from "./registry.js";

// ---------------------------------------------------------------------------------------------
// Cancel nodes
// ---------------------------------------------------------------------------------------------

/**
 * Always `false`: guards property stores that never run. JSC (Bun) gives an object as many
 * slots of its own as the constructor that allocates it (the base class's) has stores to
 * `this`, counted in its bytecode whether they run or not; a subclass's fields beyond those go
 * to a second, separately allocated block. V8 sizes objects by the fields they really get.
 * A module constant, not a literal `false`, which the bytecode compiler would drop.
 */
const RESERVE_SLOTS = false as boolean;

/** The names of the stores {@link RESERVE_SLOTS} guards; no object ever has them. */
interface Slots {
  _s0: undefined;
  _s1: undefined;
  _s2: undefined;
}

/**
 * A node of the cancellation tree: a task or an entered cancel scope. Kept small: a task is
 * one of these, and object size is what tasks cost most (garbage collection) at scale.
 */
export abstract class CancelNode {
  /** @internal */ _parent: CancelNode | null = null;
  /** @internal Own property only on shielded scopes; `false` from the prototype. */
  declare _shield: boolean;
  /**
   * @internal Set once by `cancel()`: the error every checkpoint under this node throws (an own
   * property from then on; `undefined` from the prototype before).
   */
  declare _cancelError: Cancelled | undefined;
  /** @internal */ _attached = false;
  /** @internal An own property once a child was attached; `null` from the prototype. */
  declare _firstChild: CancelNode | null;
  /** @internal */ _prevSibling: CancelNode | null = null;
  /** @internal */ _nextSibling: CancelNode | null = null;
  /** @internal */ _firstWaiter: AnyWaiter | null = null;
  /** @internal Own property only where `currentSignal()` was asked for. */
  declare _controller: AbortController | undefined;
  /**
   * @internal The task group whose scope this node is (an own property of cancel scopes);
   * `null` from the prototype on tasks.
   */
  declare _group: TaskOwner | null;

  constructor() {
    // Room for a task's three fields of its own (see RESERVE_SLOTS): 112 -> 80 bytes a task
    // on Bun.
    if (RESERVE_SLOTS) {
      (this as unknown as Slots)._s0 = undefined;
      (this as unknown as Slots)._s1 = undefined;
      (this as unknown as Slots)._s2 = undefined;
    }
  }

  /** @internal The task this node belongs to. */
  abstract get _task(): Task;
  /** @internal The clock of the tree this node is in. */
  abstract get _clock(): Clock;

  /** @internal A short description for the task tree. */
  _describe(): string {
    return "cancel scope";
  }
}

/** Links `node` under `parent`. */
// Rarely set fields live on the prototype until a node needs its own: a task is then 16 bytes
// smaller, and the heap is most of what a task costs (garbage collection is half the time of
// spawn-join).
CancelNode.prototype._shield = false;
CancelNode.prototype._controller = undefined;
CancelNode.prototype._cancelError = undefined;
CancelNode.prototype._firstChild = null;
CancelNode.prototype._group = null;

export function attach(node: CancelNode, parent: CancelNode): void {
  node._parent = parent;
  node._attached = true;
  const head = parent._firstChild;
  node._nextSibling = head;
  if (head) head._prevSibling = node;
  parent._firstChild = node;
}

/** Unlinks `node` from its parent. */
export function detach(node: CancelNode): void {
  const parent = node._parent;
  node._attached = false;
  if (!parent) return;
  const prev = node._prevSibling;
  const next = node._nextSibling;
  if (prev) prev._nextSibling = next;
  else if (parent._firstChild === node) parent._firstChild = next;
  if (next) next._prevSibling = prev;
  node._prevSibling = node._nextSibling = null;
}

/** Moves an attached `node` under another parent (a started task joining its group). */
export function reparent(node: CancelNode, parent: CancelNode): void {
  detach(node);
  attach(node, parent);
  const error = effectiveCancel(node);
  if (error) deliver(node, error);
}

/**
 * The `Cancelled` that a checkpoint at `node` throws, or `undefined` if it is not effectively
 * cancelled. When several visible nodes are cancelled, the outermost one's error is used: that
 * is the scope that will catch it.
 */
export function effectiveCancel(node: CancelNode): Cancelled | undefined {
  let found: Cancelled | undefined;
  for (let n: CancelNode | null = node; n !== null; n = n._parent) {
    if (n._cancelError !== undefined) found = n._cancelError;
    if (n._shield) break;
  }
  return found;
}

/** Whether a cancelled ancestor of `node` is visible from it (nothing shields it). */
export function parentCancelled(node: CancelNode): boolean {
  return !node._shield && node._parent !== null && effectiveCancel(node._parent) !== undefined;
}

/**
 * Cancels `node`: from now on every checkpoint under it (up to shields) throws, and every
 * operation parked under it is asked to abort. Idempotent; the first reason sticks.
 */
export function cancelNode(node: CancelNode, message: string): void {
  if (node._cancelError !== undefined) return;
  node._cancelError = new Cancelled(message);
  if (!node._attached) return;
  const error = effectiveCancel(node) ?? node._cancelError;
  deliver(node, error);
}

/** Aborts parked waiters and signals under `node`, descending into unshielded children. */
export function deliver(node: CancelNode, error: Cancelled): void {
  const controller = node._controller;
  if (controller !== undefined && !controller.signal.aborted) controller.abort(error);
  abortWaiters(node, error);
  for (let c = node._firstChild; c !== null; c = c._nextSibling) {
    if (!c._shield) deliver(c, error);
  }
}

/** Asks every waiter parked directly in `node` to abort; those that withdraw reject. */
function abortWaiters(node: CancelNode, error: Cancelled): void {
  let w = node._firstWaiter;
  while (w !== null) {
    const next = w._next;
    if (w.abort(error)) w.reject(error);
    w = next;
  }
}

/**
 * Ends a node whose body has returned: operations still parked under it (a `sleep` that lost a
 * `Promise.race`, say) are aborted, and scopes entered under it but never left are cancelled,
 * so nothing started inside it outlives it. Then the node is unlinked.
 */
export function retire(node: CancelNode): void {
  if (node._firstWaiter !== null || node._firstChild !== null) {
    abortWaiters(node, new Cancelled("the scope this operation was started in has ended"));
    for (let c = node._firstChild; c !== null; c = c._nextSibling) {
      if (!(c instanceof Task)) cancelNode(c, "the scope it was entered in has ended");
    }
  }
  if (node._controller !== undefined) node._controller = undefined;
  detach(node);
}

// ---------------------------------------------------------------------------------------------
// Tasks
// ---------------------------------------------------------------------------------------------

/** What a task's group needs to hear from it. */
export interface TaskOwner {
  taskEnded(task: Task): void;
}

let nextTaskId = 1;

/** The arguments of every task that takes none. */
const NO_ARGS: unknown[] = [];

/**
 * Status of a task, as its handle reports it.
 *
 * @example
 * ```ts
 * import { type TaskHandleStatus, withTaskGroup } from "anyio-ts";
 * await withTaskGroup(async (tg) => {
 *   const handle = tg.startSoon(() => 1);
 *   const before: TaskHandleStatus = handle.status; // "pending"
 *   await handle.wait();
 *   console.assert(before === "pending" && handle.status === "finished");
 * });
 * ```
 */
export type TaskHandleStatus = "pending" | "cancelling" | "finished" | "failed" | "cancelled";

/** A task: a cancel node of its own, so `cancel()` reaches it alone. */
export class Task<T = unknown> extends CancelNode {
  /**
   * @internal The id, given on first asking (an own property only then): most tasks are never
   * asked, and a field less is a task 8 bytes smaller to keep alive and collect.
   */
  declare _idValue: number;
  /** @internal */ _status: TaskHandleStatus = "pending";
  /** @internal The task's function: it names the task. */
  readonly _fn: (...args: never[]) => T | PromiseLike<T>;
  /** @internal The arguments until the task starts, then its value or error. */
  _outcome: unknown;
  /** @internal Waiters parked until this task ends (own property only once one waits). */
  declare _endWaiters: AnyWaiter[] | undefined;
  /**
   * @internal While `start()` waits for the task, the group it was started on (an own
   * property only then). Otherwise the group that hears how the task ended is its scope's,
   * read from the parent, not kept in a field: every task is one field smaller.
   */
  declare _start: { readonly group: TaskOwner } | undefined;

  constructor(fn: (...args: never[]) => T | PromiseLike<T>, args: unknown[]) {
    super();
    this._fn = fn;
    // A task without arguments keeps the shared empty array, not the one its spawn call made,
    // which then dies young instead of living as long as the task.
    this._outcome = args.length === 0 ? NO_ARGS : args;
  }

  /** @internal A unique id, in the order tasks were first asked for theirs. */
  get _id(): number {
    if (this._idValue === 0) this._idValue = nextTaskId++;
    return this._idValue;
  }

  /** @internal */
  get _task(): Task {
    return this;
  }

  /** @internal */
  get _clock(): Clock {
    return (this._parent as CancelNode)._clock;
  }

  /** @internal */
  get _name(): string {
    return this._fn.name || "anonymous";
  }

  /** @internal */
  override _describe(): string {
    return `task ${this._name}`;
  }
}

Task.prototype._endWaiters = undefined;
Task.prototype._start = undefined;
Task.prototype._idValue = 0;

/** The task at the root of a tree: code outside any group, or the `main` of a `run()`. */
export class RootTask<T = unknown> extends Task<T> {
  readonly #clock: Clock;
  readonly #name: string;

  constructor(name: string, clock: Clock, main?: () => T | PromiseLike<T>) {
    super(main ?? (() => undefined as T), []);
    this._attached = true; // a root is live from the start: cancelling it reaches its tree
    this.#clock = clock;
    this.#name = name;
  }

  /** @internal */
  override get _clock(): Clock {
    return this.#clock;
  }

  /** @internal */
  override get _name(): string {
    return this.#name;
  }
}

/** The root of every tree outside `run()`: never cancelled, never ends. */
export const globalRoot: Task = new RootTask("<root>", realClock);
/** Roots of the live trees: the global one and one per `run()`. */
export const roots = new Set<Task>([globalRoot]);

/** The innermost cancel node of the current async chain. */
export function currentNode(): CancelNode {
  return (getCarried() as CancelNode | undefined) ?? globalRoot;
}

/** Runs `fn(...args)` with `node` as the current node. */
export function runInNode<A extends unknown[], R>(
  node: CancelNode,
  fn: (...args: A) => R,
  ...args: A
): R {
  return runCarrying(node, fn, ...args);
}

/**
 * Attaches `task` under `parent` and starts `fn(...args)` in it on a later microtask, so the
 * spawner keeps running until it yields, as in AnyIO. The task's owner hears how it ended.
 *
 * The task starts in the spawner's context, so it sees the spawner's other
 * `AsyncLocalStorage` values too (a request id, a trace context), not those of whoever spawned
 * first in the same tick, then enters its own node for the rest of its job. On Deno the task
 * keeps that context until it starts, and one reaction starts the tasks spawned in one stretch
 * (see startBatch and CAPTURE): spawn-join 0.38× the time of a reaction per task (A/B, 5
 * rounds). Elsewhere each task is started by a reaction of its own, registered in the
 * spawner's context; reactions on one settled promise run in the order they were made, so each
 * takes the next task of a FIFO. No closure and no carrier `run` per task either way (on Node 24
 * a `run` copies the context frame twice, to enter and to restore; 22.7k -> 3.2k instructions
 * per task on Node 24, 10.8k -> 6.1k on Node 20).
 */
export function startTask(task: Task, parent: CancelNode): void {
  attach(task, parent);
  live.tasks++;
  if (startHead > 1024 && startHead * 2 > starting.length) {
    // Spawning while a long queue is being started (tasks that spawn tasks): drop the started
    // prefix so the queue never grows with more than the tasks still waiting to start.
    starting.splice(0, startHead);
    if (CAPTURE !== undefined) contexts.splice(0, startHead);
    startHead = 0;
  }
  starting.push(task);
  if (CAPTURE !== undefined) {
    contexts.push(CAPTURE.read());
    if (batchOpen) (batchSizes[batchSizes.length - 1] as number)++;
    else {
      batchOpen = true;
      batchSizes.push(1);
      SETTLED.then(startBatch);
    }
  } else if (QUEUE_MICROTASK) queueMicrotask(startNext);
  else SETTLED.then(startNext);
}

/** Whether tasks start through `queueMicrotask` (where it is the cheaper of the two). */
const QUEUE_MICROTASK = capabilities.cheapQueueMicrotask;

/**
 * Reads the spawner's context for a task to start in: on Deno only. Node 24's carrier can read
 * it too, but there a batch made the limiter row 1.27-1.35× slower (A/B, 9 rounds; its
 * scavenges took 17% longer, though callgrind counted 13% fewer instructions) for spawn-join
 * 0.91×. On Deno the limiter row was 1.16-1.23× slower and spawn-join 0.38×.
 */
const CAPTURE = carrierKind === "deno-mapping" ? heldContext : undefined;

const SETTLED = Promise.resolve();

/** Tasks spawned and not started yet, in spawn order; `startHead` is the next to start. */
const starting: Task[] = [];
let startHead = 0;
/** With {@link CAPTURE}: the context each of {@link starting} was spawned in, index for index. */
const contexts: unknown[] = [];
/**
 * With {@link CAPTURE}: how many tasks each queued reaction starts, oldest first from
 * `batchHead`, and whether a task spawned now joins the newest of them (it has not run, and
 * nothing started has run since it was queued).
 */
const batchSizes: number[] = [];
let batchHead = 0;
let batchOpen = false;

// A reaction on a settled promise runs on a later microtask in the context it was made in: the
// cheapest deferral that keeps the spawner's context on Node and Deno (Node's queueMicrotask
// costs an AsyncResource and a bound function per call: 18.7k against 14.3k instructions per
// task). Bun's queueMicrotask keeps the context too and costs less than the reaction and the
// promise `then` makes. Both run in the order they were queued, in one queue, so the FIFO holds.
function startNext(): void {
  const task = starting[startHead] as Task;
  starting[startHead] = undefined as unknown as Task;
  if (++startHead === starting.length) starting.length = startHead = 0;
  enterCarrying(task);
  runTask(task);
}

/**
 * Starts the tasks of one batch, each in the context it was spawned in. What a starting task
 * spawns goes to a new batch, queued when it first spawns, so those tasks start after what it
 * queued before them, as with a reaction per task. (Only microtasks queued between two spawns
 * that join one batch now run after both tasks start.) The job's context is left as the last
 * task's: it ends with the job.
 */
function startBatch(): void {
  let size = batchSizes[batchHead] as number;
  if (++batchHead === batchSizes.length) batchSizes.length = batchHead = 0;
  for (; size > 0; size--) {
    batchOpen = false;
    // Read at startHead each time: a task spawning may have dropped the started prefix.
    const task = starting[startHead] as Task;
    const context = contexts[startHead];
    starting[startHead] = undefined as unknown as Task;
    contexts[startHead] = undefined;
    if (++startHead === starting.length) starting.length = contexts.length = startHead = 0;
    (CAPTURE as HeldContext).enterOver(context, task);
    runTask(task);
  }
  batchOpen = false;
}

/**
 * Calls the task's function and hears how it ends. Not an `async` wrapper around it: that would
 * add a promise per task (2.5 times the cost of a bare task on Node 20); a sync function
 * costs no promise at all.
 */
function runTask<T>(task: Task<T>): void {
  const fn = task._fn as (...args: unknown[]) => T | PromiseLike<T>;
  const args = task._outcome as unknown[];
  task._outcome = undefined;
  let result: T | PromiseLike<T>;
  let promise: boolean;
  let thenable = false;
  try {
    result = fn(...args);
    promise = result instanceof Promise;
    thenable = !promise && typeof (result as PromiseLike<T>)?.then === "function";
  } catch (error) {
    endTask(task, true, error);
    return;
  }
  // The reactions run in the context `then` was called in, which is the task's own: they find
  // the task there, so no closure is made per task.
  if (promise) (result as Promise<T>).then(taskReturned, taskThrew);
  // Another kind of thenable is adopted, not called: its `then` may throw, which must fail this
  // task, not the start of the tasks after it in the same batch.
  else if (thenable) Promise.resolve(result).then(taskReturned, taskThrew);
  else endTask(task, false, result);
}

function taskReturned(value: unknown): void {
  endTask(getCarried() as Task, false, value);
}

function taskThrew(error: unknown): void {
  endTask(getCarried() as Task, true, error);
}

function endTask<T>(task: Task<T>, failed: boolean, outcome: unknown): void {
  task._outcome = outcome;
  task._status = failed ? (isCancellation(outcome) ? "cancelled" : "failed") : "finished";
  retire(task);
  live.tasks--;
  const waiters = task._endWaiters;
  if (waiters !== undefined) {
    task._endWaiters = undefined;
    for (const w of waiters) w.resolve(undefined);
  }
  // Read here, not through a getter that TaskHandle overrode with a `super` call: Bun's
  // profile charged that getter 8.8% of spawn-join's samples; under callgrind Node 24's
  // spawn-join went 2,938-3,065 -> 2,624-2,646 instructions a task, Bun's stayed within ±5%.
  const start = task._start;
  const parent = task._parent;
  const owner = start !== undefined ? start.group : parent === null ? null : parent._group;
  owner?.taskEnded(task);
}

/** The task a node belongs to (a root stands for the code outside any task group). */
export function taskOf(node: CancelNode): Task {
  return node._task;
}

// ---------------------------------------------------------------------------------------------
// Waiting
// ---------------------------------------------------------------------------------------------

// biome-ignore lint/suspicious/noExplicitAny: lists hold waiters of every value type
type AnyWaiter = Waiter<any>;

/** Counts every wake-up, so `waitAllTasksBlocked` can tell when nothing moves any more. */
export const wakeups = { count: 0 };

/**
 * A parked operation. Subclasses start their work in `onPark()`, complete it with `resolve` or
 * `reject`, and answer `abort()` when the scope is cancelled: `true` if they withdrew (the wait
 * then rejects with `Cancelled`), `false` if their value was already handed over (the wait then
 * completes normally when they resolve).
 */
export class Waiter<T = unknown> {
  /** @internal */ _node: CancelNode | null = null;
  /** @internal */ _prev: AnyWaiter | null = null;
  /** @internal */ _next: AnyWaiter | null = null;
  /** @internal */ _resolve: ((value: T) => void) | undefined = undefined;

  constructor() {
    // Room for two fields of a subclass (see RESERVE_SLOTS): a sleep's waiter on Bun then
    // fits its object, 96 -> 64 bytes.
    if (RESERVE_SLOTS) {
      (this as unknown as Slots)._s0 = undefined;
      (this as unknown as Slots)._s1 = undefined;
    }
  }

  /** Starts the operation once the waiter is parked. */
  onPark(): void {}

  /**
   * Asked on cancellation (with the `Cancelled` the wait will reject with): withdraw and answer
   * `true`, or answer `false` if the value was already handed over or will be shortly.
   */
  abort(_error: Cancelled): boolean {
    return true;
  }

  /** What the operation is, for the task tree ("sleep 5000 ms", "Lock.acquire"). */
  describe(): string {
    return "waiting";
  }

  /** Whether it is still parked. */
  get parked(): boolean {
    return this._node !== null;
  }

  /** Completes the wait with `value`; ignored if it already completed. */
  resolve(value: T): void {
    if (this._node === null) return;
    unlinkWaiter(this);
    wakeups.count++;
    (this._resolve as (value: T) => void)(value);
  }

  /** Completes the wait with `error`; ignored if it already completed. */
  reject(error: unknown): void {
    if (this._node === null) return;
    unlinkWaiter(this);
    wakeups.count++;
    (this._resolve as (value: unknown) => void)(new Rejection(error));
  }
}

/**
 * What a waiter resolves its promise with to reject it: a thenable that rejects at once. A
 * waiter keeps only the resolving function, not the rejecting one too: a function and a field
 * less for every parked operation (~48 bytes on Bun, with the slots reserved above). The price
 * is one microtask more on the way to a rejection, which only cancellation and errors take.
 */
class Rejection {
  readonly #error: unknown;

  constructor(error: unknown) {
    this.#error = error;
  }

  // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose, resolved with to reject
  then(_onFulfilled: unknown, onRejected: (error: unknown) => void): void {
    onRejected(this.#error);
  }
}

function unlinkWaiter(w: AnyWaiter): void {
  const node = w._node as CancelNode;
  const prev = w._prev;
  const next = w._next;
  if (prev) prev._next = next;
  else node._firstWaiter = next;
  if (next) next._prev = prev;
  w._prev = w._next = w._node = null;
  live.waiters--;
}

/** The waiter `park` is making a promise for, read by {@link capture}. */
let parking: AnyWaiter | null = null;

/**
 * The executor of every parked promise: one function for all, no closure per wait. A `const`
 * arrow, not a function declaration: Node 24's optimizing compiler then takes it for a constant
 * and inlines it into `new Promise` (contended Lock, 2,683 -> 2,533 instructions a cycle under
 * callgrind; no change on Node 20 or Deno).
 */
const capture = (resolve: (value: never) => void): void => {
  (parking as AnyWaiter)._resolve = resolve as (value: unknown) => void;
};

/**
 * The one way to wait. Checks for cancellation first (a wait in a cancelled scope rejects at
 * once and never starts its operation), then parks `waiter` in the current node and calls its
 * `onPark()`. Resolves or rejects as the waiter does.
 */
export function park<T>(
  waiter: Waiter<T>,
  node: CancelNode = currentNode(),
  checkCancel = true,
): Promise<T> {
  if (checkCancel) {
    const error = effectiveCancel(node);
    if (error !== undefined) return Promise.reject(error);
  }
  // One shared executor instead of a closure per wait (a function and its context less per
  // park): contended Lock 0.67 -> 0.61 us/op on Node 24, 0.76 -> 0.65 on Deno.
  parking = waiter;
  const promise = new Promise<T>(capture);
  parking = null;
  waiter._node = node;
  const head = node._firstWaiter;
  waiter._next = head;
  if (head) head._prev = waiter;
  node._firstWaiter = waiter;
  live.waiters++;
  waiter.onPark();
  return promise;
}

/** Every waiter parked directly in `node`. */
export function waitersOf(node: CancelNode): AnyWaiter[] {
  const out: AnyWaiter[] = [];
  for (let w = node._firstWaiter; w !== null; w = w._next) out.push(w);
  return out;
}
