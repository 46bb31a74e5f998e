/**
 * Stapled streams: `StapledByteStream` and `StapledObjectStream` join a send stream and a
 * receive stream into one two-way stream.
 *
 * @module
 */
import { checkBytes, checkMaxBytes, DEFAULT_MAX_BYTES, describeValue } from "./_internal/checks.js";
import { type ByteReceiveStream, type ByteSendStream, ByteStream } from "./byte-stream.js";
import { type ObjectReceiveStream, type ObjectSendStream, ObjectStream } from "./object-stream.js";
import type { ExtraAttributes } from "./typed-attribute.js";

function check(stream: unknown, method: string, what: string): void {
  if (typeof (stream as Record<string, unknown>)?.[method] !== "function") {
    throw new TypeError(`${what} needs a stream with ${method}(), got ${describeValue(stream)}`);
  }
}

/** Merges two attribute maps; the second one wins where both have an attribute. */
function merge(first: ExtraAttributes, second: ExtraAttributes): ExtraAttributes {
  if (first.size === 0) return second;
  if (second.size === 0) return first;
  return new Map([...first, ...second]);
}

/** Closes `first`, then `second` even if closing `first` failed. */
async function closeBoth(first: { close(): Promise<void> }, second: { close(): Promise<void> }) {
  try {
    await first.close();
  } finally {
    await second.close();
  }
}

/**
 * A two-way byte stream made of a send stream and a receive stream (the stdin and stdout of a
 * process, say). `sendEof()` closes the send stream; `close()` closes both. Typed attributes
 * are both streams', the receive stream's winning where both have one.
 *
 * @example
 * ```ts
 * import { BufferedByteReceiveStream, createMemoryObjectStream, StapledByteStream } from "anyio-ts";
 * const [send, receive] = createMemoryObjectStream<Uint8Array>(10);
 * const loop = new StapledByteStream(send, new BufferedByteReceiveStream(receive));
 * await loop.send(new Uint8Array([1, 2, 3]));
 * console.assert((await loop.receive(2)).length === 2);
 * await loop.close();
 * ```
 */
export class StapledByteStream extends ByteStream {
  /** The stream `send()` writes to. */
  readonly sendStream: ByteSendStream;
  /** The stream `receive()` reads from. */
  readonly receiveStream: ByteReceiveStream;

  /**
   * @param sendStream Where to send; the stapled stream owns it from now on.
   * @param receiveStream Where to receive from; the stapled stream owns it from now on.
   * @throws {TypeError} If either argument lacks its method.
   */
  constructor(sendStream: ByteSendStream, receiveStream: ByteReceiveStream) {
    super();
    check(sendStream, "send", "StapledByteStream");
    check(receiveStream, "receive", "StapledByteStream");
    this.sendStream = sendStream;
    this.receiveStream = receiveStream;
  }

  /** Both streams' attributes; the receive stream's win. */
  override get extraAttributes(): ExtraAttributes {
    return merge(this.sendStream.extraAttributes, this.receiveStream.extraAttributes);
  }

  /**
   * Receives at most `maxBytes` bytes from the receive stream.
   *
   * Cancellation: as the receive stream's `receive()`.
   * @throws {RangeError} If `maxBytes` is not a positive integer.
   * @throws {EndOfStream} When the receive stream has ended.
   * @throws {ClosedResourceError} If the receive stream was closed.
   * @throws {Cancelled} If the scope is cancelled.
   */
  async receive(maxBytes: number = DEFAULT_MAX_BYTES): Promise<Uint8Array> {
    checkMaxBytes(maxBytes);
    return await this.receiveStream.receive(maxBytes);
  }

  /**
   * Sends `data` on the send stream.
   *
   * Cancellation: as the send stream's `send()`.
   * @throws {TypeError} If `data` is not a `Uint8Array`.
   * @throws {ClosedResourceError} If the send stream was closed (by `sendEof()` too).
   * @throws {BrokenResourceError} If the peer is gone.
   * @throws {Cancelled} If the scope is cancelled.
   */
  async send(data: Uint8Array): Promise<void> {
    checkBytes(data);
    await this.sendStream.send(data);
  }

  /**
   * Closes the send stream only; receiving goes on.
   *
   * Cancellation: as the send stream's `close()`.
   */
  sendEof(): Promise<void> {
    return this.sendStream.close();
  }

  /**
   * Closes the send stream, then the receive stream (even if the first close failed).
   *
   * Cancellation: as the streams' `close()`.
   */
  close(): Promise<void> {
    return closeBoth(this.sendStream, this.receiveStream);
  }
}

/**
 * A two-way object stream made of a send stream and a receive stream. `sendEof()` closes the
 * send stream; `close()` closes both. Typed attributes are both streams', the receive stream's
 * winning where both have one.
 *
 * @example
 * ```ts
 * import { createMemoryObjectStream, StapledObjectStream } from "anyio-ts";
 * const [toServer, serverInbox] = createMemoryObjectStream<string>(5);
 * const [toClient, clientInbox] = createMemoryObjectStream<string>(5);
 * const client = new StapledObjectStream(toServer, clientInbox);
 * const server = new StapledObjectStream(toClient, serverInbox);
 * await client.send("ping");
 * await server.send((await server.receive()) === "ping" ? "pong" : "?");
 * console.assert((await client.receive()) === "pong");
 * await client.close();
 * await server.close();
 * ```
 */
export class StapledObjectStream<T> extends ObjectStream<T> {
  /** The stream `send()` writes to. */
  readonly sendStream: ObjectSendStream<T>;
  /** The stream `receive()` reads from. */
  readonly receiveStream: ObjectReceiveStream<T>;

  /**
   * @param sendStream Where to send; the stapled stream owns it from now on.
   * @param receiveStream Where to receive from; the stapled stream owns it from now on.
   * @throws {TypeError} If either argument lacks its method.
   */
  constructor(sendStream: ObjectSendStream<T>, receiveStream: ObjectReceiveStream<T>) {
    super();
    check(sendStream, "send", "StapledObjectStream");
    check(receiveStream, "receive", "StapledObjectStream");
    this.sendStream = sendStream;
    this.receiveStream = receiveStream;
  }

  /** Both streams' attributes; the receive stream's win. */
  override get extraAttributes(): ExtraAttributes {
    return merge(this.sendStream.extraAttributes, this.receiveStream.extraAttributes);
  }

  /**
   * Receives the next item from the receive stream.
   *
   * Cancellation: as the receive stream's `receive()`.
   * @throws {EndOfStream} When the receive stream has ended.
   * @throws {ClosedResourceError} If the receive stream was closed.
   * @throws {Cancelled} If the scope is cancelled.
   */
  receive(): Promise<T> {
    return this.receiveStream.receive();
  }

  /**
   * Sends `item` on the send stream.
   *
   * Cancellation: as the send stream's `send()`.
   * @throws {ClosedResourceError} If the send stream was closed (by `sendEof()` too).
   * @throws {BrokenResourceError} If the peer is gone.
   * @throws {Cancelled} If the scope is cancelled.
   */
  send(item: T): Promise<void> {
    return this.sendStream.send(item);
  }

  /**
   * Sends `item` without waiting, if the send stream can (a memory object stream can).
   *
   * @throws {TypeError} If the send stream has no `sendNowait()`.
   * @throws {WouldBlock} If the send stream would have to wait.
   * @throws Whatever the send stream's `sendNowait()` throws.
   * @example
   * ```ts
   * import { createMemoryObjectStream, StapledObjectStream } from "anyio-ts";
   * const [send, receive] = createMemoryObjectStream<number>(1);
   * const loop = new StapledObjectStream(send, receive);
   * loop.sendNowait(1);
   * console.assert(receive.receiveNowait() === 1);
   * await loop.close();
   * ```
   */
  sendNowait(item: T): void {
    const stream = this.sendStream as ObjectSendStream<T> & { sendNowait?: (item: T) => void };
    if (typeof stream.sendNowait !== "function") {
      throw new TypeError(
        `The send stream (${describeValue(stream)}) of this StapledObjectStream has no sendNowait()`,
      );
    }
    stream.sendNowait(item);
  }

  /**
   * Closes the send stream only; receiving goes on.
   *
   * Cancellation: as the send stream's `close()`.
   */
  sendEof(): Promise<void> {
    return this.sendStream.close();
  }

  /**
   * Closes the send stream, then the receive stream (even if the first close failed).
   *
   * Cancellation: as the streams' `close()`.
   */
  close(): Promise<void> {
    return closeBoth(this.sendStream, this.receiveStream);
  }
}
