/**
 * `SocketListener`: accepts connections on one listening `node:net` server.
 *
 * `node:net` accepts eagerly and announces each connection with a `'connection'` event. Each one
 * is held (paused, with an error handler so a reset before `accept()` cannot crash the process)
 * until a task accepts it; `accept()` hands over the oldest. Closing the listener closes the
 * ones nobody accepted.
 *
 * @module
 */
import { Server, type Socket } from "node:net";
import { currentNode, effectiveCancel, park, Waiter } from "../core/_internal/kernel.js";
import { cancelShieldedCheckpoint, yieldValue } from "../core/checkpoint.js";
import { BusyResourceError, ClosedResourceError } from "../core/errors.js";
import type { TaskGroup } from "../core/task-group.js";
import { withTaskGroup } from "../core/task-group.js";
import { describeValue } from "../streams/_internal/checks.js";
import { Listener } from "../streams/listener.js";
import type { ExtraAttributes } from "../streams/typed-attribute.js";
import { listenerAttributes } from "./socket-attribute.js";
import { SocketStream } from "./socket-stream.js";

class AcceptWaiter extends Waiter<Socket> {
  constructor(readonly listener: SocketListener) {
    super();
  }
  override abort(): boolean {
    this.listener._acceptor = undefined;
    return true;
  }
  override describe(): string {
    return "SocketListener.accept";
  }
}

function ignoreError(): void {}

/**
 * Listens on one address (an IP address and port, or a UNIX socket path) and accepts
 * connections as {@link SocketStream}s. Made by {@link createTcpListener} (one per address,
 * inside a `MultiListener`), {@link createUnixListener} and {@link SocketListener.fromSocket}
 * (for a `net.Server` of your own); the caller owns it and must close
 * it. Its attributes are `family`, `localAddress`, `rawSocket` and, for TCP, `localPort`; a
 * listener has no remote ones.
 *
 * @example
 * ```ts
 * import { connectUnix, createUnixListener } from "anyio-ts";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const path = join(tmpdir(), `anyio-doc-${process.pid}-${Date.now()}.sock`);
 * await using listener = await createUnixListener(path);
 * await using client = await connectUnix(path);
 * await using server = await listener.accept();
 * await client.send(new Uint8Array([7]));
 * console.assert((await server.receive())[0] === 7);
 * ```
 */
export class SocketListener extends Listener<SocketStream> {
  readonly #server: Server;
  readonly #unixPath: string | undefined;
  readonly #attributes: ExtraAttributes;
  readonly #queue: Socket[] = [];
  #closed = false;
  #accepting = false;
  /** @internal */ _acceptor: AcceptWaiter | undefined = undefined;

  readonly #onConnection = (socket: Socket): void => {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    socket.on("error", ignoreError);
    socket.pause();
    const waiter = this._acceptor;
    if (waiter !== undefined) {
      this._acceptor = undefined;
      waiter.resolve(socket);
    } else this.#queue.push(socket);
  };

  readonly #onError = (): void => {
    // Errors of a listening server (EMFILE on accept) are not fatal: keep listening.
  };

  /**
   * Wraps a listening server; the listener owns it from now on.
   * @internal Use {@link createTcpListener} or {@link createUnixListener}.
   */
  constructor(server: Server, unixPath?: string) {
    super();
    this.#server = server;
    this.#unixPath = unixPath;
    this.#attributes = listenerAttributes(server);
    server.on("connection", this.#onConnection);
    server.on("error", this.#onError);
  }

  /**
   * Wraps a listening `node:net` server made elsewhere (TCP or UNIX) in a listener, as AnyIO's
   * `SocketListener.from_socket()` does. The listener owns the server from now on: it holds
   * each new connection paused until `accept()` (bytes that arrive early are kept), makes the
   * connections half-open, and stops the server on `close()`. Do not listen to its
   * `'connection'` event yourself afterwards. Wrap it as soon as it listens: a connection that
   * came in before went to nobody.
   *
   * Cancellation: none; it does not wait.
   *
   * @param server A listening `net.Server` with no `'connection'` listeners (so not one made
   *   with `createServer(handler)`, which would see every connection too).
   * @throws {TypeError} If `server` is not a `net.Server`, is not listening, or has
   *   `'connection'` listeners. The server stays yours then.
   * @example
   * ```ts
   * import { connectTcp, SocketAttribute, SocketListener } from "anyio-ts";
   * import { createServer } from "node:net";
   * const server = createServer();
   * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
   * await using listener = SocketListener.fromSocket(server);
   * const port = listener.extra(SocketAttribute.localPort);
   * await using client = await connectTcp("127.0.0.1", port);
   * await using accepted = await listener.accept();
   * await client.send(new Uint8Array([1]));
   * console.assert((await accepted.receive())[0] === 1);
   * ```
   */
  static fromSocket(server: Server): SocketListener {
    if (!(server instanceof Server)) {
      throw new TypeError(`server must be a net.Server, got ${describeValue(server)}`);
    }
    if (!server.listening) {
      throw new TypeError("server must be listening, got a net.Server that is not listening");
    }
    const handlers = server.listenerCount("connection");
    if (handlers > 0) {
      throw new TypeError(
        `server must have no 'connection' listeners (the listener accepts every connection itself), got one with ${handlers}`,
      );
    }
    // The options our own servers are created with. node:net reads both when a connection
    // comes in (the same on Node, Bun and Deno), so setting them now is enough.
    const options = server as unknown as { allowHalfOpen: boolean; pauseOnConnect: boolean };
    options.allowHalfOpen = true;
    options.pauseOnConnect = true;
    const address = server.address();
    return new SocketListener(server, typeof address === "string" ? address : undefined);
  }

  /** `family`, `localAddress`, `rawSocket`, and `localPort` for TCP. */
  override get extraAttributes(): ExtraAttributes {
    return this.#attributes;
  }

  /**
   * Waits for the next connection and returns it as a stream, which the caller owns.
   *
   * Cancellation: a checkpoint; a cancelled accept takes no connection (it stays for the next
   * `accept()`).
   *
   * @throws {ClosedResourceError} If the listener was closed (also by another task while this
   *   accept waited).
   * @throws {BusyResourceError} If another task is accepting from this listener.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { connectTcp, createTcpListener, type SocketListener, SocketAttribute } from "anyio-ts";
   * await using listener = await createTcpListener({ localHost: "127.0.0.1" });
   * await using client = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort));
   * await using server = await (listener.listeners[0] as SocketListener).accept();
   * console.assert(server.extra(SocketAttribute.remotePort) === client.extra(SocketAttribute.localPort));
   * ```
   */
  async accept(): Promise<SocketStream> {
    if (this.#closed) throw new ClosedResourceError();
    if (this.#accepting) throw new BusyResourceError("accepting connections from");
    const cancel = effectiveCancel(currentNode());
    if (cancel !== undefined) throw cancel;
    this.#accepting = true;
    try {
      const queued = this.#queue.shift();
      let socket: Socket;
      if (queued !== undefined) socket = await yieldValue(queued);
      else {
        const waiter = new AcceptWaiter(this);
        this._acceptor = waiter;
        socket = await park(waiter);
      }
      socket.off("error", ignoreError);
      // A UNIX connection's own end is the listening path; the client's end is unnamed (a
      // node:net client cannot bind one).
      const unix = this.#unixPath === undefined ? undefined : { local: this.#unixPath, remote: "" };
      return new SocketStream(socket, unix);
    } finally {
      this.#accepting = false;
    }
  }

  /**
   * Accepts connections until cancelled or closed, running `handler(stream)` for each in a task
   * of `taskGroup` (or of a group of its own), and closing the stream when the handler returns
   * or throws. A handler's error fails the group (and so stops serving) unless the handler
   * catches it.
   *
   * Cancellation: cancelling the scope of `serve()` stops accepting (and, with its own group,
   * cancels the handlers).
   *
   * @throws {ClosedResourceError} If the listener is closed, also from another task while
   *   serving (inside an `ExceptionGroup` when it comes out of the group).
   * @throws {ExceptionGroup} With the handlers' errors.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { connectTcp, createTcpListener, moveOnAfter, SocketAttribute, withTaskGroup } from "anyio-ts";
   * await using listener = await createTcpListener({ localHost: "127.0.0.1" });
   * await withTaskGroup(async (tg) => {
   *   tg.startSoon(() => listener.serve(async (stream) => stream.send(await stream.receive())));
   *   await using client = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort));
   *   await client.send(new Uint8Array([42]));
   *   console.assert((await client.receive())[0] === 42);
   *   tg.cancelScope.cancel();
   * });
   * ```
   */
  async serve(handler: (stream: SocketStream) => unknown, taskGroup?: TaskGroup): Promise<void> {
    const serveIn = async (tg: TaskGroup): Promise<void> => {
      for (;;) {
        const stream = await this.accept();
        tg.startSoon(async () => {
          try {
            await handler(stream);
          } finally {
            await stream.close();
          }
        });
      }
    };
    if (taskGroup === undefined) await withTaskGroup(serveIn);
    else await serveIn(taskGroup);
  }

  /**
   * Stops listening and releases the address; a task blocked in `accept()` gets
   * `ClosedResourceError`, and connections nobody accepted are closed. Streams already accepted
   * are not touched. Idempotent.
   *
   * Cancellation: none; it always finishes.
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      const waiter = this._acceptor;
      this._acceptor = undefined;
      waiter?.reject(new ClosedResourceError());
      for (const socket of this.#queue.splice(0)) socket.destroy();
      // The listening handle is released at once; `node:net` only delays the server's 'close'
      // event until the accepted connections end, which is not ours to wait for.
      if (this.#server.listening) this.#server.close();
      await cancelShieldedCheckpoint();
      this.#server.off("connection", this.#onConnection);
      this.#server.off("error", this.#onError);
    }
  }
}
