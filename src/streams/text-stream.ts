/**
 * Text streams: `TextReceiveStream`, `TextSendStream`, `TextStream`.
 *
 * Strings over a byte stream. Decoding is incremental (`TextDecoder` with `stream: true`): a
 * character whose bytes are split across two chunks comes out once it is complete, and a
 * receive never returns `""`. Encoding is UTF-8 (`TextEncoder`).
 *
 * @module
 */
import { checkpointIfCancelled } from "../core/checkpoint.js";
import { EndOfStream } from "../core/errors.js";
import { describeValue } from "./_internal/checks.js";
import type { AnyByteReceiveStream, AnyByteSendStream, AnyByteStream } from "./byte-stream.js";
import { ObjectReceiveStream, ObjectSendStream, ObjectStream } from "./object-stream.js";
import type { ExtraAttributes } from "./typed-attribute.js";

/**
 * What to do with bytes that are not valid in the encoding (when receiving) or characters that
 * cannot be encoded (lone surrogates, when sending): `"strict"` throws a `TypeError`;
 * `"replace"` puts U+FFFD in their place when decoding and `"?"` when encoding.
 *
 * @example
 * ```ts
 * import { createMemoryObjectStream, type TextErrors, TextReceiveStream } from "anyio-ts";
 * const errors: TextErrors = "replace";
 * const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
 * send.sendNowait(new Uint8Array([0x61, 0xff]));
 * const text = new TextReceiveStream(receive, { errors });
 * console.assert((await text.receive()) === "a\uFFFD");
 * await text.close();
 * send.close();
 * ```
 */
export type TextErrors = "strict" | "replace";

/**
 * Options of {@link TextReceiveStream} and {@link TextStream}.
 *
 * @example
 * ```ts
 * import { createMemoryObjectStream, TextReceiveStream, type TextReceiveStreamOptions } from "anyio-ts";
 * const options: TextReceiveStreamOptions = { encoding: "utf-16le", errors: "strict" };
 * const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
 * send.sendNowait(new Uint8Array([0x68, 0x00]));
 * const text = new TextReceiveStream(receive, options);
 * console.assert((await text.receive()) === "h");
 * await text.close();
 * send.close();
 * ```
 */
export interface TextReceiveStreamOptions {
  /**
   * The encoding of the bytes, any label `TextDecoder` knows.
   * @default "utf-8"
   */
  encoding?: string;
  /**
   * How to handle invalid bytes.
   * @default "strict"
   */
  errors?: TextErrors;
}

/**
 * Options of {@link TextSendStream}.
 *
 * @example
 * ```ts
 * import { createMemoryObjectStream, TextSendStream, type TextSendStreamOptions } from "anyio-ts";
 * const options: TextSendStreamOptions = { errors: "replace" };
 * const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
 * await new TextSendStream(send, options).send("\uD800");
 * console.assert(new TextDecoder().decode(receive.receiveNowait()) === "?");
 * send.close();
 * receive.close();
 * ```
 */
export interface TextSendStreamOptions {
  /**
   * The encoding to send: only UTF-8 (what `TextEncoder` writes).
   * @default "utf-8"
   */
  encoding?: "utf-8" | "utf8";
  /**
   * How to handle lone surrogates, which UTF-8 cannot encode.
   * @default "strict"
   */
  errors?: TextErrors;
}

function checkErrors(errors: unknown): TextErrors {
  if (errors === undefined) return "strict";
  if (errors !== "strict" && errors !== "replace") {
    throw new RangeError(`errors must be "strict" or "replace", got ${describeValue(errors)}`);
  }
  return errors;
}

/**
 * Decodes the chunks of a byte stream (or an object stream of byte chunks) into strings. The
 * wrapper owns the wrapped stream and closes it on `close()`; typed attributes are the wrapped
 * stream's.
 *
 * @example
 * ```ts
 * import { createMemoryObjectStream, TextReceiveStream } from "anyio-ts";
 * const [send, receive] = createMemoryObjectStream<Uint8Array>(2);
 * const bytes = new TextEncoder().encode("é"); // two bytes
 * send.sendNowait(bytes.subarray(0, 1));
 * send.sendNowait(bytes.subarray(1));
 * send.close();
 * const text = new TextReceiveStream(receive);
 * console.assert((await text.receive()) === "é"); // held back until complete
 * await text.close();
 * ```
 */
export class TextReceiveStream extends ObjectReceiveStream<string> {
  /** The wrapped byte stream. */
  readonly transportStream: AnyByteReceiveStream;
  readonly #decoder: InstanceType<typeof TextDecoder>;

  /**
   * @param transportStream The stream to decode; the wrapper owns it from now on.
   * @throws {TypeError} If `transportStream` has no `receive()` method.
   * @throws {RangeError} If the encoding is unknown or `errors` is not a known handler.
   */
  constructor(transportStream: AnyByteReceiveStream, options: TextReceiveStreamOptions = {}) {
    super();
    if (typeof (transportStream as { receive?: unknown })?.receive !== "function") {
      throw new TypeError(
        `TextReceiveStream needs a byte receive stream, got ${describeValue(transportStream)}`,
      );
    }
    const errors = checkErrors(options.errors);
    this.transportStream = transportStream;
    this.#decoder = new TextDecoder(options.encoding ?? "utf-8", { fatal: errors === "strict" });
  }

  /** The encoding, as `TextDecoder` names it ("utf-8", "utf-16le"...). */
  get encoding(): string {
    return this.#decoder.encoding;
  }

  /** The wrapped stream's attributes. */
  override get extraAttributes(): ExtraAttributes {
    return this.transportStream.extraAttributes;
  }

  /**
   * Receives the next piece of text: at least one character, decoded from as many chunks as it
   * takes. At the end of the stream, bytes of an incomplete character are an error (or U+FFFD
   * with `errors: "replace"`).
   *
   * Cancellation: a checkpoint; bytes already read stay in the decoder for the next receive.
   *
   * @throws {TypeError} If the bytes are not valid in the encoding and `errors` is `"strict"`.
   * @throws {EndOfStream} When the wrapped stream has ended.
   * @throws {ClosedResourceError} If the wrapped stream was closed.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { createMemoryObjectStream, TextReceiveStream } from "anyio-ts";
   * const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
   * send.sendNowait(new Uint8Array([0x68, 0x69]));
   * const text = new TextReceiveStream(receive);
   * console.assert((await text.receive()) === "hi");
   * await text.close();
   * send.close();
   * ```
   */
  async receive(): Promise<string> {
    for (;;) {
      let chunk: Uint8Array;
      try {
        chunk = await (this.transportStream as ObjectReceiveStream<Uint8Array>).receive();
      } catch (error) {
        if (error instanceof EndOfStream) {
          const rest = this.#decode(undefined);
          if (rest.length > 0) return rest;
        }
        throw error;
      }
      const text = this.#decode(chunk);
      if (text.length > 0) return text;
    }
  }

  /**
   * Closes the wrapped stream. Idempotent.
   *
   * Cancellation: as the wrapped stream's `close()`.
   */
  async close(): Promise<void> {
    await this.transportStream.close();
  }

  /** Decodes `chunk` (the end of the stream if `undefined`). */
  #decode(chunk: Uint8Array | undefined): string {
    try {
      return chunk === undefined
        ? this.#decoder.decode()
        : this.#decoder.decode(chunk, { stream: true });
    } catch (error) {
      throw new TypeError(`The stream's bytes are not valid ${this.#decoder.encoding}`, {
        cause: error,
      });
    }
  }
}

// A lone surrogate: a high one not followed by a low one, or a low one not preceded by a high.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Encodes strings to UTF-8 and sends them on a byte stream (or an object stream of byte
 * chunks). The wrapper owns the wrapped stream and closes it on `close()`.
 *
 * @example
 * ```ts
 * import { createMemoryObjectStream, TextSendStream } from "anyio-ts";
 * const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
 * const text = new TextSendStream(send);
 * await text.send("hé");
 * console.assert(receive.receiveNowait().length === 3);
 * await text.close();
 * receive.close();
 * ```
 */
export class TextSendStream extends ObjectSendStream<string> {
  /** The wrapped byte stream. */
  readonly transportStream: AnyByteSendStream;
  readonly #encoder = new TextEncoder();
  readonly #errors: TextErrors;

  /**
   * @param transportStream The stream to send on; the wrapper owns it from now on.
   * @throws {TypeError} If `transportStream` has no `send()` method.
   * @throws {RangeError} If the encoding is not UTF-8 or `errors` is not a known handler.
   */
  constructor(transportStream: AnyByteSendStream, options: TextSendStreamOptions = {}) {
    super();
    if (typeof (transportStream as { send?: unknown })?.send !== "function") {
      throw new TypeError(
        `TextSendStream needs a byte send stream, got ${describeValue(transportStream)}`,
      );
    }
    const encoding = options.encoding ?? "utf-8";
    if (String(encoding).toLowerCase().replace("-", "") !== "utf8") {
      throw new RangeError(`TextSendStream only encodes utf-8, got ${describeValue(encoding)}`);
    }
    this.#errors = checkErrors(options.errors);
    this.transportStream = transportStream;
  }

  /** The wrapped stream's attributes. */
  override get extraAttributes(): ExtraAttributes {
    return this.transportStream.extraAttributes;
  }

  /**
   * Encodes `text` and sends the bytes. Sending `""` sends nothing but is still a checkpoint.
   *
   * Cancellation: as the wrapped stream's `send()`.
   *
   * @throws {TypeError} If `text` is not a string, or holds a lone surrogate and `errors` is
   *   `"strict"`.
   * @throws {ClosedResourceError} If the wrapped stream was closed.
   * @throws {BrokenResourceError} If the peer is gone.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { createMemoryObjectStream, TextSendStream } from "anyio-ts";
   * const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
   * const text = new TextSendStream(send, { errors: "replace" });
   * await text.send("a\uD800b"); // a lone surrogate becomes "?"
   * console.assert(new TextDecoder().decode(receive.receiveNowait()) === "a?b");
   * await text.close();
   * receive.close();
   * ```
   */
  async send(text: string): Promise<void> {
    if (typeof text !== "string") {
      throw new TypeError(`TextSendStream.send() needs a string, got ${describeValue(text)}`);
    }
    LONE_SURROGATE.lastIndex = 0;
    if (LONE_SURROGATE.test(text)) {
      if (this.#errors === "strict") {
        throw new TypeError(
          `Cannot encode a lone surrogate to utf-8 (at index ${LONE_SURROGATE.lastIndex - 1})`,
        );
      }
      text = text.replace(LONE_SURROGATE, "?");
    }
    if (text.length === 0) {
      checkpointIfCancelled();
      return;
    }
    await (this.transportStream as ObjectSendStream<Uint8Array>).send(this.#encoder.encode(text));
  }

  /**
   * Closes the wrapped stream. Idempotent.
   *
   * Cancellation: as the wrapped stream's `close()`.
   */
  async close(): Promise<void> {
    await this.transportStream.close();
  }
}

/**
 * Two-way text over a two-way byte stream: decoding as {@link TextReceiveStream}, encoding as
 * {@link TextSendStream}. The wrapper owns the wrapped stream.
 *
 * @example
 * ```ts
 * import { createMemoryObjectStream, StapledObjectStream, TextStream } from "anyio-ts";
 * const [send, receive] = createMemoryObjectStream<Uint8Array>(10);
 * const loop = new TextStream(new StapledObjectStream(send, receive));
 * await loop.send("héllo");
 * console.assert((await loop.receive()) === "héllo");
 * await loop.close();
 * ```
 */
export class TextStream extends ObjectStream<string> {
  /** The wrapped byte stream. */
  readonly transportStream: AnyByteStream;
  readonly #receiver: TextReceiveStream;
  readonly #sender: TextSendStream;

  /**
   * @param transportStream The two-way stream to wrap; the wrapper owns it from now on.
   * @throws {TypeError} If `transportStream` lacks `send()` or `receive()`.
   * @throws {RangeError} If the encoding is unknown or `errors` is not a known handler.
   */
  constructor(transportStream: AnyByteStream, options: TextReceiveStreamOptions = {}) {
    super();
    this.#receiver = new TextReceiveStream(transportStream, options);
    this.#sender = new TextSendStream(transportStream, {
      ...(options.errors === undefined ? {} : { errors: options.errors }),
    });
    this.transportStream = transportStream;
  }

  /** The decoding side's encoding, as `TextDecoder` names it. */
  get encoding(): string {
    return this.#receiver.encoding;
  }

  /** The wrapped stream's attributes. */
  override get extraAttributes(): ExtraAttributes {
    return this.transportStream.extraAttributes;
  }

  /**
   * Receives the next piece of text, as {@link TextReceiveStream.receive}.
   *
   * Cancellation: a checkpoint; bytes already read stay in the decoder.
   * @throws {TypeError} If the bytes are not valid and `errors` is `"strict"`.
   * @throws {EndOfStream} When the peer closed its sending side.
   * @throws {ClosedResourceError} If the stream was closed.
   * @throws {Cancelled} If the scope is cancelled.
   */
  receive(): Promise<string> {
    return this.#receiver.receive();
  }

  /**
   * Encodes and sends `text`, as {@link TextSendStream.send}.
   *
   * Cancellation: as the wrapped stream's `send()`.
   * @throws {TypeError} If `text` is not a string or cannot be encoded under `"strict"`.
   * @throws {ClosedResourceError} If the sending side was closed.
   * @throws {BrokenResourceError} If the peer is gone.
   * @throws {Cancelled} If the scope is cancelled.
   */
  send(text: string): Promise<void> {
    return this.#sender.send(text);
  }

  /**
   * Closes the wrapped stream's sending half.
   *
   * Cancellation: as the wrapped stream's `sendEof()`.
   */
  async sendEof(): Promise<void> {
    await this.transportStream.sendEof();
  }

  /**
   * Closes the wrapped stream. Idempotent.
   *
   * Cancellation: as the wrapped stream's `close()`.
   */
  async close(): Promise<void> {
    await this.transportStream.close();
  }
}
