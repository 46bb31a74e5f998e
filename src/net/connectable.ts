/**
 * Connectables, as AnyIO 4 has them: objects that know where a connection goes and how to
 * open it, so code can be handed "something to connect to" instead of a host, a port, a path
 * and a handful of TLS options. `connect()` may be called any number of times; each call opens
 * a new connection that the caller owns.
 *
 * - {@link ByteStreamConnectable}: the abstract type, one method `connect()`.
 * - {@link TCPConnectable}, {@link UNIXConnectable}: `connectTcp` and `connectUnix` behind it,
 *   their failures (the OS's and the resolver's errors) turned into `ConnectionFailed` naming
 *   the target, as AnyIO does.
 *
 * Beside it, `TLSConnectable` (tls-connectable.ts) wraps another connectable's stream in TLS,
 * and `asConnectable` (as-connectable.ts) makes a connectable of an address, optionally with
 * TLS. They import this file and not the other way round (as-connectable.ts imports both).
 *
 * @module
 */
import { isIP } from "node:net";
import { fileURLToPath } from "node:url";
import { isAnyioError } from "../core/errors.js";
import { describeValue } from "../streams/_internal/checks.js";
import type { AnyByteStream, ByteStream } from "../streams/byte-stream.js";
import {
  ConnectionFailed,
  type ConnectTcpOptions,
  checkConnectOptions,
  connectTcp,
} from "./connect-tcp.js";
import type { SocketStream } from "./socket-stream.js";
import { connectUnix } from "./unix.js";

/**
 * Something that opens a byte stream connection each time `connect()` is called: subclass it
 * (or write any object with such a `connect()`) to make your own, for instance one that picks a
 * server, or adds a proxy handshake.
 *
 * @typeParam T The stream `connect()` returns.
 * @example
 * ```ts
 * import { ByteStreamConnectable, ConnectionFailed, createTcpListener, SocketAttribute, type SocketStream, TCPConnectable } from "anyio-ts";
 * // Connects to the primary server, or to the backup when nothing answers at the primary.
 * class WithBackup extends ByteStreamConnectable<SocketStream> {
 *   constructor(readonly primary: TCPConnectable, readonly backup: TCPConnectable) {
 *     super();
 *   }
 *   async connect(): Promise<SocketStream> {
 *     try {
 *       return await this.primary.connect();
 *     } catch (error) {
 *       if (!(error instanceof ConnectionFailed)) throw error;
 *       return this.backup.connect();
 *     }
 *   }
 * }
 * const down = await createTcpListener({ localHost: "127.0.0.1" });
 * const downPort = down.extra(SocketAttribute.localPort);
 * await down.close(); // nothing listens there any more
 * await using backup = await createTcpListener({ localHost: "127.0.0.1" });
 * const backupPort = backup.extra(SocketAttribute.localPort);
 * const target = new WithBackup(new TCPConnectable("127.0.0.1", downPort), new TCPConnectable("127.0.0.1", backupPort));
 * await using stream = await target.connect();
 * console.assert(stream.extra(SocketAttribute.remotePort) === backupPort);
 * ```
 */
export abstract class ByteStreamConnectable<T extends AnyByteStream = ByteStream> {
  /**
   * Opens a new connection and returns its stream, which the caller owns and must close.
   *
   * Cancellation: a checkpoint; a cancelled call leaves nothing open.
   *
   * @throws {ConnectionFailed} If the connection could not be made.
   * @throws {Cancelled} If the scope is cancelled.
   */
  abstract connect(): Promise<T>;
}

/** An error of the OS or of the resolver (they carry a `code` and the failed `syscall`). */
function isSystemError(error: unknown): boolean {
  if (!(error instanceof Error) || isAnyioError(error)) return false;
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  return typeof code === "string" && typeof syscall === "string";
}

/** What a connectable throws when `connect()` failed with `error`. */
function connectError(error: unknown, target: string): unknown {
  if (error instanceof ConnectionFailed || isSystemError(error)) {
    return new ConnectionFailed(error, target);
  }
  return error;
}

/**
 * Options of {@link TCPConnectable}: those of {@link connectTcp} but TLS's (wrap the
 * connectable in a {@link TLSConnectable} for TLS).
 *
 * @example
 * ```ts
 * import { TCPConnectable, type TCPConnectableOptions } from "anyio-ts";
 * const options: TCPConnectableOptions = { localHost: "127.0.0.1", happyEyeballsDelay: 100 };
 * console.assert(new TCPConnectable("localhost", 8080, options).options.happyEyeballsDelay === 100);
 * ```
 */
export type TCPConnectableOptions = Pick<
  ConnectTcpOptions,
  "localHost" | "localPort" | "happyEyeballsDelay"
>;

/**
 * Connects over TCP to `host` on `port`, with {@link connectTcp} (Happy Eyeballs, `TCP_NODELAY`).
 * The arguments are checked when it is made.
 *
 * @example
 * ```ts
 * import { createTcpListener, SocketAttribute, TCPConnectable } from "anyio-ts";
 * await using listener = await createTcpListener({ localHost: "127.0.0.1" });
 * const server = new TCPConnectable("127.0.0.1", listener.extra(SocketAttribute.localPort));
 * await using stream = await server.connect();
 * console.assert(stream.extra(SocketAttribute.remotePort) === server.port);
 * ```
 */
export class TCPConnectable extends ByteStreamConnectable<SocketStream> {
  /** The host name or IP address connected to. */
  readonly host: string;
  /** The port connected to. */
  readonly port: number;
  /** The options given, for {@link connectTcp}. */
  readonly options: Readonly<TCPConnectableOptions>;

  /**
   * @param host A host name or IP address.
   * @param port The port, 1..65535.
   * @throws {TypeError} If `host` is not a non-empty string, or `localHost` not a string.
   * @throws {RangeError} If `port` is not an integer from 1 to 65535, or `localPort` or
   *   `happyEyeballsDelay` is out of range.
   */
  constructor(host: string, port: number, options: TCPConnectableOptions = {}) {
    super();
    if (typeof host !== "string" || host === "") {
      throw new TypeError(`host must be a non-empty string, got ${describeValue(host)}`);
    }
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RangeError(
        `TCP port number out of range: port must be an integer from 1 to 65535, got ${describeValue(port)}`,
      );
    }
    checkConnectOptions(options);
    const { localHost, localPort, happyEyeballsDelay } = options;
    this.host = host;
    this.port = port;
    // Only the TCP options: a `tls` slipped in must not turn the stream into a TLSStream.
    this.options = Object.freeze({
      ...(localHost !== undefined ? { localHost } : {}),
      ...(localPort !== undefined ? { localPort } : {}),
      ...(happyEyeballsDelay !== undefined ? { happyEyeballsDelay } : {}),
    });
  }

  /**
   * Connects, and returns the connection as a {@link SocketStream}, which the caller owns.
   *
   * Cancellation: a checkpoint; cancelling it stops every attempt and leaves nothing open.
   *
   * @throws {ConnectionFailed} If the connection could not be made: "error connecting to
   *   host:port: ...", `cause` the `ConnectionFailed` of `connectTcp` (every attempt failed) or
   *   the resolver's error (the name does not resolve).
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { ConnectionFailed, createTcpListener, SocketAttribute, TCPConnectable } from "anyio-ts";
   * const listener = await createTcpListener({ localHost: "127.0.0.1" });
   * const port = listener.extra(SocketAttribute.localPort);
   * await listener.close(); // nobody listens there now
   * const error = await new TCPConnectable("127.0.0.1", port).connect().catch((e) => e);
   * console.assert(error instanceof ConnectionFailed);
   * console.assert(error.message.startsWith(`error connecting to 127.0.0.1:${port}: `));
   * ```
   */
  async connect(): Promise<SocketStream> {
    try {
      return await connectTcp(this.host, this.port, this.options);
    } catch (error) {
      const host = isIP(this.host) === 6 ? `[${this.host}]` : this.host;
      throw connectError(error, `${host}:${this.port}`);
    }
  }
}

/**
 * Connects to the UNIX stream socket at `path`, with {@link connectUnix}.
 *
 * @example
 * ```ts
 * import { createUnixListener, SocketAttribute, UNIXConnectable } from "anyio-ts";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const path = join(tmpdir(), `anyio-doc-${process.pid}-${Date.now()}.sock`);
 * await using listener = await createUnixListener(path);
 * await using stream = await new UNIXConnectable(path).connect();
 * console.assert(stream.extra(SocketAttribute.remoteAddress) === path);
 * ```
 */
export class UNIXConnectable extends ByteStreamConnectable<SocketStream> {
  /** The path of the socket. */
  readonly path: string;

  /**
   * @param path The socket's path, or a `file:` URL of it.
   * @throws {TypeError} If `path` is not a non-empty string or a `file:` URL.
   */
  constructor(path: string | URL) {
    super();
    if (path instanceof URL && path.protocol === "file:") this.path = fileURLToPath(path);
    else if (typeof path === "string" && path !== "") this.path = path;
    else {
      const shown =
        path instanceof URL ? `the URL ${JSON.stringify(path.href)}` : describeValue(path);
      throw new TypeError(`path must be a non-empty string or a file: URL, got ${shown}`);
    }
  }

  /**
   * Connects, and returns the connection as a {@link SocketStream}, which the caller owns.
   *
   * Cancellation: a checkpoint; a cancelled connect leaves nothing open.
   *
   * @throws {ConnectionFailed} If the connection could not be made: "error connecting to
   *   "path": ...", `cause` the OS error (`ENOENT` when nothing is at `path`, `ECONNREFUSED`
   *   when nobody listens there).
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { ConnectionFailed, UNIXConnectable } from "anyio-ts";
   * const error = await new UNIXConnectable("/nonexistent/app.sock").connect().catch((e) => e);
   * console.assert(error instanceof ConnectionFailed && error.cause.code === "ENOENT");
   * ```
   */
  async connect(): Promise<SocketStream> {
    try {
      return await connectUnix(this.path);
    } catch (error) {
      throw connectError(error, JSON.stringify(this.path));
    }
  }
}

/**
 * A connectable, checked: anything with a `connect()` method (for `TLSConnectable` and
 * `asConnectable`).
 * @internal
 */
export function isConnectable(value: unknown): value is ByteStreamConnectable<AnyByteStream> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { connect?: unknown }).connect === "function"
  );
}
