/**
 * `SocketStream`: a byte stream over a connected `node:net` socket (TCP or UNIX).
 *
 * Design
 * ------
 * Receiving: a parked receive resumes the socket and takes the first `'data'` chunk (the part
 * beyond `maxBytes` is kept for the next call); the socket stays flowing, and a chunk that
 * arrives while no receive is parked is kept and pauses it. So at most one chunk (plus what
 * `node:net` already read ahead) is ever buffered here: the kernel's window does the backpressure, and no byte is lost
 * when a receive is cancelled, since a waiter that got its chunk answers "too late" to `abort()`.
 * `'end'` comes only after every chunk was delivered, so data arriving with the FIN is received
 * before `EndOfStream`. Rejected: `'readable'` + `read()` (Bun and Deno differ in when
 * `'readable'` fires after a partial read; flowing mode with pause/resume behaves the same on all
 * three runtimes).
 *
 * Sending: `socket.write()`; when it answers "buffer full" the send parks until `'drain'`. A
 * send first waits for an earlier send's bytes to drain, so at most one chunk sits above the
 * high-water mark: memory stays bounded whatever the caller does.
 *
 * @module
 */
import { Server, Socket } from "node:net";
import { currentNode, effectiveCancel, park, Waiter } from "../core/_internal/kernel.js";
import { yieldValue } from "../core/checkpoint.js";
import {
  BrokenResourceError,
  BusyResourceError,
  ClosedResourceError,
  EndOfStream,
} from "../core/errors.js";
import {
  checkBytes,
  checkMaxBytes,
  DEFAULT_MAX_BYTES,
  describeValue,
} from "../streams/_internal/checks.js";
import { ByteStream } from "../streams/byte-stream.js";
import type { ExtraAttributes } from "../streams/typed-attribute.js";
import { streamAttributes, type UnixEnds } from "./socket-attribute.js";

class ReceiveWaiter extends Waiter<Uint8Array> {
  constructor(
    readonly stream: SocketStream,
    readonly maxBytes: number,
  ) {
    super();
  }
  override onPark(): void {
    this.stream._resumeFor(this);
  }
  override abort(): boolean {
    this.stream._withdraw(this);
    return true;
  }
  override describe(): string {
    return "SocketStream.receive";
  }
}

class DrainWaiter extends Waiter<void> {
  constructor(readonly stream: SocketStream) {
    super();
  }
  override abort(): boolean {
    this.stream._drainWaiter = undefined;
    return true;
  }
  override describe(): string {
    return "SocketStream.send (waiting for the peer to read)";
  }
}

/** Waits until `node:net` has handed `data` to the kernel (the write callback). */
class WriteWaiter extends Waiter<void> {
  constructor(
    readonly stream: SocketStream,
    readonly socket: Socket,
    readonly data: Uint8Array,
  ) {
    super();
  }
  override onPark(): void {
    this.socket.write(this.data, (error) => {
      if (error == null) this.resolve(undefined);
      else this.reject(this.stream._brokenBy(error));
    });
  }
  override abort(): boolean {
    // The bytes stay queued and will be sent: nothing is lost or sent twice.
    return true;
  }
  override describe(): string {
    return "SocketStream.send";
  }
}

/** A waiter that only ends when the socket is gone (used by `close()`). */
class GoneWaiter extends Waiter<void> {
  override abort(): boolean {
    return false;
  }
  override describe(): string {
    return "SocketStream.close";
  }
}

const EMPTY = new Uint8Array(0);

/**
 * A connected TCP or UNIX stream socket as a {@link ByteStream}. Made by {@link connectTcp},
 * {@link connectUnix}, the listeners' `accept()` and {@link SocketStream.fromSocket} (for a
 * socket made with `node:net` directly); the caller owns it and must close it. One
 * task at a time may receive and one may send (the two may run at once). TCP streams have
 * `TCP_NODELAY` set.
 *
 * Errors follow AnyIO: after your own `close()` everything throws `ClosedResourceError`; when
 * the peer has closed, `receive()` throws `EndOfStream`; when the connection broke (reset,
 * `EPIPE`), `BrokenResourceError` with the OS error as `cause`.
 *
 * @example
 * ```ts
 * import { connectTcp, createTcpListener, SocketAttribute, type SocketListener, withTaskGroup } from "anyio-ts";
 * await using listener = await createTcpListener({ localHost: "127.0.0.1" });
 * await withTaskGroup(async (tg) => {
 *   tg.startSoon(async () => {
 *     await using server = await (listener.listeners[0] as SocketListener).accept();
 *     await server.send(await server.receive()); // echo one chunk
 *   });
 *   await using client = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort));
 *   await client.send(new TextEncoder().encode("ping"));
 *   console.assert(new TextDecoder().decode(await client.receive()) === "ping");
 * });
 * ```
 */
export class SocketStream extends ByteStream {
  readonly #socket: Socket;
  readonly #attributes: ExtraAttributes;
  #pending: Uint8Array = EMPTY;
  #eof = false;
  #error: Error | undefined = undefined;
  #closed = false;
  #gone = false;
  #eofSent = false;
  #receiving = false;
  #sending = false;
  #receiver: ReceiveWaiter | undefined = undefined;
  /** @internal */ _drainWaiter: DrainWaiter | undefined = undefined;
  #goneWaiters: GoneWaiter[] = [];

  readonly #onData = (chunk: Buffer): void => {
    const waiter = this.#receiver;
    if (waiter === undefined) {
      // Read ahead by node:net after a pause: keep it, in order.
      this.#socket.pause();
      this.#pending = this.#pending.length === 0 ? chunk : concat(this.#pending, chunk);
      return;
    }
    this.#receiver = undefined;
    // The socket keeps flowing: a chunk that comes before the next receive() pauses it (above),
    // so at most one chunk waits here, and a caller that receives in a loop costs no
    // pause/resume pair per chunk.
    const data = this.#pending.length === 0 ? chunk : concat(this.#pending, chunk);
    if (data.length > waiter.maxBytes) {
      this.#pending = data.subarray(waiter.maxBytes);
      waiter.resolve(data.subarray(0, waiter.maxBytes));
    } else {
      this.#pending = EMPTY;
      waiter.resolve(data);
    }
  };

  readonly #onEnd = (): void => {
    this.#eof = true;
    this.#wakeReceiver();
  };

  readonly #onError = (error: Error): void => {
    this.#error ??= error;
    this.#wakeReceiver();
    this.#wakeDrain();
  };

  readonly #onClose = (): void => {
    this.#gone = true;
    this.#eof = true;
    this.#wakeReceiver();
    this.#wakeDrain();
    for (const w of this.#goneWaiters.splice(0)) w.resolve(undefined);
  };

  readonly #onDrain = (): void => {
    this.#wakeDrain();
  };

  /**
   * Wraps a connected `node:net` socket; the stream owns it from now on.
   * @internal Use {@link connectTcp}, {@link connectUnix}, a listener's `accept()` or
   *   {@link SocketStream.fromSocket}.
   * @param socket A connected socket, created with `allowHalfOpen: true`.
   * @param unix For a UNIX socket, its two addresses.
   */
  constructor(socket: Socket, unix?: UnixEnds) {
    super();
    this.#socket = socket;
    socket.pause();
    if (unix === undefined) socket.setNoDelay(true);
    this.#attributes = streamAttributes(socket, unix);
    // A socket handed over by fromSocket() may have ended a side already.
    if (socket.readableEnded) this.#eof = true;
    if (socket.writableEnded) this.#eofSent = true;
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("error", this.#onError);
    socket.on("close", this.#onClose);
    socket.on("drain", this.#onDrain);
  }

  /**
   * Wraps a connected `node:net` socket made elsewhere (a TCP or UNIX client, or a connection
   * accepted by your own `net.Server`) in a stream, as AnyIO's `SocketStream.from_socket()`
   * does. The stream owns the socket from now on: it makes it half-open (a peer's FIN leaves
   * this side able to send), sets `TCP_NODELAY` on TCP, reads it (bytes `node:net` already
   * buffered come first), and destroys it on `close()`. Do not read from, write to or end the
   * socket yourself afterwards.
   *
   * Attributes come from the socket. `node:net` does not report the paths of a UNIX socket on
   * any runtime: an accepted one takes its server's path as `localAddress` (while the server
   * listens) and `""` (the unnamed client) as `remoteAddress`; for a client one,
   * `localAddress` is `""` and `remoteAddress` is not offered (use {@link connectUnix} when
   * you need it).
   *
   * Cancellation: none; it does not wait.
   *
   * @param socket A connected `net.Socket`.
   * @throws {TypeError} If `socket` is not a `net.Socket`; if it is not connected (still
   *   connecting, never connected, or destroyed); if something else already reads it (it has
   *   `'data'` listeners). The socket stays yours then.
   * @example
   * ```ts
   * import { SocketAttribute, SocketStream } from "anyio-ts";
   * import { connect, createServer, type Socket } from "node:net";
   * const server = createServer();
   * const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
   * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
   * const raw = connect((server.address() as { port: number }).port, "127.0.0.1");
   * await new Promise((resolve) => raw.once("connect", resolve));
   * await using client = SocketStream.fromSocket(raw);
   * await using peer = SocketStream.fromSocket(await accepted);
   * server.close();
   * await client.send(new TextEncoder().encode("hi"));
   * console.assert(new TextDecoder().decode(await peer.receive()) === "hi");
   * console.assert(client.extra(SocketAttribute.localPort) === raw.localPort);
   * ```
   */
  static fromSocket(socket: Socket): SocketStream {
    if (!(socket instanceof Socket)) {
      throw new TypeError(`socket must be a net.Socket, got ${describeValue(socket)}`);
    }
    const state = socket.destroyed
      ? "destroyed"
      : socket.connecting
        ? "still connecting"
        : socket.pending
          ? "not connected"
          : undefined;
    if (state !== undefined) {
      throw new TypeError(`socket must be a connected net.Socket, got one that is ${state}`);
    }
    const readers = socket.listenerCount("data");
    if (readers > 0) {
      throw new TypeError(
        `socket must not be read by anyone else, got one with ${readers} 'data' listener(s)`,
      );
    }
    // Half-open, as our own sockets are created: node:net reads this flag when the peer's FIN
    // arrives (the same on Node, Bun and Deno), so setting it now is enough.
    (socket as { allowHalfOpen: boolean }).allowHalfOpen = true;
    let unix: UnixEnds | undefined;
    // A TCP socket always has a local port; a UNIX socket has none.
    if (typeof socket.localPort !== "number") {
      // An accepted socket knows its server (whose address is the path), and its client is
      // unnamed; a client socket is unnamed and knows nothing of its peer. The path is taken
      // only while the server listens: Bun forgets it when the server closes (address() is
      // null) where Node and Deno keep it, and the answer must not depend on the runtime.
      const server = (socket as { server?: unknown }).server;
      if (server instanceof Server) {
        const path = server.listening ? server.address() : null;
        unix = { local: typeof path === "string" ? path : undefined, remote: "" };
      } else unix = { local: "", remote: undefined };
    }
    return new SocketStream(socket, unix);
  }

  /** `family`, `localAddress`, `remoteAddress`, `rawSocket`, and for TCP the two ports. */
  override get extraAttributes(): ExtraAttributes {
    return this.#attributes;
  }

  /**
   * Receives at most `maxBytes` bytes, waiting until some arrive.
   *
   * Cancellation: a checkpoint; a cancelled receive takes nothing from the socket.
   *
   * @param maxBytes The most bytes to return. Default 65536.
   * @throws {RangeError} If `maxBytes` is not a positive integer.
   * @throws {EndOfStream} When the peer closed its sending side and every byte was received.
   * @throws {ClosedResourceError} If this stream was closed (also by another task while this
   *   receive waited).
   * @throws {BrokenResourceError} If the connection broke (`cause`: the OS error).
   * @throws {BusyResourceError} If another task is receiving.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { connectTcp, createTcpListener, type SocketListener, SocketAttribute } from "anyio-ts";
   * await using listener = await createTcpListener({ localHost: "127.0.0.1" });
   * await using client = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort));
   * await using server = await (listener.listeners[0] as SocketListener).accept();
   * await client.send(new Uint8Array([1, 2, 3]));
   * console.assert((await server.receive(2)).length <= 2);
   * ```
   */
  receive(maxBytes: number = DEFAULT_MAX_BYTES): Promise<Uint8Array> {
    try {
      checkMaxBytes(maxBytes);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#closed) return Promise.reject(new ClosedResourceError());
    if (this.#receiving) return Promise.reject(new BusyResourceError("reading from"));
    const cancel = effectiveCancel(currentNode());
    if (cancel !== undefined) return Promise.reject(cancel);
    if (this.#pending.length > 0) {
      const data = this.#pending;
      if (data.length > maxBytes) {
        this.#pending = data.subarray(maxBytes);
        return yieldValue(data.subarray(0, maxBytes));
      }
      this.#pending = EMPTY;
      return yieldValue(data);
    }
    const ended = this.#endError();
    if (ended !== undefined) return Promise.reject(ended);
    this.#receiving = true;
    const waiter = new ReceiveWaiter(this, maxBytes);
    return park(waiter).finally(() => {
      this.#receiving = false;
    });
  }

  /**
   * Sends all of `data`.
   *
   * Returns once the bytes were handed to the kernel (the write callback of `node:net`); when
   * the peer reads slower than we write, that waits until there is room.
   *
   * Cancellation: a checkpoint. A send cancelled before it wrote has sent nothing. A send
   * cancelled while the kernel has no room for its bytes throws `Cancelled`, but the bytes
   * stay queued in `node:net` and are still sent if the stream stays open: the stream stays
   * usable and in order (nothing lost, nothing sent twice), and the next send first waits for
   * that queue to drain. If the stream is closed right after such a cancelled send, the bytes
   * still queued are dropped.
   *
   * @throws {TypeError} If `data` is not a `Uint8Array`.
   * @throws {ClosedResourceError} If this stream was closed or `sendEof()` was called.
   * @throws {BrokenResourceError} If the connection broke (`cause`: the OS error, such as
   *   `ECONNRESET` or `EPIPE`).
   * @throws {BusyResourceError} If another task is sending.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { connectTcp, createTcpListener, type SocketListener, SocketAttribute } from "anyio-ts";
   * await using listener = await createTcpListener({ localHost: "127.0.0.1" });
   * await using client = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort));
   * await using server = await (listener.listeners[0] as SocketListener).accept();
   * await client.send(new TextEncoder().encode("hello"));
   * console.assert((await server.receive()).length > 0);
   * ```
   */
  async send(data: Uint8Array): Promise<void> {
    checkBytes(data);
    if (this.#closed || this.#eofSent) throw new ClosedResourceError();
    if (this.#sending) throw new BusyResourceError("writing to");
    const cancel = effectiveCancel(currentNode());
    if (cancel !== undefined) throw cancel;
    this.#sending = true;
    try {
      this.#checkWritable();
      // A send cancelled earlier may have left bytes queued: let them drain first, so at most
      // one chunk waits in `node:net` whatever the caller does.
      if (this.#socket.writableNeedDrain) await this.#waitDrain();
      this.#checkWritable();
      if (data.length === 0) await yieldValue(undefined);
      else await park(new WriteWaiter(this, this.#socket, data));
    } finally {
      this.#sending = false;
    }
  }

  /**
   * Closes the sending side (a TCP FIN): the peer's `receive()` then throws `EndOfStream` while
   * this side can still receive. Calling it twice is harmless.
   *
   * Cancellation: a checkpoint-free call; it does not wait.
   *
   * @throws {ClosedResourceError} If this stream was closed.
   * @example
   * ```ts
   * import { connectTcp, createTcpListener, EndOfStream, type SocketListener, SocketAttribute } from "anyio-ts";
   * await using listener = await createTcpListener({ localHost: "127.0.0.1" });
   * await using client = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort));
   * await using server = await (listener.listeners[0] as SocketListener).accept();
   * await client.sendEof();
   * await server.receive().catch((e) => console.assert(e instanceof EndOfStream));
   * await server.send(new Uint8Array([1])); // the other direction still works
   * console.assert((await client.receive()).length === 1);
   * ```
   */
  async sendEof(): Promise<void> {
    if (this.#closed) throw new ClosedResourceError();
    if (this.#eofSent) return;
    this.#eofSent = true;
    if (!this.#gone) this.#socket.end();
  }

  /**
   * Closes the stream and releases the socket. Bytes from completed sends are already with the
   * kernel, which still delivers them; bytes of a send that was cancelled half-way are dropped.
   * Tasks blocked in `receive()` or `send()` on it get `ClosedResourceError`. Idempotent.
   *
   * Cancellation: none; it does not wait for the peer, and returns once the socket is
   * released.
   *
   * @example
   * ```ts
   * import { ClosedResourceError, connectTcp, createTcpListener, SocketAttribute } from "anyio-ts";
   * await using listener = await createTcpListener({ localHost: "127.0.0.1" });
   * const client = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort));
   * await client.close();
   * await client.receive().catch((e) => console.assert(e instanceof ClosedResourceError));
   * ```
   */
  async close(): Promise<void> {
    const socket = this.#socket;
    if (!this.#closed) {
      this.#closed = true;
      const receiver = this.#receiver;
      this.#receiver = undefined;
      receiver?.reject(new ClosedResourceError());
      const drain = this._drainWaiter;
      this._drainWaiter = undefined;
      drain?.reject(new ClosedResourceError());
      this.#pending = EMPTY;
      if (!this.#gone) {
        socket.destroy();
      }
    }
    if (!this.#gone) {
      const waiter = new GoneWaiter();
      this.#goneWaiters.push(waiter);
      await park(waiter, currentNode(), false);
    }
    socket.off("data", this.#onData);
    socket.off("end", this.#onEnd);
    socket.off("error", this.#onError);
    socket.off("close", this.#onClose);
    socket.off("drain", this.#onDrain);
  }

  // --- internals ------------------------------------------------------------------------------

  /** @internal */
  _resumeFor(waiter: ReceiveWaiter): void {
    this.#receiver = waiter;
    if (this.#socket.isPaused()) this.#socket.resume();
  }

  /** @internal */
  _withdraw(waiter: ReceiveWaiter): void {
    if (this.#receiver === waiter) {
      this.#receiver = undefined;
      if (!this.#gone) this.#socket.pause();
    }
  }

  /** @internal The error a failed write surfaces as. */
  _brokenBy(error: Error): Error {
    if (this.#closed) return new ClosedResourceError();
    return new BrokenResourceError("the connection broke", { cause: this.#error ?? error });
  }

  #endError(): Error | undefined {
    if (this.#error !== undefined) {
      return new BrokenResourceError("the connection broke", { cause: this.#error });
    }
    if (this.#eof) return new EndOfStream();
    return undefined;
  }

  #wakeReceiver(): void {
    const waiter = this.#receiver;
    if (waiter === undefined) return;
    if (this.#pending.length > 0) return; // delivered by the next data event
    const error = this.#endError();
    if (error === undefined) return;
    this.#receiver = undefined;
    waiter.reject(error);
  }

  #wakeDrain(): void {
    const waiter = this._drainWaiter;
    if (waiter === undefined) return;
    this._drainWaiter = undefined;
    if (this.#error !== undefined) {
      waiter.reject(new BrokenResourceError("the connection broke", { cause: this.#error }));
    } else if (this.#gone) {
      waiter.reject(new BrokenResourceError("the connection was closed"));
    } else waiter.resolve(undefined);
  }

  #checkWritable(): void {
    if (this.#closed) throw new ClosedResourceError();
    if (this.#error !== undefined) {
      throw new BrokenResourceError("the connection broke", { cause: this.#error });
    }
    if (this.#gone || this.#socket.destroyed || this.#socket.writableEnded) {
      throw new BrokenResourceError("the connection was closed");
    }
  }

  #waitDrain(): Promise<void> {
    if (!this.#socket.writableNeedDrain) return Promise.resolve();
    const waiter = new DrainWaiter(this);
    this._drainWaiter = waiter;
    return park(waiter);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
