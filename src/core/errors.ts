/**
 * Every error class the library raises, in one place.
 *
 * Each class says in its doc comment whose fault it is: *closed* (you closed it), *broken*
 * (something outside broke it), *busy* (two tasks used it at once), *cancelled* (a scope you
 * or a caller set up asked the work to stop). Each carries a stable `code` and a brand made with
 * `Symbol.for`, so `isAnyioError(e, "ANYIO_CLOSED")` works even when two copies of the package
 * are loaded; `instanceof` works within one copy. Messages are fixed in the constructor so their
 * wording never drifts between call sites.
 *
 * @module
 */

const BRAND: unique symbol = Symbol.for("anyio-ts.error") as never;

/**
 * Base class of the library's own errors.
 *
 * @example
 * ```ts
 * import { AnyioError, WouldBlock } from "anyio-ts";
 * const error = new WouldBlock();
 * console.assert(error instanceof AnyioError && error.code === "ANYIO_WOULD_BLOCK");
 * ```
 */
export class AnyioError extends Error {
  /** A stable, machine-readable code such as `"ANYIO_CLOSED"`. */
  readonly code: string;
  /** @internal */
  readonly [BRAND] = true;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * Tells whether `error` is one of this library's errors (from any loaded copy of it), and
 * optionally whether it has the given `code`.
 *
 * @example
 * ```ts
 * import { isAnyioError, ClosedResourceError } from "anyio-ts";
 * console.assert(isAnyioError(new ClosedResourceError(), "ANYIO_CLOSED"));
 * ```
 */
export function isAnyioError(error: unknown, code?: string): error is AnyioError {
  if (typeof error !== "object" || error === null || !(BRAND in error)) return false;
  return code === undefined || (error as AnyioError).code === code;
}

/**
 * The work was cancelled: a cancel scope around it was cancelled, or its deadline passed.
 *
 * Thrown by every checkpoint inside a cancelled scope, and again at each later checkpoint until
 * the scope is left (level cancellation). Let it propagate: the scope that was cancelled catches
 * it on exit. Swallowing it is harmless but pointless, since the next checkpoint throws again.
 * It is also the `reason` of every `AbortSignal` the library aborts.
 *
 * @example
 * ```ts
 * import { CancelScope, Cancelled, checkpoint } from "anyio-ts";
 * const scope = new CancelScope();
 * await scope.run(async () => {
 *   scope.cancel();
 *   try {
 *     await checkpoint();
 *   } catch (e) {
 *     console.assert(e instanceof Cancelled);
 *     throw e; // let the scope catch it
 *   }
 * });
 * ```
 */
export class Cancelled extends AnyioError {
  constructor(message = "the operation was cancelled") {
    super("ANYIO_CANCELLED", message);
  }
}

/**
 * Whether `error` means "cancelled by one of our scopes": a `Cancelled`, or the `AbortError`
 * that signal-aware APIs (`timers/promises`, `fs`, `events.once`...) throw when a signal from
 * `currentSignal()` aborts, whose `cause` is the `Cancelled`.
 * @internal
 */
export function isCancellation(error: unknown): boolean {
  if (error instanceof Cancelled) return true;
  return (
    typeof error === "object" &&
    error !== null &&
    (error as { name?: unknown }).name === "AbortError" &&
    (error as { cause?: unknown }).cause instanceof Cancelled
  );
}

/**
 * A `failAfter`/`failAt` scope reached its deadline before its body finished.
 * Whose fault: the deadline the caller set.
 *
 * @example
 * ```ts
 * import { failAfter, sleep, TimeoutError } from "anyio-ts";
 * await failAfter(1).run(() => sleep(100)).catch((e) => console.assert(e instanceof TimeoutError));
 * ```
 */
export class TimeoutError extends AnyioError {
  constructor(message = "the operation timed out") {
    super("ANYIO_TIMEOUT", message);
  }
}

/**
 * The resource was used after *this side* closed it. Whose fault: the caller's.
 *
 * @example
 * ```ts
 * import { ClosedResourceError, isAnyioError } from "anyio-ts";
 * console.assert(isAnyioError(new ClosedResourceError(), "ANYIO_CLOSED"));
 * ```
 */
export class ClosedResourceError extends AnyioError {
  constructor(message = "the resource is closed") {
    super("ANYIO_CLOSED", message);
  }
}

/**
 * The resource can no longer be used because something outside broke it (the peer went away,
 * every receiver closed). Whose fault: the other side's.
 *
 * @example
 * ```ts
 * import { BrokenResourceError } from "anyio-ts";
 * const error = new BrokenResourceError("peer reset", { cause: new Error("ECONNRESET") });
 * console.assert(error.code === "ANYIO_BROKEN");
 * ```
 */
export class BrokenResourceError extends AnyioError {
  constructor(message = "the resource is broken", options?: ErrorOptions) {
    super("ANYIO_BROKEN", message, options);
  }
}

/**
 * Two tasks tried to use a single-user resource at once. Whose fault: the caller's design.
 *
 * @example
 * ```ts
 * import { BusyResourceError } from "anyio-ts";
 * console.assert(new BusyResourceError("reading from").message.includes("already reading from"));
 * ```
 */
export class BusyResourceError extends AnyioError {
  constructor(action: string) {
    super("ANYIO_BUSY", `Another task is already ${action} this resource`);
  }
}

/**
 * The peer closed the stream: there is nothing more to receive. Not a failure.
 *
 * @example
 * ```ts
 * import { EndOfStream } from "anyio-ts";
 * console.assert(new EndOfStream().code === "ANYIO_END_OF_STREAM");
 * ```
 */
export class EndOfStream extends AnyioError {
  constructor(message = "the stream has ended") {
    super("ANYIO_END_OF_STREAM", message);
  }
}

/**
 * A `*Nowait` operation would have had to wait.
 *
 * @example
 * ```ts
 * import { WouldBlock } from "anyio-ts";
 * console.assert(new WouldBlock().code === "ANYIO_WOULD_BLOCK");
 * ```
 */
export class WouldBlock extends AnyioError {
  constructor(message = "the operation would block") {
    super("ANYIO_WOULD_BLOCK", message);
  }
}

/**
 * An API was used in a state that does not allow it (a task group that has exited, a cancel
 * scope run twice, `started()` called twice). Whose fault: the caller's code.
 *
 * @example
 * ```ts
 * import { CancelScope, InvalidStateError } from "anyio-ts";
 * const scope = new CancelScope();
 * await scope.run(() => undefined);
 * await scope.run(() => undefined).catch((e) => console.assert(e instanceof InvalidStateError));
 * ```
 */
export class InvalidStateError extends AnyioError {
  constructor(message: string) {
    super("ANYIO_INVALID_STATE", message);
  }
}

/**
 * Awaiting a task handle whose task failed; `cause` is the task's error.
 *
 * @example
 * ```ts
 * import { TaskFailed, withTaskGroup } from "anyio-ts";
 * await withTaskGroup(async (tg) => {
 *   const handle = tg.startSoon(async () => {
 *     throw new RangeError("bad");
 *   });
 *   await handle.result().catch((e) => console.assert(e instanceof TaskFailed));
 * }).catch(() => {}); // the failure also reaches the group
 * ```
 */
export class TaskFailed extends AnyioError {
  constructor(message = "the task raised an exception", options?: ErrorOptions) {
    super("ANYIO_TASK_FAILED", message, options);
  }
}

/**
 * Awaiting a task handle whose task was cancelled; `cause` is the `Cancelled` it ended with.
 *
 * @example
 * ```ts
 * import { sleepForever, TaskCancelled, withTaskGroup } from "anyio-ts";
 * await withTaskGroup(async (tg) => {
 *   const handle = tg.startSoon(sleepForever);
 *   handle.cancel();
 *   await handle.result().catch((e) => console.assert(e instanceof TaskCancelled));
 * });
 * ```
 */
export class TaskCancelled extends TaskFailed {
  constructor(options?: ErrorOptions) {
    super("the task was cancelled", options);
    (this as { code: string }).code = "ANYIO_TASK_CANCELLED";
  }
}

/**
 * Reading the outcome of a task handle whose task has not finished yet.
 *
 * @example
 * ```ts
 * import { sleep, TaskNotFinished, withTaskGroup } from "anyio-ts";
 * await withTaskGroup((tg) => {
 *   const handle = tg.startSoon(sleep, 1);
 *   try {
 *     handle.returnValue;
 *   } catch (e) {
 *     console.assert(e instanceof TaskNotFinished);
 *   }
 * });
 * ```
 */
export class TaskNotFinished extends AnyioError {
  constructor() {
    super("ANYIO_TASK_NOT_FINISHED", "the task has not finished yet");
  }
}

/**
 * Reading the value of a `Future` that was completed with an error (`setException`); `cause` is
 * that error. Whose fault: whoever completed the future with it.
 *
 * @example
 * ```ts
 * import { Future, FutureFailed } from "anyio-ts";
 * const future = new Future<number>();
 * const error = new Error("no answer");
 * future.setException(error);
 * await future.result().catch((e) => {
 *   console.assert(e instanceof FutureFailed && e.cause === error);
 * });
 * ```
 */
export class FutureFailed extends AnyioError {
  constructor(message = "the future raised an exception", options?: ErrorOptions) {
    super("ANYIO_FUTURE_FAILED", message, options);
  }
}

/**
 * Reading, awaiting or completing a `Future` that was cancelled (`future.cancel()`).
 * Whose fault: whoever cancelled it.
 *
 * @example
 * ```ts
 * import { Future, FutureCancelled } from "anyio-ts";
 * const future = new Future<number>();
 * future.cancel();
 * await future.result().catch((e) => console.assert(e instanceof FutureCancelled));
 * ```
 */
export class FutureCancelled extends FutureFailed {
  constructor() {
    super("the future was cancelled");
    (this as { code: string }).code = "ANYIO_FUTURE_CANCELLED";
  }
}

/**
 * Reading the value or error of a `Future` that is still pending. Whose fault: the caller's.
 *
 * @example
 * ```ts
 * import { Future, FutureNotFinished } from "anyio-ts";
 * try {
 *   new Future<number>().returnValue;
 * } catch (e) {
 *   console.assert(e instanceof FutureNotFinished);
 * }
 * ```
 */
export class FutureNotFinished extends AnyioError {
  constructor() {
    super("ANYIO_FUTURE_NOT_FINISHED", "the future has not finished yet");
  }
}

/**
 * Completing a `Future` a second time (`setResult`/`setException` after it already finished or
 * failed). Whose fault: the caller's; a future is completed once.
 *
 * @example
 * ```ts
 * import { Future, FutureAlreadyFinished } from "anyio-ts";
 * const future = new Future<number>();
 * future.setResult(1);
 * try {
 *   future.setResult(2);
 * } catch (e) {
 *   console.assert(e instanceof FutureAlreadyFinished && future.returnValue === 1);
 * }
 * ```
 */
export class FutureAlreadyFinished extends AnyioError {
  constructor(status: "finished" | "failed" = "finished") {
    super("ANYIO_FUTURE_ALREADY_FINISHED", `the future has already ${status}`);
  }
}

/**
 * `extra(attribute)` asked a resource for a typed attribute it does not provide, and no default
 * was given. Whose fault: the caller's (pass a default to probe for an optional attribute).
 *
 * @example
 * ```ts
 * import { createMemoryObjectStream, typedAttribute, TypedAttributeLookupError } from "anyio-ts";
 * const [send, receive] = createMemoryObjectStream<number>();
 * const missing = typedAttribute<string>("nowhere");
 * try {
 *   receive.extra(missing);
 * } catch (e) {
 *   console.assert(e instanceof TypedAttributeLookupError);
 * }
 * console.assert(receive.extra(missing, "fallback") === "fallback");
 * send.close();
 * receive.close();
 * ```
 */
export class TypedAttributeLookupError extends AnyioError {
  /** The name the missing attribute was made with. */
  readonly attribute: string;

  constructor(attribute: string) {
    super("ANYIO_TYPED_ATTRIBUTE_LOOKUP", `Attribute "${attribute}" not found`);
    this.attribute = attribute;
  }
}

/**
 * `receiveUntil()` read `maxBytes` bytes without finding the delimiter. Whose fault: the peer's
 * (it sent a longer line than allowed) or the caller's limit. What was read stays buffered.
 *
 * @example
 * ```ts
 * import { BufferedByteReceiveStream, createMemoryObjectStream, DelimiterNotFound } from "anyio-ts";
 * const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
 * send.sendNowait(new TextEncoder().encode("no newline in sight"));
 * const stream = new BufferedByteReceiveStream(receive);
 * await stream
 *   .receiveUntil(new TextEncoder().encode("\n"), 8)
 *   .catch((e) => console.assert(e instanceof DelimiterNotFound && e.maxBytes === 8));
 * send.close();
 * await stream.close();
 * ```
 */
export class DelimiterNotFound extends AnyioError {
  /** The limit that was reached. */
  readonly maxBytes: number;

  constructor(maxBytes: number) {
    super(
      "ANYIO_DELIMITER_NOT_FOUND",
      `The delimiter was not found among the first ${maxBytes} bytes`,
    );
    this.maxBytes = maxBytes;
  }
}

/**
 * The stream ended before `receiveExactly()` or `receiveUntil()` could complete. Whose fault:
 * the peer's (it closed early). What was read stays buffered.
 *
 * @example
 * ```ts
 * import { BufferedByteReceiveStream, createMemoryObjectStream, IncompleteRead } from "anyio-ts";
 * const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
 * send.sendNowait(new Uint8Array([1, 2]));
 * send.close(); // the peer goes away after two bytes
 * const stream = new BufferedByteReceiveStream(receive);
 * await stream.receiveExactly(4).catch((e) => console.assert(e instanceof IncompleteRead));
 * await stream.close();
 * ```
 */
export class IncompleteRead extends AnyioError {
  constructor() {
    super(
      "ANYIO_INCOMPLETE_READ",
      "The stream was closed before the read operation could be completed",
    );
  }
}
