/**
 * Introspection: `getCurrentTask`, `getRunningTasks`, `waitAllTasksBlocked`, `formatTaskTree`.
 *
 * @module
 */
import {
  type CancelNode,
  currentNode,
  effectiveCancel,
  globalRoot,
  roots,
  Task,
  waitersOf,
  wakeups,
} from "./_internal/kernel.js";
import { CancelScope } from "./cancel-scope.js";
import { checkpoint, checkpointIfCancelled } from "./checkpoint.js";

/**
 * What identifies a task: `id`, `parentId`, `name`, and whether a cancellation is pending for
 * it. Equal tasks have equal `id`s.
 *
 * @example
 * ```ts
 * import { getCurrentTask, withTaskGroup } from "anyio-ts";
 * const host = getCurrentTask();
 * await withTaskGroup((tg) => {
 *   tg.startSoon(() => console.assert(getCurrentTask().parentId === host.id));
 * });
 * ```
 */
export class TaskInfo {
  readonly #task: Task;

  /** @internal */
  constructor(task: Task) {
    this.#task = task;
  }

  /** A number unique among the tasks of this process. */
  get id(): number {
    return this.#task._id;
  }

  /** The id of the task that owns this one (its group's host), or `null` for a root. */
  get parentId(): number | null {
    const parent = this.#task._parent;
    return parent === null ? null : parent._task._id;
  }

  /** The task's name. */
  get name(): string {
    return this.#task._name;
  }

  /** Whether a checkpoint in this task would now throw `Cancelled`. */
  hasPendingCancellation(): boolean {
    const here = currentNode();
    return effectiveCancel(here._task === this.#task ? here : this.#task) !== undefined;
  }

  /** `TaskInfo(id=3, name="worker")` */
  toString(): string {
    return `TaskInfo(id=${this.id}, name=${JSON.stringify(this.name)})`;
  }
}

/**
 * The task the calling code runs in. Outside any task group this is the root task (of the
 * current `run()`, or `"<root>"` outside any).
 *
 * @example
 * ```ts
 * import { getCurrentTask, withTaskGroup, named } from "anyio-ts";
 * await withTaskGroup((tg) => {
 *   tg.startSoon(named("worker", async () => console.assert(getCurrentTask().name === "worker")));
 * });
 * ```
 */
export function getCurrentTask(): TaskInfo {
  return new TaskInfo(currentNode()._task);
}

/**
 * Every task currently running, in every tree (the roots of `run()` calls included, the global
 * root excluded).
 *
 * @example
 * ```ts
 * import { getRunningTasks, withTaskGroup, sleep } from "anyio-ts";
 * await withTaskGroup(async (tg) => {
 *   tg.startSoon(sleep, 10);
 *   await sleep(1);
 *   console.assert(getRunningTasks().some((t) => t.name === "sleep"));
 * });
 * ```
 */
export function getRunningTasks(): TaskInfo[] {
  const out: TaskInfo[] = [];
  const walk = (node: CancelNode) => {
    if (node instanceof Task && node !== globalRoot) out.push(new TaskInfo(node));
    for (let c = node._firstChild; c !== null; c = c._nextSibling) walk(c);
  };
  for (const root of roots) walk(root);
  return out;
}

/**
 * Waits until every other task is blocked: a full turn of the event loop passes in which no
 * parked operation of the library woke up. For tests that need "everyone else has reached
 * their wait" without sleeping.
 *
 * Cancellation: a checkpoint at the start and at each turn.
 *
 * @throws {Cancelled} If the scope is cancelled.
 * @example
 * ```ts
 * import { Event, waitAllTasksBlocked, withTaskGroup } from "anyio-ts";
 * await withTaskGroup(async (tg) => {
 *   let reached = false;
 *   tg.startSoon(async () => { reached = true; await new Promise((r) => setTimeout(r, 1)); });
 *   await waitAllTasksBlocked();
 *   console.assert(reached);
 * });
 * ```
 */
export async function waitAllTasksBlocked(): Promise<void> {
  await checkpoint();
  for (;;) {
    const before = wakeups.count;
    await new Promise<void>((resolve) => setImmediate(resolve));
    checkpointIfCancelled();
    if (wakeups.count === before) return;
  }
}

function describeNode(node: CancelNode): string {
  if (node instanceof Task) {
    return `task ${JSON.stringify(node._name)} #${node._id}${node._cancelError ? " (cancelled)" : ""}`;
  }
  let text = node._describe();
  if (node instanceof CancelScope && node.cancelCalled) text += " (cancelled)";
  return text;
}

/**
 * The tree of running tasks, their cancel scopes and what each one waits on, as text. The first
 * thing to look at when a task group will not exit.
 *
 * @example
 * ```ts
 * import { formatTaskTree, withTaskGroup, sleep, named } from "anyio-ts";
 * await withTaskGroup(async (tg) => {
 *   tg.startSoon(named("napper", sleep), 20);
 *   await sleep(1);
 *   console.log(formatTaskTree()); // ... task "napper" #7 / waiting: sleep 20 ms
 * });
 * ```
 */
export function formatTaskTree(): string {
  const lines: string[] = [];
  const walk = (node: CancelNode, indent: string) => {
    lines.push(`${indent}${describeNode(node)}`);
    const inner = `${indent}  `;
    for (const w of waitersOf(node)) lines.push(`${inner}waiting: ${w.describe()}`);
    const children: CancelNode[] = [];
    for (let c = node._firstChild; c !== null; c = c._nextSibling) children.push(c);
    for (const c of children.reverse()) walk(c, inner);
  };
  for (const root of roots) {
    if (root === globalRoot && root._firstChild === null && root._firstWaiter === null) continue;
    walk(root, "");
  }
  return lines.join("\n");
}
