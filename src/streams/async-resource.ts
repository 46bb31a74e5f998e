/**
 * `AsyncResource`: something that must be closed, with `close()` and `await using`.
 *
 * @module
 */

/**
 * A resource that holds something open until `close()` is called: a stream, a listener, a file.
 * `[Symbol.asyncDispose]()` calls `close()`, so `await using stream = ...` closes it at the end
 * of the block.
 *
 * Whoever made or was handed the resource owns it and must close it. Closing twice is harmless.
 *
 * @example
 * ```ts
 * import { AsyncResource } from "anyio-ts";
 * class Connection extends AsyncResource {
 *   closed = false;
 *   async close(): Promise<void> {
 *     this.closed = true;
 *   }
 * }
 * const outer = new Connection();
 * {
 *   await using conn = outer;
 * }
 * console.assert(outer.closed);
 * ```
 */
export abstract class AsyncResource implements AsyncDisposable {
  /**
   * Closes the resource, releasing what it holds. Idempotent.
   *
   * Cancellation: implementations close even when the caller's scope is cancelled.
   */
  abstract close(): Promise<void>;

  /** Calls `close()`: what `await using` does at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
