/**
 * Cancellable `node:net` operations: connecting a socket, and listening on a server.
 * @internal
 */
import { connect, createServer, type ListenOptions, type Server, type Socket } from "node:net";
import { park, Waiter } from "../../core/_internal/kernel.js";

/** What `connectSocket()` connects to. */
export type ConnectTarget =
  | { host: string; port: number; localAddress?: string; localPort?: number; family?: number }
  | { path: string };

class ConnectWaiter extends Waiter<Socket> {
  #socket: Socket | undefined = undefined;
  readonly #onConnect = (): void => {
    const socket = this.#detach();
    this.resolve(socket);
  };
  readonly #onError = (error: Error): void => {
    const socket = this.#detach();
    socket.destroy();
    this.reject(error);
  };

  constructor(readonly target: ConnectTarget) {
    super();
  }

  override onPark(): void {
    const socket = connect({ ...this.target, allowHalfOpen: true } as never);
    this.#socket = socket;
    socket.pause();
    socket.once("connect", this.#onConnect);
    socket.once("error", this.#onError);
  }

  #detach(): Socket {
    const socket = this.#socket as Socket;
    socket.off("connect", this.#onConnect);
    socket.off("error", this.#onError);
    return socket;
  }

  override abort(): boolean {
    this.#detach().destroy();
    return true;
  }

  override describe(): string {
    const t = this.target;
    return "path" in t ? `connect ${t.path}` : `connect ${t.host}:${t.port}`;
  }
}

/**
 * Connects a socket (half-open allowed, paused). Cancellation destroys the attempt.
 * @throws The connect error (`ECONNREFUSED`, `ENOENT`...).
 */
export function connectSocket(target: ConnectTarget): Promise<Socket> {
  return park(new ConnectWaiter(target));
}

class ListenWaiter extends Waiter<Server> {
  readonly #server: Server;
  readonly #onListening = (): void => {
    this.#server.off("error", this.#onError);
    this.resolve(this.#server);
  };
  readonly #onError = (error: Error): void => {
    this.#server.off("listening", this.#onListening);
    this.reject(error);
  };

  constructor(readonly options: ListenOptions) {
    super();
    this.#server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
  }

  override onPark(): void {
    this.#server.once("listening", this.#onListening);
    this.#server.once("error", this.#onError);
    this.#server.listen(this.options);
  }

  override abort(): boolean {
    // Listening is quick; let it finish and close the server from `listenServer`.
    return false;
  }

  override describe(): string {
    return "listen";
  }
}

/**
 * Creates a server listening with `options`; the caller owns it.
 * @throws The listen error (`EADDRINUSE`, `EACCES`...).
 */
export function listenServer(options: ListenOptions): Promise<Server> {
  return park(new ListenWaiter(options));
}

/** Closes a listening server and waits until it is released. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) resolve();
    else server.close(() => resolve());
  });
}
