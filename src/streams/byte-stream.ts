/**
 * The byte stream types: `ByteReceiveStream`, `ByteSendStream`, `ByteStream`.
 *
 * A byte stream carries an unframed sequence of bytes: how they are cut into the chunks that
 * `receive()` returns is up to the transport, so code must not rely on it (use
 * `BufferedByteReceiveStream` to read exact sizes or up to a delimiter). End of stream is an
 * `EndOfStream` error, never an empty chunk.
 *
 * @module
 */
import { ReceiveIterator } from "./_internal/receive-iterator.js";
import { AsyncResource } from "./async-resource.js";
import type { ObjectReceiveStream, ObjectSendStream, ObjectStream } from "./object-stream.js";
import {
  type ExtraAttributes,
  lookupAttribute,
  NO_ATTRIBUTES,
  type TypedAttribute,
  type TypedAttributeProvider,
} from "./typed-attribute.js";

/**
 * A stream you receive bytes from. `for await (const chunk of stream)` receives chunks of up to
 * 65536 bytes until the end of the stream.
 *
 * @example
 * ```ts
 * import { ByteReceiveStream, EndOfStream } from "anyio-ts";
 * // A stream serving the bytes of a string, at most maxBytes at a time.
 * class StringSource extends ByteReceiveStream {
 *   #bytes: Uint8Array;
 *   constructor(text: string) {
 *     super();
 *     this.#bytes = new TextEncoder().encode(text);
 *   }
 *   async receive(maxBytes = 65536): Promise<Uint8Array> {
 *     if (this.#bytes.length === 0) throw new EndOfStream();
 *     const chunk = this.#bytes.subarray(0, maxBytes);
 *     this.#bytes = this.#bytes.subarray(chunk.length);
 *     return chunk;
 *   }
 *   async close(): Promise<void> {}
 * }
 * let text = "";
 * const decoder = new TextDecoder();
 * for await (const chunk of new StringSource("hello, world")) {
 *   text += decoder.decode(chunk, { stream: true });
 * }
 * console.assert(text === "hello, world");
 * ```
 */
export abstract class ByteReceiveStream
  extends AsyncResource
  implements TypedAttributeProvider, AsyncIterable<Uint8Array>
{
  /**
   * Receives at most `maxBytes` bytes (at least one), waiting for some if needed.
   *
   * Cancellation: a checkpoint; a cancelled receive takes nothing from the stream.
   *
   * @param maxBytes The most bytes to return. Default 65536.
   * @throws {RangeError} If `maxBytes` is not a positive integer.
   * @throws {EndOfStream} When the peer closed and nothing is left.
   * @throws {ClosedResourceError} If this side was closed.
   * @throws {BrokenResourceError} If the stream broke from outside.
   * @throws {BusyResourceError} If another task is receiving from a single-reader stream.
   * @throws {Cancelled} If the scope is cancelled.
   */
  abstract receive(maxBytes?: number): Promise<Uint8Array>;

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

  /** Receives chunks until `EndOfStream`, which ends the iteration. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return new ReceiveIterator(this);
  }
}

/**
 * A stream you send bytes into.
 *
 * @example
 * ```ts
 * import { ByteSendStream, ClosedResourceError } from "anyio-ts";
 * // A stream that counts what it is sent.
 * class Counter extends ByteSendStream {
 *   total = 0;
 *   #closed = false;
 *   async send(data: Uint8Array): Promise<void> {
 *     if (this.#closed) throw new ClosedResourceError();
 *     this.total += data.length;
 *   }
 *   async close(): Promise<void> {
 *     this.#closed = true;
 *   }
 * }
 * const counter = new Counter();
 * await counter.send(new Uint8Array(3));
 * await counter.close();
 * console.assert(counter.total === 3);
 * ```
 */
export abstract class ByteSendStream extends AsyncResource implements TypedAttributeProvider {
  /**
   * Sends all of `data`, waiting until the stream has taken it.
   *
   * Cancellation: a checkpoint before anything is sent; what happens to a send cancelled
   * half-way depends on the stream (a stream that cannot take back what it sent finishes the
   * send, or breaks).
   *
   * @throws {TypeError} If `data` is not a `Uint8Array`.
   * @throws {ClosedResourceError} If this side was closed.
   * @throws {BrokenResourceError} If the peer is gone or the transport failed.
   * @throws {BusyResourceError} If another task is sending on a single-writer stream.
   * @throws {Cancelled} If the scope is cancelled.
   */
  abstract send(data: Uint8Array): Promise<void>;

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
 * A two-way byte stream (a TCP connection, say), whose sending half can be closed on its own
 * with `sendEof()`.
 *
 * @example
 * ```ts
 * import { type ByteStream } from "anyio-ts";
 * async function request(conn: ByteStream, line: string): Promise<void> {
 *   await conn.send(new TextEncoder().encode(line));
 *   await conn.sendEof(); // the peer sees the end of the request; we can still read its reply
 * }
 * console.assert(typeof request === "function");
 * ```
 */
export abstract class ByteStream extends ByteReceiveStream implements ByteSendStream {
  /** {@inheritDoc ByteSendStream.send} */
  abstract send(data: Uint8Array): Promise<void>;

  /**
   * Closes the sending half only: the peer's `receive()` then throws `EndOfStream`, while this
   * side can still receive.
   *
   * @throws {Error} Some transports (TLS) cannot half-close.
   */
  abstract sendEof(): Promise<void>;
}

/**
 * A byte receive stream, or an object stream of byte chunks: what the wrappers accept.
 *
 * @example
 * ```ts
 * import { type AnyByteReceiveStream, createMemoryObjectStream, TextReceiveStream } from "anyio-ts";
 * const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
 * const source: AnyByteReceiveStream = receive; // chunks as objects are fine
 * const text = new TextReceiveStream(source);
 * send.sendNowait(new TextEncoder().encode("ok"));
 * console.assert((await text.receive()) === "ok");
 * await text.close();
 * send.close();
 * ```
 */
export type AnyByteReceiveStream = ByteReceiveStream | ObjectReceiveStream<Uint8Array>;
/**
 * A byte send stream, or an object stream of byte chunks: what the wrappers accept.
 *
 * @example
 * ```ts
 * import { type AnyByteSendStream, createMemoryObjectStream, TextSendStream } from "anyio-ts";
 * const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
 * const sink: AnyByteSendStream = send;
 * await new TextSendStream(sink).send("ok");
 * console.assert(receive.receiveNowait().length === 2);
 * send.close();
 * receive.close();
 * ```
 */
export type AnyByteSendStream = ByteSendStream | ObjectSendStream<Uint8Array>;
/**
 * A two-way byte stream, or a two-way object stream of byte chunks.
 *
 * @example
 * ```ts
 * import { type AnyByteStream, createMemoryObjectStream, StapledObjectStream, TextStream } from "anyio-ts";
 * const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
 * const transport: AnyByteStream = new StapledObjectStream(send, receive);
 * await using text = new TextStream(transport);
 * await text.send("echo");
 * console.assert((await text.receive()) === "echo");
 * ```
 */
export type AnyByteStream = ByteStream | ObjectStream<Uint8Array>;
