/**
 * `ResourceGuard`: catches two tasks using a single-user resource at once.
 *
 * @module
 */
import { BusyResourceError } from "../core/errors.js";
import { show } from "./_internal/checks.js";

/**
 * Guards a resource that only one task may use at a time (a stream's receiving side, say):
 * while the guard is entered, a second `enter()` throws `BusyResourceError` instead of
 * letting the two uses interleave. It is synchronous and not reentrant, and it does not wait:
 * it reports a design error, it does not queue. (To queue, use a `Lock`.)
 *
 * `enter()` returns the guard, whose `[Symbol.dispose]()` exits it, so `using _ =
 * guard.enter()` guards to the end of the block.
 *
 * @example
 * ```ts
 * import { ResourceGuard, BusyResourceError } from "anyio-ts";
 * const guard = new ResourceGuard("reading from");
 * {
 *   using _ = guard.enter();
 *   try {
 *     guard.enter();
 *   } catch (e) {
 *     console.assert(e instanceof BusyResourceError);
 *     console.log((e as Error).message); // Another task is already reading from this resource
 *   }
 * }
 * guard.enter().exit(); // free again
 * ```
 */
export class ResourceGuard implements Disposable {
  readonly #action: string;
  #entered = false;

  /**
   * @param action What the guarded use is, for the error message: "Another task is already
   *   {action} this resource".
   * @throws {TypeError} If `action` is not a string.
   */
  constructor(action = "using") {
    if (typeof action !== "string") {
      throw new TypeError(`action must be a string, got ${show(action)}`);
    }
    this.#action = action;
  }

  /**
   * Marks the resource as in use and returns the guard. Not a checkpoint.
   *
   * @throws {BusyResourceError} If the guard is already entered.
   * @example
   * ```ts
   * import { ResourceGuard } from "anyio-ts";
   * const guard = new ResourceGuard();
   * using _ = guard.enter();
   * ```
   */
  enter(): this {
    if (this.#entered) throw new BusyResourceError(this.#action);
    this.#entered = true;
    return this;
  }

  /**
   * Marks the resource as free again. Not a checkpoint.
   *
   * @example
   * ```ts
   * import { ResourceGuard } from "anyio-ts";
   * const guard = new ResourceGuard();
   * guard.enter();
   * guard.exit();
   * guard.enter(); // fine: it was exited
   * guard.exit();
   * ```
   */
  exit(): void {
    this.#entered = false;
  }

  /** Exits the guard: the same as {@link ResourceGuard.exit}. */
  [Symbol.dispose](): void {
    this.#entered = false;
  }
}
