/**
 * Cancel scopes and timeouts: `CancelScope`, `moveOnAfter`, `moveOnAt`, `failAfter`, `failAt`,
 * `currentEffectiveDeadline`.
 *
 * See docs/cancellation.md for the model.
 *
 * @module
 */
import {
  attach,
  CancelNode,
  cancelNode,
  currentNode,
  deliver,
  effectiveCancel,
  parentCancelled,
  retire,
  runInNode,
  type Task,
  type TaskOwner,
  taskOf,
} from "./_internal/kernel.js";
import { type Clock, realClock, type TimerTarget } from "./clock.js";
import { InvalidStateError, isCancellation, TimeoutError } from "./errors.js";
import { ExceptionGroup } from "./exception-group.js";

/**
 * Options of {@link CancelScope}.
 *
 * @example
 * ```ts
 * import { CancelScope, type CancelScopeOptions, currentTime, sleep } from "anyio-ts";
 * const options: CancelScopeOptions = { deadline: currentTime() + 5, shield: true };
 * const scope = new CancelScope(options);
 * await scope.run(() => sleep(1_000));
 * console.assert(scope.cancelledCaught);
 * ```
 */
export interface CancelScopeOptions {
  /**
   * When the scope cancels itself, in milliseconds on the clock of `currentTime()`.
   * @default Infinity
   */
  deadline?: number;
  /**
   * Whether cancellation from outside the scope is kept out of it.
   * @default false
   */
  shield?: boolean;
}

/**
 * Options of {@link moveOnAfter} and {@link moveOnAt}.
 *
 * @example
 * ```ts
 * import { moveOnAfter, type MoveOnOptions, sleep } from "anyio-ts";
 * const options: MoveOnOptions = { shield: true }; // outside cancellation is kept out
 * await moveOnAfter(5, options).run(() => sleep(1_000));
 * ```
 */
export interface MoveOnOptions {
  /** @default false */
  shield?: boolean;
}

/**
 * Options of {@link failAfter} and {@link failAt}.
 *
 * @example
 * ```ts
 * import { failAfter, type FailAfterOptions, sleep, TimeoutError } from "anyio-ts";
 * const options: FailAfterOptions = { reason: "the database did not answer" };
 * await failAfter(5, options)
 *   .run(() => sleep(1_000))
 *   .catch((e) => console.assert(e instanceof TimeoutError && e.message === options.reason));
 * ```
 */
export interface FailAfterOptions extends MoveOnOptions {
  /**
   * The message of the `TimeoutError` thrown when the deadline passes.
   * @default "the operation timed out"
   */
  reason?: string;
}

function checkDeadline(value: unknown, what: string): number {
  if (value === undefined || value === null) return Number.POSITIVE_INFINITY;
  if (typeof value !== "number") {
    throw new TypeError(`${what} must be a number of milliseconds, got ${String(value)}`);
  }
  if (Number.isNaN(value)) throw new RangeError(`${what} must not be NaN`);
  return value;
}

/**
 * A region of code that can be cancelled as a whole, by `cancel()` or by a deadline.
 *
 * Run it once with `run(body)`. While the scope is cancelled, every checkpoint in the body (and
 * in every task started under it) throws `Cancelled`, again at each later checkpoint, until the
 * body is left; leaving converts that `Cancelled` into a normal return of `undefined` and sets
 * `cancelledCaught`. A shielded scope keeps out cancellation from the scopes around it.
 *
 * Cancellation: cancelling a scope from outside (an enclosing scope) is seen inside it unless it
 * is shielded; it propagates out of `run()` to the scope that was cancelled.
 *
 * @example
 * ```ts
 * import { CancelScope, sleep } from "anyio-ts";
 * const scope = new CancelScope();
 * setTimeout(() => scope.cancel("enough"), 10);
 * await scope.run(() => sleep(10_000));
 * console.assert(scope.cancelledCaught);
 * ```
 */
export class CancelScope extends CancelNode implements TimerTarget {
  #deadline: number;
  #state: "new" | "running" | "done" = "new";
  #cancelledCaught = false;
  /** @internal */ timerSlot: unknown = undefined;
  #task: Task | undefined = undefined;
  #clock: Clock = realClock;
  /** @internal The task group whose scope this is: it hears how the tasks under it end. */
  override _group: TaskOwner | null = null;
  /** @internal Set by failAfter/failAt: the TimeoutError message. */
  _timeoutReason: string | undefined = undefined;

  /**
   * @throws {TypeError} If `deadline` is not a number.
   * @throws {RangeError} If `deadline` is NaN.
   */
  constructor(options: CancelScopeOptions = {}) {
    super();
    this.#deadline = checkDeadline(options.deadline, "deadline");
    this._shield = options.shield === true;
  }

  /** The absolute deadline (ms, `currentTime()` clock); `Infinity` for none. Settable. */
  get deadline(): number {
    return this.#deadline;
  }

  set deadline(value: number) {
    this.#deadline = checkDeadline(value, "deadline");
    if (this.#state === "running") this.#arm();
  }

  /** Whether cancellation from enclosing scopes is kept out. Settable while running. */
  get shield(): boolean {
    return this._shield;
  }

  set shield(value: boolean) {
    if (typeof value !== "boolean") throw new TypeError(`shield must be a boolean, got ${value}`);
    if (this._shield === value) return;
    this._shield = value;
    if (!value && this.#state === "running") {
      const error = effectiveCancel(this);
      if (error) deliver(this, error);
    }
  }

  /** Whether `cancel()` was called or the deadline passed. */
  get cancelCalled(): boolean {
    return this._cancelError !== undefined;
  }

  /** Whether this scope caught a `Cancelled` on exit (it was the scope that was cancelled). */
  get cancelledCaught(): boolean {
    return this.#cancelledCaught;
  }

  /**
   * Cancels the scope. Idempotent; the first reason sticks. Works before `run()` (the first
   * checkpoint inside then throws), during it (from any task), and after it (no effect).
   * Not a checkpoint.
   */
  cancel(reason?: string): void {
    if (this._cancelError !== undefined || this.#state === "done") return;
    const by = taskOf(currentNode())._name;
    cancelNode(this, `cancelled by task "${by}"${reason === undefined ? "" : `: ${reason}`}`);
    this.#disarm();
  }

  /**
   * Runs `body` inside the scope and returns its value, or `undefined` if the scope was
   * cancelled and caught its own cancellation.
   *
   * Cancellation: see the class description; a `failAfter`/`failAt` scope throws
   * `TimeoutError` instead of returning `undefined` when its deadline passed.
   *
   * @throws {InvalidStateError} If the scope has been run before.
   * @throws {TimeoutError} For a `failAfter`/`failAt` scope whose deadline passed.
   * @throws {Cancelled} If an enclosing scope was cancelled.
   * @throws Whatever `body` throws.
   */
  async run<T>(body: () => T | PromiseLike<T>): Promise<T | undefined> {
    if (typeof body !== "function") {
      throw new TypeError(`CancelScope.run() needs a function, got ${String(body)}`);
    }
    if (this.#state !== "new") {
      throw new InvalidStateError("Each CancelScope may only be run once");
    }
    this.#enter(currentNode());
    let value: T | undefined;
    let failed = false;
    let error: unknown;
    try {
      value = await runInNode(this, body);
    } catch (e) {
      failed = true;
      error = e;
    }
    this._exit(failed, error);
    if (this.#cancelledCaught && this._timeoutReason !== undefined) {
      if (this._clock.now() >= this.#deadline) throw new TimeoutError(this._timeoutReason);
    }
    return failed ? undefined : value;
  }

  /**
   * @internal Leaves the scope: disarms, retires, and decides what propagates. Returns if the
   * outcome is a normal return; throws what propagates otherwise.
   */
  _exit(failed: boolean, error: unknown): void {
    this.#disarm();
    this.#state = "done";
    retire(this);
    if (!failed) return;
    const catches = this._cancelError !== undefined && !parentCancelled(this);
    if (!catches) throw error;
    if (isCancellation(error)) {
      this.#cancelledCaught = true;
      return;
    }
    if (error instanceof ExceptionGroup) {
      const [cancels, rest] = error.split(isCancellation);
      if (cancels !== undefined) {
        if (rest === undefined) {
          this.#cancelledCaught = true;
          return;
        }
        throw rest;
      }
    }
    throw error;
  }

  /** @internal Enters the scope as `group`'s scope (no body of its own). */
  _enterAsGroupScope(parent: CancelNode, group: TaskOwner): void {
    this._group = group;
    this.#enter(parent);
  }

  #enter(parent: CancelNode): void {
    this.#state = "running";
    this.#task = parent._task;
    this.#clock = parent._clock;
    attach(this, parent);
    this.#arm();
  }

  /** @internal */
  get _task(): Task {
    return this.#task ?? currentNode()._task;
  }

  /** @internal */
  get _clock(): Clock {
    return this.#clock;
  }

  #arm(): void {
    this.#disarm();
    if (this._cancelError !== undefined || this.#deadline === Number.POSITIVE_INFINITY) return;
    const delay = this.#deadline - this._clock.now();
    if (delay <= 0) {
      cancelNode(this, "deadline exceeded");
      return;
    }
    this._clock.setTimer(this, delay);
  }

  /** @internal The deadline timer fired. */
  onTimer(): void {
    cancelNode(this, "deadline exceeded");
  }

  #disarm(): void {
    if (this.timerSlot !== undefined) this._clock.clearTimer(this);
  }

  /** @internal */
  override _describe(): string {
    const d = this.#deadline === Number.POSITIVE_INFINITY ? "" : " with deadline";
    const kind = this._group !== null ? "task group" : "cancel scope";
    return `${this._shield ? "shielded " : ""}${kind}${d}`;
  }
}

/**
 * The current time in milliseconds on the clock of the current run (monotonic; the real clock
 * is `performance.now()`).
 *
 * @example
 * ```ts
 * import { currentTime, sleep } from "anyio-ts";
 * const start = currentTime();
 * await sleep(5);
 * console.assert(currentTime() - start >= 5);
 * ```
 */
export function currentTime(): number {
  return currentNode()._clock.now();
}

/**
 * A cancel scope that cancels itself `delay` milliseconds from now and exits silently.
 * `null`/`undefined` means no deadline; zero or negative cancels at the first checkpoint.
 *
 * Cancellation: as {@link CancelScope}; check `scope.cancelledCaught` to learn if it timed out.
 *
 * @throws {TypeError} If `delay` is not a number, `null` or `undefined`.
 * @throws {RangeError} If `delay` is NaN.
 * @example
 * ```ts
 * import { moveOnAfter, sleep } from "anyio-ts";
 * const scope = moveOnAfter(10);
 * const value = await scope.run(async () => { await sleep(1000); return "done"; });
 * console.assert(value === undefined && scope.cancelledCaught);
 * ```
 */
export function moveOnAfter(
  delay: number | null | undefined,
  options: MoveOnOptions = {},
): CancelScope {
  const ms = checkDeadline(delay, "delay");
  return new CancelScope({ deadline: currentTime() + ms, shield: options.shield === true });
}

/**
 * A cancel scope that cancels itself at the absolute time `deadline` (see `currentTime()`).
 *
 * Cancellation: as {@link moveOnAfter}.
 *
 * @throws {TypeError} If `deadline` is not a number, `null` or `undefined`.
 * @throws {RangeError} If `deadline` is NaN.
 * @example
 * ```ts
 * import { currentTime, moveOnAt, sleep } from "anyio-ts";
 * await moveOnAt(currentTime() + 5).run(() => sleep(1000));
 * ```
 */
export function moveOnAt(
  deadline: number | null | undefined,
  options: MoveOnOptions = {},
): CancelScope {
  return new CancelScope({
    deadline: checkDeadline(deadline, "deadline"),
    shield: options.shield === true,
  });
}

/**
 * A cancel scope that cancels itself `delay` milliseconds from now and then makes `run()` throw
 * `TimeoutError`. A manual `cancel()` before the deadline exits silently instead.
 *
 * Cancellation: as {@link CancelScope}; an enclosing scope's cancellation propagates as
 * `Cancelled`, not `TimeoutError`.
 *
 * @throws {TypeError} If `delay` is not a number, `null` or `undefined`.
 * @throws {RangeError} If `delay` is NaN.
 * @example
 * ```ts
 * import { failAfter, sleep, TimeoutError } from "anyio-ts";
 * try {
 *   await failAfter(10, { reason: "too slow" }).run(() => sleep(1000));
 * } catch (e) {
 *   console.assert(e instanceof TimeoutError && e.message === "too slow");
 * }
 * ```
 */
export function failAfter(
  delay: number | null | undefined,
  options: FailAfterOptions = {},
): CancelScope {
  const scope = moveOnAfter(delay, options);
  scope._timeoutReason = options.reason ?? "the operation timed out";
  return scope;
}

/**
 * Like {@link failAfter} with an absolute `deadline`.
 *
 * Cancellation: as {@link failAfter}.
 *
 * @throws {TypeError} If `deadline` is not a number, `null` or `undefined`.
 * @throws {RangeError} If `deadline` is NaN.
 * @example
 * ```ts
 * import { currentTime, failAt, sleep } from "anyio-ts";
 * await failAt(currentTime() + 1000).run(() => sleep(1));
 * ```
 */
export function failAt(
  deadline: number | null | undefined,
  options: FailAfterOptions = {},
): CancelScope {
  const scope = moveOnAt(deadline, options);
  scope._timeoutReason = options.reason ?? "the operation timed out";
  return scope;
}

/**
 * The nearest deadline that applies to the current code: the smallest deadline among the
 * enclosing scopes up to the first shielded one; `Infinity` if none; `-Infinity` if a visible
 * scope is already cancelled.
 *
 * @example
 * ```ts
 * import { currentEffectiveDeadline, moveOnAfter } from "anyio-ts";
 * await moveOnAfter(100).run(() => {
 *   console.assert(currentEffectiveDeadline() < Infinity);
 * });
 * ```
 */
export function currentEffectiveDeadline(): number {
  let deadline = Number.POSITIVE_INFINITY;
  for (let n: CancelNode | null = currentNode(); n !== null; n = n._parent) {
    if (n._cancelError !== undefined) return Number.NEGATIVE_INFINITY;
    if (n instanceof CancelScope && n.deadline < deadline) deadline = n.deadline;
    if (n._shield) break;
  }
  return deadline;
}
