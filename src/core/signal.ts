/**
 * Bridges to code that is not ours: `currentSignal()` for signal-aware APIs, and
 * `cancellable()` to make any promise or signal-taking function a checkpoint.
 *
 * JavaScript cannot interrupt an arbitrary `await`. A task stuck awaiting a foreign promise that
 * ignores signals keeps its group open; these two are how foreign work learns about
 * cancellation.
 *
 * @module
 */
import { type CancelNode, currentNode, effectiveCancel, park, Waiter } from "./_internal/kernel.js";
import type { Cancelled } from "./errors.js";

/**
 * An `AbortSignal` that aborts, with the `Cancelled` error as its `reason`, when the current
 * scope is effectively cancelled. Made lazily, once per scope, and dropped when the scope ends,
 * so listeners do not pile up. Pass it to `fetch`, `fs`, `timers/promises`, `child_process` and
 * any other signal-aware API.
 *
 * Cancellation: already aborted if the scope is cancelled when called.
 *
 * @example
 * ```ts
 * import { currentSignal, moveOnAfter } from "anyio-ts";
 * import { setTimeout as delay } from "node:timers/promises";
 * await moveOnAfter(10).run(() => delay(1000, undefined, { signal: currentSignal() }));
 * ```
 */
export function currentSignal(): AbortSignal {
  const node: CancelNode = currentNode();
  let controller = node._controller;
  if (controller === undefined) {
    controller = new AbortController();
    node._controller = controller;
    const error = effectiveCancel(node);
    if (error !== undefined) controller.abort(error);
  }
  return controller.signal;
}

class PromiseWaiter<T> extends Waiter<T> {
  constructor(readonly promise: PromiseLike<T>) {
    super();
  }
  override onPark(): void {
    this.promise.then(
      (value) => this.resolve(value),
      (error) => this.reject(error),
    );
  }
  override describe(): string {
    return "cancellable(promise)";
  }
}

class SignalWaiter<T> extends Waiter<T> {
  readonly #controller = new AbortController();
  #aborted: Cancelled | undefined = undefined;

  constructor(readonly fn: (signal: AbortSignal) => T | PromiseLike<T>) {
    super();
  }

  override onPark(): void {
    let result: T | PromiseLike<T>;
    try {
      result = this.fn(this.#controller.signal);
    } catch (error) {
      this.reject(error);
      return;
    }
    Promise.resolve(result).then(
      (value) => this.resolve(value),
      (error) => this.reject(this.#aborted ?? error),
    );
  }

  override abort(error: Cancelled): boolean {
    // Signal the work and wait for it to settle, so whatever it holds is released first.
    this.#aborted = error;
    this.#controller.abort(error);
    return false;
  }

  override describe(): string {
    return `cancellable(${this.fn.name || "function"})`;
  }
}

/**
 * Makes foreign work a checkpoint.
 *
 * - Given a promise: waits for it; on cancellation stops waiting at once and rejects with
 *   `Cancelled` (the promise itself runs on; its outcome is ignored).
 * - Given a function: calls it with a fresh `AbortSignal` and waits for its result; on
 *   cancellation aborts that signal and waits for the function to settle, then rejects with
 *   `Cancelled` if it failed (a value it still returned is kept).
 *
 * Cancellation: checked first (a function is not called in a cancelled scope), then as above.
 *
 * @throws {Cancelled} If the scope is cancelled.
 * @throws Whatever the promise or function rejects with.
 * @example
 * ```ts
 * import { cancellable, failAfter } from "anyio-ts";
 * import { setTimeout as delay } from "node:timers/promises";
 * const value = await failAfter(1000).run(() =>
 *   cancellable((signal) => delay(5, "done", { signal })),
 * );
 * console.assert(value === "done");
 * ```
 */
export function cancellable<T>(
  work: PromiseLike<T> | ((signal: AbortSignal) => T | PromiseLike<T>),
): Promise<T> {
  if (typeof work === "function") return park(new SignalWaiter(work));
  if (work === null || typeof (work as PromiseLike<T>)?.then !== "function") {
    return Promise.reject(
      new TypeError(`cancellable() needs a promise or a function, got ${String(work)}`),
    );
  }
  return park(new PromiseWaiter(work));
}
