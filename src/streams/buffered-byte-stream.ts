/**
 * Buffered byte streams: `BufferedByteReceiveStream` and `BufferedByteStream`.
 *
 * A byte stream cuts its data into chunks as the transport pleases. These wrappers keep what
 * was received but not yet asked for in a buffer, so a protocol can read exactly `n` bytes or up
 * to a delimiter. They accept a byte stream or an object stream of byte chunks.
 *
 * Nothing read is ever lost: when a read is cancelled or fails half-way, what it had gathered
 * stays in the buffer for the next read.
 *
 * @module
 */
import { checkpointIfCancelled, yieldValue } from "../core/checkpoint.js";
import {
  BusyResourceError,
  ClosedResourceError,
  DelimiterNotFound,
  EndOfStream,
  IncompleteRead,
} from "../core/errors.js";
import { ByteBuffer } from "./_internal/byte-buffer.js";
import { checkBytes, checkMaxBytes, DEFAULT_MAX_BYTES, describeValue } from "./_internal/checks.js";
import {
  type AnyByteReceiveStream,
  type AnyByteStream,
  ByteReceiveStream,
  type ByteStream,
} from "./byte-stream.js";
import type { ExtraAttributes } from "./typed-attribute.js";

/**
 * Wraps a byte stream (or an object stream of byte chunks) with a buffer, adding
 * `receiveExactly()` and `receiveUntil()`. Reads are served from the buffer first. One task at
 * a time may read; the wrapper owns the wrapped stream and closes it on `close()`. Typed
 * attributes are the wrapped stream's.
 *
 * @example
 * ```ts
 * import { BufferedByteReceiveStream, createMemoryObjectStream } from "anyio-ts";
 * const [send, receive] = createMemoryObjectStream<Uint8Array>(10);
 * const encode = (s: string) => new TextEncoder().encode(s);
 * send.sendNowait(encode("HELLO 5\r\nwor"));
 * send.sendNowait(encode("ld"));
 * const stream = new BufferedByteReceiveStream(receive);
 * const line = await stream.receiveUntil(encode("\r\n"), 1024);
 * const body = await stream.receiveExactly(5);
 * console.assert(new TextDecoder().decode(line) === "HELLO 5");
 * console.assert(new TextDecoder().decode(body) === "world");
 * await stream.close();
 * send.close();
 * ```
 */
export class BufferedByteReceiveStream extends ByteReceiveStream {
  /** The wrapped stream. */
  readonly receiveStream: AnyByteReceiveStream;
  readonly #buffer = new ByteBuffer();
  #closed = false;
  #reading = false;

  /**
   * @param receiveStream The stream to read from; the wrapper owns it from now on.
   * @throws {TypeError} If `receiveStream` has no `receive()` method.
   */
  constructor(receiveStream: AnyByteReceiveStream) {
    super();
    if (typeof (receiveStream as { receive?: unknown })?.receive !== "function") {
      throw new TypeError(
        `BufferedByteReceiveStream needs a receive stream, got ${describeValue(receiveStream)}`,
      );
    }
    this.receiveStream = receiveStream;
  }

  /** A copy of the bytes received from the wrapped stream but not yet read. */
  get buffer(): Uint8Array {
    return this.#buffer.copy();
  }

  /** The wrapped stream's attributes. */
  override get extraAttributes(): ExtraAttributes {
    return this.receiveStream.extraAttributes;
  }

  /**
   * Appends `data` to the buffer: it is read before anything still pending in the wrapped
   * stream. For protocols that hand over bytes they read too far (after a TLS unwrap, say).
   *
   * @throws {TypeError} If `data` is not a `Uint8Array` or an iterable of byte values.
   * @example
   * ```ts
   * import { BufferedByteReceiveStream, createMemoryObjectStream } from "anyio-ts";
   * const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
   * const stream = new BufferedByteReceiveStream(receive);
   * stream.feedData([120, 121]);
   * console.assert((await stream.receiveExactly(2)).join() === "120,121");
   * await stream.close();
   * send.close();
   * ```
   */
  feedData(data: Uint8Array | Iterable<number>): void {
    if (data instanceof Uint8Array) this.#buffer.append(data);
    else if (data !== null && typeof (data as Iterable<number>)?.[Symbol.iterator] === "function") {
      this.#buffer.append(Uint8Array.from(data));
    } else {
      throw new TypeError(
        `feedData() needs a Uint8Array or an iterable of bytes, got ${describeValue(data)}`,
      );
    }
  }

  /**
   * Receives at most `maxBytes` bytes: from the buffer if it holds any, else from the wrapped
   * stream (keeping in the buffer whatever an object stream's chunk has beyond `maxBytes`).
   *
   * Cancellation: a checkpoint; a cancelled receive takes nothing.
   *
   * @throws {RangeError} If `maxBytes` is not a positive integer.
   * @throws {ClosedResourceError} If this stream was closed.
   * @throws {BusyResourceError} If another task is reading from this stream.
   * @throws {EndOfStream} When the wrapped stream ended and the buffer is empty.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { BufferedByteReceiveStream, createMemoryObjectStream } from "anyio-ts";
   * const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
   * send.sendNowait(new Uint8Array([1, 2, 3, 4]));
   * const stream = new BufferedByteReceiveStream(receive);
   * console.assert((await stream.receive(3)).length === 3); // the 4th byte stays buffered
   * console.assert(stream.buffer.length === 1);
   * await stream.close();
   * send.close();
   * ```
   */
  async receive(maxBytes: number = DEFAULT_MAX_BYTES): Promise<Uint8Array> {
    checkMaxBytes(maxBytes);
    this.#enter();
    try {
      const buffer = this.#buffer;
      if (buffer.length > 0) {
        checkpointIfCancelled();
        return await yieldValue(buffer.take(maxBytes));
      }
      const chunk = await this.#read(maxBytes);
      if (chunk.length <= maxBytes) return chunk;
      buffer.append(chunk.subarray(maxBytes));
      return chunk.subarray(0, maxBytes);
    } finally {
      this.#reading = false;
    }
  }

  /**
   * Receives exactly `nbytes` bytes, reading from the wrapped stream as often as needed.
   *
   * Cancellation: a checkpoint; when cancelled half-way, the bytes gathered so far stay in the
   * buffer.
   *
   * @throws {RangeError} If `nbytes` is not a non-negative integer.
   * @throws {IncompleteRead} If the wrapped stream ends first (what was read stays buffered).
   * @throws {ClosedResourceError} If this stream was closed.
   * @throws {BusyResourceError} If another task is reading from this stream.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { BufferedByteReceiveStream, createMemoryObjectStream } from "anyio-ts";
   * const [send, receive] = createMemoryObjectStream<Uint8Array>(2);
   * send.sendNowait(new Uint8Array([0, 0]));
   * send.sendNowait(new Uint8Array([0, 42, 7]));
   * const stream = new BufferedByteReceiveStream(receive);
   * const header = await stream.receiveExactly(4); // spans both chunks
   * console.assert(new DataView(header.buffer).getUint32(0) === 42);
   * await stream.close();
   * send.close();
   * ```
   */
  async receiveExactly(nbytes: number): Promise<Uint8Array> {
    if (typeof nbytes !== "number" || !Number.isInteger(nbytes) || nbytes < 0) {
      const error = typeof nbytes === "number" ? RangeError : TypeError;
      throw new error(`nbytes must be a non-negative integer, got ${describeValue(nbytes)}`);
    }
    this.#enter();
    try {
      const buffer = this.#buffer;
      if (buffer.length >= nbytes) {
        checkpointIfCancelled();
        return await yieldValue(buffer.take(nbytes));
      }
      while (buffer.length < nbytes)
        buffer.append(await this.#readOrIncomplete(nbytes - buffer.length));
      return buffer.take(nbytes);
    } finally {
      this.#reading = false;
    }
  }

  /**
   * Receives the bytes before the next `delimiter`, and consumes the delimiter.
   *
   * Cancellation: a checkpoint; when cancelled half-way, what was read stays in the buffer.
   *
   * @param delimiter The bytes that end the part to return (not empty).
   * @param maxBytes How many bytes may be buffered while looking for the delimiter.
   * @throws {TypeError} If `delimiter` is not a `Uint8Array`.
   * @throws {RangeError} If `delimiter` is empty or `maxBytes` is not a positive integer.
   * @throws {DelimiterNotFound} If `maxBytes` bytes were buffered without the delimiter.
   * @throws {IncompleteRead} If the wrapped stream ends first (what was read stays buffered).
   * @throws {ClosedResourceError} If this stream was closed.
   * @throws {BusyResourceError} If another task is reading from this stream.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { BufferedByteReceiveStream, createMemoryObjectStream } from "anyio-ts";
   * const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
   * send.sendNowait(new TextEncoder().encode("one\ntwo\n"));
   * const stream = new BufferedByteReceiveStream(receive);
   * const newline = new TextEncoder().encode("\n");
   * const decode = (b: Uint8Array) => new TextDecoder().decode(b);
   * console.assert(decode(await stream.receiveUntil(newline, 100)) === "one");
   * console.assert(decode(await stream.receiveUntil(newline, 100)) === "two");
   * await stream.close();
   * send.close();
   * ```
   */
  async receiveUntil(delimiter: Uint8Array, maxBytes: number): Promise<Uint8Array> {
    checkBytes(delimiter, "delimiter");
    if (delimiter.length === 0) throw new RangeError("delimiter must not be empty");
    checkMaxBytes(maxBytes);
    this.#enter();
    try {
      const buffer = this.#buffer;
      let offset = 0;
      let read = false;
      for (;;) {
        const index = buffer.indexOf(delimiter, offset);
        if (index >= 0) {
          if (!read) checkpointIfCancelled();
          const found = buffer.take(index);
          buffer.skip(delimiter.length);
          return read ? found : await yieldValue(found);
        }
        if (buffer.length >= maxBytes) throw new DelimiterNotFound(maxBytes);
        const chunk = await this.#readOrIncomplete(DEFAULT_MAX_BYTES);
        read = true;
        offset = Math.max(buffer.length - delimiter.length + 1, 0);
        buffer.append(chunk);
      }
    } finally {
      this.#reading = false;
    }
  }

  /**
   * Closes this stream and the wrapped one; a read waiting on the wrapped stream fails with
   * `ClosedResourceError`. Idempotent. Buffered bytes are dropped.
   *
   * Cancellation: as the wrapped stream's `close()`.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.receiveStream.close();
  }

  #enter(): void {
    if (this.#closed) throw new ClosedResourceError();
    if (this.#reading) throw new BusyResourceError("reading from");
    this.#reading = true;
  }

  /** One non-empty chunk from the wrapped stream. */
  async #read(maxBytes: number): Promise<Uint8Array> {
    for (;;) {
      const chunk = await (this.receiveStream as ByteReceiveStream).receive(maxBytes);
      if (chunk.length > 0) return chunk;
    }
  }

  async #readOrIncomplete(maxBytes: number): Promise<Uint8Array> {
    try {
      return await this.#read(maxBytes);
    } catch (error) {
      if (error instanceof EndOfStream) throw new IncompleteRead();
      throw error;
    }
  }
}

/**
 * A {@link BufferedByteReceiveStream} over a two-way stream, passing `send()` and `sendEof()`
 * through to it.
 *
 * @example
 * ```ts
 * import { BufferedByteStream, createMemoryObjectStream, StapledObjectStream } from "anyio-ts";
 * const [send, receive] = createMemoryObjectStream<Uint8Array>(10);
 * const loop = new BufferedByteStream(new StapledObjectStream(send, receive));
 * await loop.send(new TextEncoder().encode("ping\n"));
 * const line = await loop.receiveUntil(new TextEncoder().encode("\n"), 64);
 * console.assert(new TextDecoder().decode(line) === "ping");
 * await loop.close();
 * ```
 */
export class BufferedByteStream extends BufferedByteReceiveStream implements ByteStream {
  /** The wrapped two-way stream. */
  readonly stream: AnyByteStream;

  /**
   * @param stream The two-way stream to wrap; the wrapper owns it from now on.
   * @throws {TypeError} If `stream` has no `receive()` method.
   */
  constructor(stream: AnyByteStream) {
    super(stream);
    this.stream = stream;
  }

  /**
   * Sends `data` on the wrapped stream.
   *
   * Cancellation: as the wrapped stream's `send()`.
   * @throws {TypeError} If `data` is not a `Uint8Array`.
   * @throws {ClosedResourceError} If the wrapped stream's sending side was closed.
   * @throws {BrokenResourceError} If the peer is gone.
   */
  async send(data: Uint8Array): Promise<void> {
    checkBytes(data);
    await this.stream.send(data);
  }

  /**
   * Closes the wrapped stream's sending half.
   *
   * Cancellation: as the wrapped stream's `sendEof()`.
   */
  async sendEof(): Promise<void> {
    await this.stream.sendEof();
  }
}
