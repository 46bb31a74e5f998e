/**
 * `TLSStream`: TLS over any byte stream, with `node:tls` doing the cryptography.
 *
 * Design
 * ------
 * A `tls.TLSSocket` runs over a small in-memory `Duplex` (the "adapter") that we drive:
 *
 * - Ciphertext the TLS engine writes lands in the adapter's `write()`, which sends it on the
 *   transport in the background (in the global root, not in the caller's task: the bytes
 *   belong to the stream, like the bytes `node:net` keeps queued for a socket). `Writable`
 *   calls `write()` one chunk at a time, so the transport never sees two sends at once, and
 *   `close()` waits for the queue before it closes the transport.
 * - Ciphertext is read from the transport only inside our own calls (`receive()`, the
 *   handshake, the closing handshake), and pushed into the adapter whole TLS records at a time
 *   (the record header gives the length). A record of application data comes out as plaintext
 *   synchronously on every runtime (checked on Node, Bun and Deno), so `receive()` has no
 *   background reader and nothing is read ahead that the caller did not ask for. Events that
 *   come later than the push ('secure', 'end' after a close_notify, 'error') are waited for by
 *   racing a reader task against them, or, in `receive()`, by one event-loop turn after records
 *   that produced no plaintext.
 * - Feeding whole records is also what lets `unwrap()` stop exactly after the peer's
 *   close_notify and return the bytes that follow it.
 *
 * Rejected: handing the raw `node:net` socket to `tls.connect({ socket })` (faster, but only
 * for sockets, and `unwrap()` would be impossible); a background reader task (it would need a
 * task group that outlives the calls, which structured concurrency rules out).
 *
 * @module
 */

import type { Duplex } from "node:stream";
import type * as tls from "node:tls";
import { capabilities } from "../backends/runtime.js";
import {
  currentNode,
  effectiveCancel,
  globalRoot,
  park,
  runInNode,
} from "../core/_internal/kernel.js";
import { yieldValue } from "../core/checkpoint.js";
import {
  BrokenResourceError,
  BusyResourceError,
  ClosedResourceError,
  EndOfStream,
  isAnyioError,
  isCancellation,
} from "../core/errors.js";
import { withTaskGroup } from "../core/task-group.js";
import {
  checkBytes,
  checkMaxBytes,
  DEFAULT_MAX_BYTES,
  describeValue,
} from "../streams/_internal/checks.js";
import { type AnyByteStream, ByteStream } from "../streams/byte-stream.js";
import type { ExtraAttributes } from "../streams/typed-attribute.js";
import { checkWrapOptions } from "./_internal/check-tls-options.js";
import {
  concat,
  createTlsEngine,
  EMPTY,
  forceClose,
  recordsLength,
  tlsAttributes,
} from "./_internal/tls-engine.js";
import { StateWaiter, TurnWaiter, WriteWaiter } from "./_internal/tls-waiters.js";
import type { TLSWrapOptions } from "./tls-wrap-options.js";

/**
 * Where the runtime's TLS engine cannot write after the peer's close_notify (Bun: see
 * `capabilities.tlsSendAfterPeerEof`), a stream whose peer half-closed refuses to send instead
 * of hanging.
 */
const NO_SEND_AFTER_PEER_EOF = !capabilities.tlsSendAfterPeerEof;

function peerEofError(): Error {
  return new BrokenResourceError(
    "cannot send after the peer's close_notify on Bun: its TLS engine stops writing once the peer half-closed (Node.js and Deno can)",
  );
}
/**
 * A TLS connection over another byte stream (usually a TCP {@link SocketStream}). Made by
 * {@link TLSStream.wrap}, by {@link connectTcp} with `tls: true`, and by a {@link TLSListener}.
 * The caller owns it and must close it; closing it closes the transport.
 *
 * Errors follow AnyIO: after your own `close()`, `ClosedResourceError`; the peer's close_notify
 * makes `receive()` throw `EndOfStream`; a transport that ends without one throws
 * `BrokenResourceError` when `standardCompatible` (the default), `EndOfStream` otherwise;
 * corrupt records, a failed certificate check or a broken transport throw `BrokenResourceError`
 * with the cause.
 *
 * @example
 * ```ts
 * import { createMemoryObjectStream, StapledObjectStream, TLSStream, withTaskGroup } from "anyio-ts";
 * import { readFileSync } from "node:fs";
 * // Any byte stream will do as the transport; here, two memory streams back to back.
 * const [aSend, bReceive] = createMemoryObjectStream<Uint8Array>(16);
 * const [bSend, aReceive] = createMemoryObjectStream<Uint8Array>(16);
 * await withTaskGroup(async (tg) => {
 *   tg.startSoon(async () => {
 *     const key = readFileSync("test/fixtures/tls/server.key"); // your key and certificate
 *     const cert = readFileSync("test/fixtures/tls/server.pem");
 *     await using server = await TLSStream.wrap(new StapledObjectStream(bSend, bReceive), {
 *       serverSide: true,
 *       context: { key, cert },
 *     });
 *     await server.send(await server.receive()); // echo
 *   });
 *   const ca = readFileSync("test/fixtures/tls/ca.pem"); // trust our test CA
 *   await using client = await TLSStream.wrap(new StapledObjectStream(aSend, aReceive), {
 *     hostname: "localhost",
 *     context: { ca },
 *   });
 *   await client.send(new TextEncoder().encode("hello"));
 *   console.assert(new TextDecoder().decode(await client.receive()) === "hello");
 * });
 * ```
 */
export class TLSStream extends ByteStream {
  /** The stream the TLS records travel on. */
  readonly transport: AnyByteStream;
  /** Whether this end is the TLS server. */
  readonly serverSide: boolean;
  /** Whether the closing handshake is done by the book (see {@link TLSWrapOptions}). */
  readonly standardCompatible: boolean;
  readonly #socket: tls.TLSSocket;
  readonly #adapter: Duplex;
  readonly #attributes: ExtraAttributes;
  #raw: Uint8Array = EMPTY;
  #pending: Uint8Array = EMPTY;
  #secure = false;
  #tlsEnded = false;
  #transportEof = false;
  #error: Error | undefined = undefined;
  #closed = false;
  #done = false;
  #eofSent = false;
  #finished = false;
  #receiving = false;
  #sending = false;
  #inflight = 0;
  /** @internal */ _stateWaiter: StateWaiter | undefined = undefined;
  /** @internal */ _writer: WriteWaiter | undefined = undefined;

  private constructor(transport: AnyByteStream, options: TLSWrapOptions) {
    super();
    this.transport = transport;
    const { hostname, context = {}, standardCompatible = true } = options;
    const serverSide = options.serverSide ?? hostname === undefined;
    this.serverSide = serverSide;
    this.standardCompatible = standardCompatible;
    const { adapter, socket } = createTlsEngine(serverSide, hostname, context, (chunk, callback) =>
      this.#sendCiphertext(chunk, callback),
    );
    this.#adapter = adapter;
    this.#socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.#pending = concat(this.#pending, chunk);
      this.#wake();
    });
    socket.on("end", () => this.#markEnded());
    socket.on("finish", () => {
      this.#finished = true;
      this.#wake();
    });
    socket.on("error", (error: Error) => {
      this.#error ??= error;
      this.#wake();
    });
    socket.on(serverSide ? "secure" : "secureConnect", () => {
      this.#secure = true;
      this.#wake();
    });
    this.#attributes = new Map([
      ...transport.extraAttributes,
      ...tlsAttributes(socket, serverSide, standardCompatible),
    ]);
  }

  /**
   * Wraps `transport` in TLS and does the handshake. `wrap()` owns the transport from the
   * call on, and so does the stream it returns: if `wrap()` fails for any reason (a bad
   * argument, a failed handshake), the transport is closed.
   *
   * Cancellation: a checkpoint; a cancelled handshake closes the transport.
   *
   * @param transport Any byte stream, or object stream of byte chunks.
   * @throws {TypeError} If `transport` is not a stream, an option has the wrong type, a client
   *   has no `hostname` (and does not turn verification off), or a server has no certificate;
   *   the transport is closed (a non-stream too, if it has a `close()`).
   * @throws {BrokenResourceError} If the handshake failed (`cause`: the TLS error, such as a
   *   certificate that does not match `hostname`) or the transport ended during it.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { connectTcp, TLSStream } from "anyio-ts";
   * // What connectTcp(host, 443, { tls: true }) does:
   * async function https(host: string): Promise<TLSStream> {
   *   const tcp = await connectTcp(host, 443);
   *   return TLSStream.wrap(tcp, { hostname: host, context: { ALPNProtocols: ["http/1.1"] } });
   * }
   * console.assert(typeof https === "function");
   * ```
   */
  static async wrap(transport: AnyByteStream, options: TLSWrapOptions = {}): Promise<TLSStream> {
    // wrap() owns the transport from its first line: every way out but success closes it, a
    // bad argument included, so a caller that hands over a fresh connection leaks nothing.
    try {
      if (
        typeof transport !== "object" ||
        transport === null ||
        typeof (transport as { receive?: unknown }).receive !== "function" ||
        typeof (transport as { send?: unknown }).send !== "function"
      ) {
        throw new TypeError(`transport must be a byte stream, got ${describeValue(transport)}`);
      }
      checkWrapOptions(options);
    } catch (error) {
      await forceClose(transport);
      throw error;
    }
    const cancel = effectiveCancel(currentNode());
    if (cancel !== undefined) {
      await forceClose(transport);
      throw cancel;
    }
    let stream: TLSStream;
    try {
      stream = new TLSStream(transport, options);
    } catch (error) {
      await forceClose(transport);
      throw error;
    }
    try {
      await stream.#pump(() => stream.#secure || stream.#stopped());
      const failed = stream.#handshakeError();
      if (failed !== undefined) throw failed;
    } catch (error) {
      await stream.#teardown();
      throw error;
    }
    return stream;
  }

  /** The TLS attributes and those of the transport. */
  override get extraAttributes(): ExtraAttributes {
    return this.#attributes;
  }

  /**
   * Receives at most `maxBytes` bytes of plaintext, waiting until some arrive.
   *
   * Cancellation: a checkpoint; a cancelled receive loses no data (records already read are
   * kept for the next call).
   *
   * @param maxBytes The most bytes to return. Default 65536.
   * @throws {RangeError} If `maxBytes` is not a positive integer.
   * @throws {EndOfStream} After the peer's close_notify (or, when not `standardCompatible`,
   *   when the transport ended).
   * @throws {BrokenResourceError} If the TLS layer or the transport failed, or (when
   *   `standardCompatible`) the transport ended without a close_notify.
   * @throws {ClosedResourceError} If this stream was closed.
   * @throws {BusyResourceError} If another task is receiving.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { TLSStream } from "anyio-ts";
   * async function firstLine(stream: TLSStream): Promise<string> {
   *   return new TextDecoder().decode(await stream.receive(1024)).split("\n")[0] ?? "";
   * }
   * console.assert(typeof firstLine === "function");
   * ```
   */
  async receive(maxBytes: number = DEFAULT_MAX_BYTES): Promise<Uint8Array> {
    checkMaxBytes(maxBytes);
    if (this.#closed) throw new ClosedResourceError();
    if (this.#receiving) throw new BusyResourceError("reading from");
    const cancel = effectiveCancel(currentNode());
    if (cancel !== undefined) throw cancel;
    this.#receiving = true;
    try {
      let waited = false;
      for (;;) {
        if (this.#pending.length > 0) {
          const data = this.#pending;
          const out = data.length > maxBytes ? data.subarray(0, maxBytes) : data;
          this.#pending = data.length > maxBytes ? data.subarray(maxBytes) : EMPTY;
          return waited ? out : await yieldValue(out);
        }
        if (this.#closed) throw new ClosedResourceError();
        const ended = this.#receiveError();
        if (ended !== undefined) throw ended;
        waited = true;
        await this.#readOnce();
      }
    } finally {
      this.#receiving = false;
    }
  }

  /**
   * Encrypts and sends all of `data`.
   *
   * Returns once the TLS engine took the bytes; the ciphertext goes to the transport in order,
   * waiting for room there (so a peer that reads slowly slows the sender down).
   *
   * Cancellation: a checkpoint. A send cancelled while it waits has its bytes still queued in
   * the TLS engine: they are sent if the stream stays open (nothing lost or sent twice).
   *
   * @throws {TypeError} If `data` is not a `Uint8Array`.
   * @throws {ClosedResourceError} If this stream was closed, or `sendEof()` was called.
   * @throws {BrokenResourceError} If the TLS layer or the transport failed; on Bun, also after
   *   the peer's close_notify (Bun's TLS engine cannot send on a half-closed connection).
   * @throws {BusyResourceError} If another task is sending.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { TLSStream } from "anyio-ts";
   * async function greet(stream: TLSStream): Promise<void> {
   *   await stream.send(new TextEncoder().encode("EHLO example.com\r\n"));
   * }
   * console.assert(typeof greet === "function");
   * ```
   */
  async send(data: Uint8Array): Promise<void> {
    checkBytes(data);
    if (this.#closed || this.#eofSent) throw new ClosedResourceError();
    if (this.#sending) throw new BusyResourceError("writing to");
    const cancel = effectiveCancel(currentNode());
    if (cancel !== undefined) throw cancel;
    const failed = this.#brokenError();
    if (failed !== undefined) throw failed;
    if (NO_SEND_AFTER_PEER_EOF && this.#tlsEnded) throw peerEofError();
    if (data.length === 0) return yieldValue(undefined);
    this.#sending = true;
    try {
      const waiter = new WriteWaiter(this, this.#socket, data);
      this._writer = waiter;
      await park(waiter);
    } finally {
      this._writer = undefined;
      this.#sending = false;
    }
  }

  /**
   * Closes the sending side: sends a close_notify, after which the peer's `receive()` throws
   * `EndOfStream` while this side can still receive. TLS 1.3 only: TLS 1.2 and earlier end the
   * whole connection with a close_notify (AnyIO refuses `send_eof()` on TLS altogether). A peer
   * running on Bun cannot answer after it (see `send()`).
   *
   * Cancellation: none; it does not wait (the close_notify is queued like sent data).
   *
   * @throws {ClosedResourceError} If this stream was closed.
   * @throws {TypeError} If the connection uses TLS 1.2 or earlier, which cannot half-close.
   * @example
   * ```ts
   * import { TLSStream } from "anyio-ts";
   * async function request(stream: TLSStream, body: Uint8Array): Promise<Uint8Array> {
   *   await stream.send(body);
   *   await stream.sendEof(); // the server sees the end of the request
   *   return stream.receive();
   * }
   * console.assert(typeof request === "function");
   * ```
   */
  async sendEof(): Promise<void> {
    if (this.#closed) throw new ClosedResourceError();
    if (this.#eofSent) return;
    const version = this.#socket.getProtocol();
    if (version !== "TLSv1.3") {
      throw new TypeError(
        `${version ?? "this TLS version"} cannot half-close a connection (a close_notify ends both directions); only TLS 1.3 can`,
      );
    }
    this.#endTls();
  }

  /**
   * Ends TLS on the transport and returns it, with the bytes that arrived after the peer's
   * close_notify (the start of whatever protocol follows). Sends a close_notify and waits for
   * the peer's. This stream is closed afterwards; the transport is the caller's again.
   *
   * Cancellation: a checkpoint; a cancelled unwrap closes the transport (its state is unknown).
   *
   * @throws {ClosedResourceError} If this stream was closed.
   * @throws {BusyResourceError} If a task is receiving.
   * @throws {BrokenResourceError} If the transport ended or failed before the peer's
   *   close_notify.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { TLSStream } from "anyio-ts";
   * async function downgrade(stream: TLSStream): Promise<Uint8Array> {
   *   const [transport, leftover] = await stream.unwrap();
   *   await transport.send(new TextEncoder().encode("plain again\n"));
   *   return leftover;
   * }
   * console.assert(typeof downgrade === "function");
   * ```
   */
  async unwrap(): Promise<[AnyByteStream, Uint8Array]> {
    if (this.#closed) throw new ClosedResourceError();
    if (this.#receiving) throw new BusyResourceError("reading from");
    const cancel = effectiveCancel(currentNode());
    if (cancel !== undefined) throw cancel;
    this.#closed = true;
    this.#rejectWaiters();
    try {
      await this.#closingHandshake(true);
    } catch (error) {
      await this.#teardown();
      throw error;
    }
    this.#done = true;
    this.#socket.destroy();
    const leftover = this.#raw;
    this.#raw = EMPTY;
    return [this.transport, leftover];
  }

  /**
   * Closes the stream and its transport. When `standardCompatible`, first sends a close_notify
   * (and waits until the transport took it), so the peer sees a proper end; it does not wait
   * for the peer's close_notify (as Trio does: two ends closed one after the other by the same
   * task cannot deadlock; `unwrap()` is the call that waits for the peer). Tasks blocked on the
   * stream get `ClosedResourceError`. Idempotent.
   *
   * Cancellation: handing the close_notify to a transport that has no room waits, and is
   * cancellable: the transport is then closed at once and `Cancelled` thrown. Nothing is left
   * open on any path.
   *
   * @throws {Cancelled} If the scope is cancelled while the close_notify waits for room.
   * @example
   * ```ts
   * import { TLSStream } from "anyio-ts";
   * async function finish(stream: TLSStream): Promise<void> {
   *   await stream.close(); // close_notify, then the transport is closed
   * }
   * console.assert(typeof finish === "function");
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) {
      if (!this.#done) await this.#teardown();
      return;
    }
    this.#closed = true;
    this.#rejectWaiters();
    try {
      if (
        this.standardCompatible &&
        this.#secure &&
        this.#error === undefined &&
        !this.#transportEof
      ) {
        this.#endTls();
        await this.#flushed();
      }
    } finally {
      await this.#teardown();
    }
  }

  // --- internals ------------------------------------------------------------------------------

  /** @internal The error a failed write surfaces as. */
  _failure(error: Error): Error {
    if (this.#closed) return new ClosedResourceError();
    return new BrokenResourceError("the TLS connection broke", { cause: this.#error ?? error });
  }

  /** Sends a chunk of ciphertext on the transport, in the background (see the module doc). */
  #sendCiphertext(chunk: Buffer, callback: (error?: Error | null) => void): void {
    this.#inflight++;
    const data = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    runInNode(globalRoot, () => this.transport.send(data)).then(
      () => {
        this.#inflight--;
        this.#wake();
        callback();
      },
      (error: unknown) => {
        this.#inflight--;
        const cause = error instanceof Error ? error : new Error(String(error));
        this.#error ??= cause;
        this.#wake();
        callback(cause);
      },
    );
  }

  #wake(): void {
    const waiter = this._stateWaiter;
    if (waiter === undefined) return;
    this._stateWaiter = undefined;
    waiter.resolve(undefined);
  }

  #rejectWaiters(): void {
    const writer = this._writer;
    this._writer = undefined;
    writer?.reject(new ClosedResourceError());
  }

  /** Whether reading can bring nothing more. */
  #stopped(): boolean {
    return this.#error !== undefined || this.#tlsEnded || this.#transportEof;
  }

  #brokenError(): Error | undefined {
    if (this.#error === undefined) return undefined;
    if (isAnyioError(this.#error, "ANYIO_CLOSED") && this.#closed) return this.#error;
    return new BrokenResourceError("the TLS connection broke", { cause: this.#error });
  }

  #handshakeError(): Error | undefined {
    if (this.#error !== undefined) {
      return new BrokenResourceError("the TLS handshake failed", { cause: this.#error });
    }
    if (!this.#secure) {
      return new BrokenResourceError("the peer closed the connection during the TLS handshake");
    }
    return undefined;
  }

  #receiveError(): Error | undefined {
    // The peer's close_notify came first: what fails after it (a write of ours to a transport
    // the peer has closed) does not change how the stream ended.
    if (this.#tlsEnded) return new EndOfStream();
    const broken = this.#brokenError();
    if (broken !== undefined) return broken;
    if (this.#transportEof) {
      if (!this.standardCompatible) return new EndOfStream();
      return new BrokenResourceError(
        "the peer closed the connection without a TLS close_notify (a ragged end); pass standardCompatible: false to accept it",
      );
    }
    return undefined;
  }

  /** Feeds complete records of `#raw` to the engine; whether any were fed. */
  #feed(onlyOne: boolean): boolean {
    const n = recordsLength(this.#raw, onlyOne);
    if (n === 0) return false;
    const records = this.#raw.subarray(0, n);
    this.#raw = n === this.#raw.length ? EMPTY : this.#raw.subarray(n);
    this.#adapter.push(records);
    // The engine has taken the records synchronously, but announces the peer's close_notify
    // ('end') and failures ('error') on a later tick. Their flags are already set: read them
    // now, or a receive could block on the transport while the answer is known.
    const state = (this.#socket as unknown as { _readableState?: { ended?: boolean } })
      ._readableState;
    if (state?.ended === true && !this.#tlsEnded) this.#markEnded();
    const errored = (this.#socket as { errored?: Error | null }).errored;
    if (errored != null) this.#error ??= errored;
    return true;
  }

  #markEnded(): void {
    this.#tlsEnded = true;
    if (NO_SEND_AFTER_PEER_EOF) {
      const writer = this._writer;
      this._writer = undefined;
      writer?.reject(peerEofError());
    }
    this.#wake();
  }

  /**
   * Reads one chunk from the transport and feeds it. Records that gave no plaintext get one
   * event-loop turn, for the engine's deferred events ('end', 'error').
   */
  async #readOnce(feed = true): Promise<void> {
    let chunk: Uint8Array;
    try {
      chunk = await this.transport.receive();
    } catch (error) {
      if (isCancellation(error)) throw error;
      if (error instanceof EndOfStream) {
        await park(new TurnWaiter());
        this.#transportEof = true;
      } else this.#error ??= error instanceof Error ? error : new Error(String(error));
      return;
    }
    this.#raw = concat(this.#raw, chunk);
    if (feed && this.#feed(false) && this.#pending.length === 0) await park(new TurnWaiter());
  }

  /**
   * Reads and feeds records until `done()` holds, racing the reader against the engine's
   * events (which may come after the records that caused them).
   */
  async #pump(done: () => boolean, oneRecordAtATime = false): Promise<void> {
    while (!done()) {
      await withTaskGroup(async (tg) => {
        tg.startSoon(async () => {
          for (;;) {
            if (oneRecordAtATime && this.#feed(true)) {
              await park(new TurnWaiter());
              if (done()) break;
              continue;
            }
            await this.#readOnce(!oneRecordAtATime);
            if (this.#stopped() || done()) break;
          }
          this.#wake();
        });
        if (!done()) {
          const waiter = new StateWaiter(this);
          this._stateWaiter = waiter;
          await park(waiter);
        }
        tg.cancelScope.cancel();
      });
      if (this.#stopped()) break;
    }
  }

  /** Queues our close_notify (once). */
  #endTls(): void {
    if (this.#eofSent) return;
    this.#eofSent = true;
    this.#socket.end();
  }

  /** Waits until the engine wrote its close_notify and the transport took every byte. */
  async #flushed(): Promise<void> {
    while (!((this.#finished && this.#inflight === 0) || this.#error !== undefined)) {
      const waiter = new StateWaiter(this);
      this._stateWaiter = waiter;
      await park(waiter);
    }
  }

  /** Sends our close_notify, waits for the peer's and for the queue to drain. */
  async #closingHandshake(unwrapping: boolean): Promise<void> {
    this.#endTls();
    await this.#pump(() => this.#tlsEnded || this.#stopped(), unwrapping);
    await this.#flushed();
    if (!this.#tlsEnded) {
      const error = this.#brokenError();
      if (error !== undefined) throw error;
      throw new BrokenResourceError(
        "the peer closed the connection without a TLS close_notify (a ragged end)",
      );
    }
  }

  /** Releases the engine and closes the transport; never throws, never waits on the peer. */
  async #teardown(): Promise<void> {
    this.#closed = true;
    this.#done = true;
    this.#rejectWaiters();
    this.#socket.destroy();
    this.#adapter.destroy();
    this.#pending = EMPTY;
    this.#raw = EMPTY;
    await forceClose(this.transport);
  }
}
