/**
 * `Future`: a one-shot result holder that tasks can wait for; the structured "deferred".
 *
 * @module
 */
import { park, Waiter } from "../core/_internal/kernel.js";
import { checkpoint } from "../core/checkpoint.js";
import {
  FutureAlreadyFinished,
  FutureCancelled,
  FutureFailed,
  FutureNotFinished,
} from "../core/errors.js";

/**
 * Status of a {@link Future}: `"pending"` until it is completed or cancelled, then final.
 *
 * @example
 * ```ts
 * import { Future, type FutureStatus } from "anyio-ts";
 * const future = new Future<number>();
 * const before: FutureStatus = future.status;
 * future.setResult(1);
 * console.assert(before === "pending" && future.status === "finished");
 * ```
 */
export type FutureStatus = "pending" | "finished" | "cancelled" | "failed";

/**
 * Options of the {@link Future} constructor.
 *
 * @example
 * ```ts
 * import { Future, type FutureOptions } from "anyio-ts";
 * const options: FutureOptions = { name: "config loaded" };
 * const future = new Future<string>(options);
 * future.setResult("ok");
 * console.assert((await future.result()) === "ok");
 * ```
 */
export interface FutureOptions {
  /**
   * A name, shown by `toString()` and in the task tree while tasks wait for it.
   * @default undefined
   */
  name?: string;
}

class FutureWaiter extends Waiter<void> {
  constructor(
    readonly waiters: Set<FutureWaiter>,
    readonly name: string | undefined,
  ) {
    super();
  }

  override onPark(): void {
    this.waiters.add(this);
  }

  // A cancelled waiter only leaves; the future and its other waiters are not affected.
  override abort(): boolean {
    this.waiters.delete(this);
    return true;
  }

  override describe(): string {
    return this.name === undefined ? "Future.wait" : `Future.wait (${this.name})`;
  }
}

/**
 * A value that will be set later, once, by someone: `setResult(value)` or `setException(error)`
 * completes it, `cancel()` abandons it, and any number of tasks can `wait()` for it or await
 * its `result()`. As in AnyIO 4.15, its status is `"pending"`, then `"finished"`, `"failed"` or
 * `"cancelled"`, and never changes again.
 *
 * It replaces the hand-made "deferred" (`let resolve; new Promise((r) => (resolve = r))`):
 * waiting for it is a checkpoint (a cancelled scope stops the wait, and a cancelled waiter does
 * not affect the others or the future), completing it twice is an error instead of being
 * silently ignored, and its outcome can be read without waiting. Completing and cancelling are
 * plain synchronous calls, so callbacks outside any task (an event emitter, a timer) can
 * complete it.
 *
 * Deliberately not a thenable, like `TaskHandle` (returning one from an `async` function must
 * not wait for it): use `await future.result()`.
 *
 * Cancellation: only `wait()` and `result()` block; cancelling the waiting scope makes them
 * throw `Cancelled` and leaves the future pending. `cancel()` is about the future itself, not
 * about any scope.
 *
 * @example
 * ```ts
 * import { Future, withTaskGroup, sleep } from "anyio-ts";
 * const answer = new Future<number>({ name: "answer" });
 * await withTaskGroup(async (tg) => {
 *   tg.startSoon(async () => {
 *     await sleep(1);
 *     answer.setResult(42);
 *   });
 *   console.assert((await answer.result()) === 42);
 * });
 * console.assert(answer.status === "finished" && answer.returnValue === 42);
 * ```
 */
export class Future<T = unknown> {
  #status: FutureStatus = "pending";
  #outcome: unknown = undefined;
  readonly #name: string | undefined;
  readonly #waiters = new Set<FutureWaiter>();

  /** @throws {TypeError} If `name` is given and is not a string. */
  constructor(options: FutureOptions = {}) {
    const { name } = options;
    if (name !== undefined && typeof name !== "string") {
      throw new TypeError(`Future name must be a string, got ${String(name)}`);
    }
    this.#name = name;
  }

  /** The name given to the constructor, if any. */
  get name(): string | undefined {
    return this.#name;
  }

  /** `"pending"`, then `"finished"`, `"failed"` or `"cancelled"` for good. */
  get status(): FutureStatus {
    return this.#status;
  }

  /**
   * Waits until the future is no longer pending, however it ended. Returns at once (after a
   * checkpoint) if it already ended.
   *
   * Cancellation: a checkpoint; if the waiting scope is cancelled, throws `Cancelled` and the
   * future stays as it is (other waiters keep waiting).
   *
   * @throws {Cancelled} If the waiting scope is cancelled.
   */
  wait(): Promise<void> {
    if (this.#status !== "pending") return checkpoint();
    return park(new FutureWaiter(this.#waiters, this.#name));
  }

  /**
   * Waits for the future and returns its value.
   *
   * Cancellation: as {@link Future.wait}.
   *
   * @throws {FutureFailed} If it was completed with `setException` (`cause` is that error).
   * @throws {FutureCancelled} If it was cancelled.
   * @throws {Cancelled} If the waiting scope is cancelled.
   */
  async result(): Promise<T> {
    await this.wait();
    return this.returnValue;
  }

  /**
   * The value, without waiting.
   *
   * @throws {FutureNotFinished} If it is still pending.
   * @throws {FutureFailed} If it failed (`cause` is the error).
   * @throws {FutureCancelled} If it was cancelled.
   */
  get returnValue(): T {
    switch (this.#status) {
      case "finished":
        return this.#outcome as T;
      case "failed":
        throw new FutureFailed(undefined, { cause: this.#outcome });
      case "cancelled":
        throw new FutureCancelled();
      default:
        throw new FutureNotFinished();
    }
  }

  /**
   * The error it failed with, `undefined` if it finished with a value; without waiting.
   *
   * @throws {FutureNotFinished} If it is still pending.
   * @throws {FutureCancelled} If it was cancelled.
   */
  get exception(): unknown {
    switch (this.#status) {
      case "finished":
        return undefined;
      case "failed":
        return this.#outcome;
      case "cancelled":
        throw new FutureCancelled();
      default:
        throw new FutureNotFinished();
    }
  }

  /**
   * Completes the future with `value` and wakes every waiter. Not a checkpoint.
   *
   * @throws {FutureAlreadyFinished} If it already finished or failed.
   * @throws {FutureCancelled} If it was cancelled.
   */
  setResult(value: T): void {
    this.#complete("finished", value);
  }

  /**
   * Completes the future with an error and wakes every waiter; `result()` then throws
   * `FutureFailed` with `error` as its `cause`. Any value is accepted as the error, as `throw`
   * accepts any value. Not a checkpoint.
   *
   * @throws {FutureAlreadyFinished} If it already finished or failed.
   * @throws {FutureCancelled} If it was cancelled.
   */
  setException(error: unknown): void {
    this.#complete("failed", error);
  }

  /**
   * Cancels the future if it is pending: its status becomes `"cancelled"`, every waiter wakes,
   * and `result()` throws `FutureCancelled`. Does nothing once it has ended (a value already
   * set stays readable). Not a checkpoint.
   */
  cancel(): void {
    if (this.#status === "pending") this.#complete("cancelled", undefined);
  }

  #complete(status: FutureStatus, outcome: unknown): void {
    switch (this.#status) {
      case "pending":
        break;
      case "cancelled":
        throw new FutureCancelled();
      default:
        throw new FutureAlreadyFinished(this.#status);
    }
    this.#status = status;
    this.#outcome = outcome;
    const waiters = this.#waiters;
    if (waiters.size === 0) return;
    for (const w of waiters) w.resolve();
    waiters.clear();
  }

  /** `<Future pending name="answer">` */
  toString(): string {
    const name = this.#name === undefined ? "" : ` name=${JSON.stringify(this.#name)}`;
    return `<Future ${this.#status}${name}>`;
  }
}
