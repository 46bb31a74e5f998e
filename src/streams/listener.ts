/**
 * `Listener`: something that accepts incoming connections and hands each to a handler.
 *
 * @module
 */
import type { TaskGroup } from "../core/task-group.js";
import { AsyncResource } from "./async-resource.js";
import {
  type ExtraAttributes,
  lookupAttribute,
  NO_ATTRIBUTES,
  type TypedAttribute,
  type TypedAttributeProvider,
} from "./typed-attribute.js";

/**
 * Accepts connections (streams of type `T`) and serves each in its own task.
 *
 * @example
 * ```ts
 * import { Listener, moveOnAfter } from "anyio-ts";
 * class Numbers extends Listener<number> {
 *   async serve(handler: (n: number) => unknown): Promise<void> {
 *     for (let i = 0; i < 3; i++) await handler(i);
 *   }
 *   async close(): Promise<void> {}
 * }
 * const seen: number[] = [];
 * await moveOnAfter(1000).run(() => new Numbers().serve((n) => void seen.push(n)));
 * console.assert(seen.length === 3);
 * ```
 */
export abstract class Listener<T> extends AsyncResource implements TypedAttributeProvider {
  /**
   * Accepts connections until cancelled, running `handler(connection)` for each in a task of
   * `taskGroup` (or of a group of its own). The handler owns the connection and must close it.
   *
   * Cancellation: the way to stop serving; cancelling the scope of `serve()` stops accepting.
   *
   * @throws {ClosedResourceError} If the listener was closed.
   * @throws {Cancelled} If the scope is cancelled.
   */
  abstract serve(handler: (connection: T) => unknown, taskGroup?: TaskGroup): Promise<void>;

  /** The attributes offered; none unless a subclass says so. */
  get extraAttributes(): ExtraAttributes {
    return NO_ATTRIBUTES;
  }

  /**
   * The value of `attribute`, or `defaultValue` if it is not offered.
   * @throws {TypedAttributeLookupError} If it is not offered and no default is given.
   */
  extra<A>(attribute: TypedAttribute<A>): A;
  extra<A, D>(attribute: TypedAttribute<A>, defaultValue: D): A | D;
  extra(attribute: TypedAttribute<unknown>, ...defaultValue: unknown[]): unknown {
    return lookupAttribute(this.extraAttributes, attribute, defaultValue);
  }
}
