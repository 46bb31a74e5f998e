/**
 * The object stream types: `ObjectReceiveStream`, `ObjectSendStream`, `ObjectStream`, and the
 * unreliable ones they extend (`UnreliableObjectReceiveStream`...), whose items may be lost,
 * reordered or duplicated in transit (UDP datagrams).
 *
 * Abstract classes, as AnyIO's `anyio.abc`: extend one to get typed attributes,
 * `await using` and async iteration for free, or `implements` it to describe a stream of your
 * own shape. See docs/streams.md.
 *
 * @module
 */
import { ReceiveIterator } from "./_internal/receive-iterator.js";
import { AsyncResource } from "./async-resource.js";
import {
  type ExtraAttributes,
  lookupAttribute,
  NO_ATTRIBUTES,
  type TypedAttribute,
  type TypedAttributeProvider,
} from "./typed-attribute.js";

/**
 * A stream you receive objects from, where items may have been lost, reordered or duplicated
 * in transit (a UDP socket). `receive()` and `for await` work as for
 * {@link ObjectReceiveStream}, which extends this class and promises reliable delivery.
 *
 * @example
 * ```ts
 * import { createMemoryObjectStream, type UnreliableObjectReceiveStream } from "anyio-ts";
 * async function firstTwo<T>(stream: UnreliableObjectReceiveStream<T>): Promise<T[]> {
 *   return [await stream.receive(), await stream.receive()];
 * }
 * const [send, receive] = createMemoryObjectStream<string>(2); // reliable streams fit too
 * send.sendNowait("a");
 * send.sendNowait("b");
 * console.assert((await firstTwo(receive)).join() === "a,b");
 * send.close();
 * receive.close();
 * ```
 */
export abstract class UnreliableObjectReceiveStream<T>
  extends AsyncResource
  implements TypedAttributeProvider, AsyncIterable<T>
{
  /**
   * Receives the next item, waiting for one if needed.
   *
   * Cancellation: a checkpoint; a cancelled receive takes nothing from the stream.
   *
   * @throws {EndOfStream} When the sending side closed and nothing is left.
   * @throws {ClosedResourceError} If this side was closed.
   * @throws {BrokenResourceError} If the stream broke from outside.
   * @throws {Cancelled} If the scope is cancelled.
   */
  abstract receive(): Promise<T>;

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

  /** Receives until `EndOfStream`, which ends the iteration; other errors propagate. */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return new ReceiveIterator(this);
  }
}

/**
 * A stream you receive objects from, one `receive()` at a time, until it throws `EndOfStream`.
 * `for await (const item of stream)` receives until the end of the stream (breaking out of the
 * loop does not close the stream).
 *
 * @example
 * ```ts
 * import { createMemoryObjectStream, type ObjectReceiveStream } from "anyio-ts";
 * async function sum(stream: ObjectReceiveStream<number>): Promise<number> {
 *   let total = 0;
 *   for await (const n of stream) total += n;
 *   return total;
 * }
 * const [send, receive] = createMemoryObjectStream<number>(10);
 * send.sendNowait(1);
 * send.sendNowait(2);
 * send.close();
 * console.assert((await sum(receive)) === 3);
 * receive.close();
 * ```
 */
export abstract class ObjectReceiveStream<T> extends UnreliableObjectReceiveStream<T> {}

/**
 * A stream you send objects into, with no promise that they arrive, arrive once or arrive in
 * order (a UDP socket). {@link ObjectSendStream} extends it and promises reliable delivery.
 *
 * @example
 * ```ts
 * import { createMemoryObjectStream, type UnreliableObjectSendStream } from "anyio-ts";
 * async function ping(stream: UnreliableObjectSendStream<string>): Promise<void> {
 *   await stream.send("ping"); // may be lost on the way: the protocol must cope
 * }
 * const [send, receive] = createMemoryObjectStream<string>(1);
 * await ping(send);
 * console.assert(receive.receiveNowait() === "ping");
 * send.close();
 * receive.close();
 * ```
 */
export abstract class UnreliableObjectSendStream<T>
  extends AsyncResource
  implements TypedAttributeProvider
{
  /**
   * Sends `item`, waiting until the stream can take it.
   *
   * Cancellation: a checkpoint; a cancelled send delivers nothing.
   *
   * @throws {ClosedResourceError} If this side was closed.
   * @throws {BrokenResourceError} If the receiving side is gone.
   * @throws {Cancelled} If the scope is cancelled.
   */
  abstract send(item: T): Promise<void>;

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

/**
 * A stream you send objects into.
 *
 * @example
 * ```ts
 * import { createMemoryObjectStream, type ObjectSendStream } from "anyio-ts";
 * async function countTo(n: number, stream: ObjectSendStream<number>): Promise<void> {
 *   for (let i = 1; i <= n; i++) await stream.send(i);
 * }
 * const [send, receive] = createMemoryObjectStream<number>(Infinity);
 * await countTo(3, send);
 * console.assert(receive.statistics().currentBufferUsed === 3);
 * send.close();
 * receive.close();
 * ```
 */
export abstract class ObjectSendStream<T> extends UnreliableObjectSendStream<T> {}

/**
 * A two-way object stream whose items may be lost, reordered or duplicated (a UDP socket):
 * `receive()` and `send()`, and no `sendEof()`.
 *
 * @example
 * ```ts
 * import { type UnreliableObjectStream } from "anyio-ts";
 * async function echoOnce<T>(stream: UnreliableObjectStream<T>): Promise<void> {
 *   await stream.send(await stream.receive());
 * }
 * console.assert(typeof echoOnce === "function");
 * ```
 */
export abstract class UnreliableObjectStream<T>
  extends UnreliableObjectReceiveStream<T>
  implements UnreliableObjectSendStream<T>
{
  /** {@inheritDoc UnreliableObjectSendStream.send} */
  abstract send(item: T): Promise<void>;
}

/**
 * A two-way object stream, whose sending half can be closed on its own with `sendEof()`.
 *
 * @example
 * ```ts
 * import { EndOfStream, ObjectStream } from "anyio-ts";
 * // A request/response exchange over any two-way object stream...
 * async function ask(conn: ObjectStream<string>, question: string): Promise<string> {
 *   await conn.send(question);
 *   await conn.sendEof(); // no more questions; the answer can still come back
 *   return await conn.receive();
 * }
 * // ...here over an echo: what is sent comes back.
 * class Echo extends ObjectStream<string> {
 *   readonly #queue: string[] = [];
 *   async send(item: string): Promise<void> {
 *     this.#queue.push(item);
 *   }
 *   async sendEof(): Promise<void> {}
 *   async receive(): Promise<string> {
 *     const item = this.#queue.shift();
 *     if (item === undefined) throw new EndOfStream();
 *     return item;
 *   }
 *   async close(): Promise<void> {}
 * }
 * console.assert((await ask(new Echo(), "ping")) === "ping");
 * ```
 */
export abstract class ObjectStream<T>
  extends ObjectReceiveStream<T>
  implements ObjectSendStream<T>
{
  /** {@inheritDoc ObjectSendStream.send} */
  abstract send(item: T): Promise<void>;

  /**
   * Closes the sending half only: the peer's `receive()` then throws `EndOfStream`, while this
   * side can still receive.
   */
  abstract sendEof(): Promise<void>;
}
