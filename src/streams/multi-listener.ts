/**
 * `MultiListener`: serves several listeners as one (IPv4 and IPv6, TCP and UNIX...).
 *
 * @module
 */
import type { TaskGroup } from "../core/task-group.js";
import { withTaskGroup } from "../core/task-group.js";
import { describeValue } from "./_internal/checks.js";
import { Listener } from "./listener.js";
import type { ExtraAttributes } from "./typed-attribute.js";

/**
 * Serves every one of `listeners` at once with the same handler. A `MultiListener` given as one
 * of the listeners is flattened into this one (and emptied). Typed attributes are all the
 * listeners', later ones winning. The `MultiListener` owns the listeners and closes them all.
 *
 * @example
 * ```ts
 * import { Listener, MultiListener, moveOnAfter } from "anyio-ts";
 * class Once extends Listener<string> {
 *   constructor(readonly name: string) {
 *     super();
 *   }
 *   async serve(handler: (connection: string) => unknown): Promise<void> {
 *     await handler(this.name);
 *   }
 *   async close(): Promise<void> {}
 * }
 * const served: string[] = [];
 * await using both = new MultiListener([new Once("a"), new Once("b")]);
 * await moveOnAfter(1000).run(() => both.serve((c) => void served.push(c)));
 * console.assert(served.sort().join() === "a,b");
 * ```
 */
export class MultiListener<T, L extends Listener<T> = Listener<T>> extends Listener<T> {
  /**
   * The listeners served (nested `MultiListener`s flattened), typed as given: for
   * `createTcpListener()`, `SocketListener`s (with `accept()`).
   */
  readonly listeners: L[];

  /**
   * @param listeners The listeners to serve; the `MultiListener` owns them from now on.
   * @throws {TypeError} If `listeners` is not iterable or holds something without `serve()`.
   */
  constructor(listeners: Iterable<L & Listener<T>>) {
    super();
    if (typeof (listeners as Iterable<unknown>)?.[Symbol.iterator] !== "function") {
      throw new TypeError(
        `MultiListener needs an iterable of listeners, got ${describeValue(listeners)}`,
      );
    }
    const flat: L[] = [];
    for (const listener of listeners) {
      if (listener instanceof MultiListener) {
        const nested = listener as MultiListener<T, L>;
        flat.push(...nested.listeners);
        nested.listeners.length = 0;
      } else if (typeof (listener as { serve?: unknown })?.serve === "function") {
        flat.push(listener as L);
      } else {
        throw new TypeError(`MultiListener needs listeners, got ${describeValue(listener)}`);
      }
    }
    this.listeners = flat;
  }

  /** Every listener's attributes, later listeners winning. */
  override get extraAttributes(): ExtraAttributes {
    const merged = new Map<Parameters<ExtraAttributes["get"]>[0], () => unknown>();
    for (const listener of this.listeners) {
      for (const [attribute, getter] of listener.extraAttributes) merged.set(attribute, getter);
    }
    return merged;
  }

  /**
   * Serves every listener at once, each in a task of a group of its own, with `handler` (and
   * `taskGroup`, where the listeners start the handlers' tasks). Returns when every listener's
   * `serve()` has returned; if one fails, the others are cancelled and the errors come out as
   * an `ExceptionGroup`.
   *
   * Cancellation: cancelling the scope of `serve()` stops every listener.
   *
   * @throws {ExceptionGroup} With what the listeners' `serve()` threw.
   * @throws {Cancelled} If the scope is cancelled.
   */
  async serve(handler: (connection: T) => unknown, taskGroup?: TaskGroup): Promise<void> {
    await withTaskGroup((tg) => {
      for (const listener of this.listeners) {
        tg.startSoon(() => listener.serve(handler, taskGroup));
      }
    });
  }

  /**
   * Closes every listener, all of them even if some fail; then throws the first failure.
   *
   * Cancellation: as the listeners' `close()`.
   */
  async close(): Promise<void> {
    let failure: { error: unknown } | undefined;
    for (const listener of this.listeners) {
      try {
        await listener.close();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw failure.error;
  }
}
