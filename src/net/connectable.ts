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
 * - {@link TLSConnectable}: another connectable's stream, wrapped in TLS.
 * - {@link asConnectable}: a connectable from an address (`{ host, port }`, `[host, port]`, a
 *   UNIX socket path), optionally with TLS.
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
import type { IPSocketAddress } from "./socket-attribute.js";
import type { SocketStream } from "./socket-stream.js";
import { checkWrapOptions, type TLSContextOptions, TLSStream } from "./tls-stream.js";
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
 * Options of {@link TLSConnectable}, named as those of {@link TLSStream.wrap}.
 *
 * @example
 * ```ts
 * import { type TLSConnectableOptions } from "anyio-ts";
 * const options: TLSConnectableOptions = { hostname: "example.com", standardCompatible: false };
 * console.assert(options.context === undefined);
 * ```
 */
export interface TLSConnectableOptions {
  /**
   * The server's host name, sent as SNI and checked against its certificate.
   * @default the host of a {@link TCPConnectable}; none otherwise (then `context` must turn
   *   verification off or check the certificate itself)
   */
  hostname?: string;
  /** Trust anchors (`ca`), a client certificate, ALPN...; see {@link TLSContextOptions}. */
  context?: TLSContextOptions;
  /** See {@link TLSWrapOptions.standardCompatible}. @default true */
  standardCompatible?: boolean;
}

/** A connectable, checked: anything with a `connect()` method. */
function isConnectable(value: unknown): value is ByteStreamConnectable<AnyByteStream> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { connect?: unknown }).connect === "function"
  );
}

/**
 * Connects with another connectable, then does a TLS handshake (client side) over its stream.
 * The certificate and host name are verified unless `context` says otherwise. The options are
 * checked when it is made.
 *
 * @example
 * ```ts
 * import { createTcpListener, SocketAttribute, TCPConnectable, TLSAttribute, TLSConnectable, TLSListener, withTaskGroup } from "anyio-ts";
 * import { readFileSync } from "node:fs";
 * const tcp = await createTcpListener({ localHost: "127.0.0.1" });
 * const key = readFileSync("test/fixtures/tls/server.key"); // your key and certificate
 * const cert = readFileSync("test/fixtures/tls/server.pem");
 * await using listener = new TLSListener(tcp, { key, cert });
 * const server = new TLSConnectable(new TCPConnectable("localhost", tcp.extra(SocketAttribute.localPort)), {
 *   context: { ca: readFileSync("test/fixtures/tls/ca.pem") }, // trust our test CA
 * });
 * console.assert(server.hostname === "localhost"); // the TCP host, by default
 * await withTaskGroup(async (tg) => {
 *   tg.startSoon(() => listener.serve(async (stream) => stream.send(await stream.receive())));
 *   await using stream = await server.connect();
 *   await stream.send(new TextEncoder().encode("hello"));
 *   console.assert(new TextDecoder().decode(await stream.receive()) === "hello");
 *   console.assert(stream.extra(TLSAttribute.serverSide) === false);
 *   tg.cancelScope.cancel();
 * });
 * ```
 */
export class TLSConnectable extends ByteStreamConnectable<TLSStream> {
  /** The connectable whose stream is wrapped. */
  readonly connectable: ByteStreamConnectable<AnyByteStream>;
  /** The host name the certificate is checked against, if any. */
  readonly hostname: string | undefined;
  /** The TLS options (a frozen copy of those given). */
  readonly context: Readonly<TLSContextOptions>;
  /** See {@link TLSWrapOptions.standardCompatible}. */
  readonly standardCompatible: boolean;

  /**
   * @param connectable The connectable to wrap.
   * @throws {TypeError} If `connectable` has no `connect()` method, an option has the wrong
   *   type, or there is no host name to verify the server's certificate against (and
   *   `context` neither turns verification off nor has `checkServerIdentity`).
   */
  constructor(
    connectable: ByteStreamConnectable<AnyByteStream>,
    options: TLSConnectableOptions = {},
  ) {
    super();
    if (!isConnectable(connectable)) {
      throw new TypeError(`connectable must be a connectable, got ${describeValue(connectable)}`);
    }
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`options must be an object, got ${describeValue(options)}`);
    }
    const { context = {}, standardCompatible = true } = options;
    const hostname =
      options.hostname ?? (connectable instanceof TCPConnectable ? connectable.host : undefined);
    // The same checks as TLSStream.wrap's, now rather than after connecting.
    checkWrapOptions({
      serverSide: false,
      ...(hostname !== undefined ? { hostname } : {}),
      context,
      standardCompatible,
    });
    this.connectable = connectable;
    this.hostname = hostname;
    this.context = Object.freeze({ ...context });
    this.standardCompatible = standardCompatible;
  }

  /**
   * Connects with the wrapped connectable, does the TLS handshake, and returns the
   * {@link TLSStream}, which the caller owns.
   *
   * Cancellation: a checkpoint; a cancelled connect or handshake leaves nothing open.
   *
   * @throws {ConnectionFailed} If the wrapped connectable could not connect.
   * @throws {BrokenResourceError} If the handshake failed (`cause`: the TLS error, such as a
   *   certificate that does not match); the connection is closed.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { ConnectionFailed, TLSConnectable, UNIXConnectable } from "anyio-ts";
   * const secure = new TLSConnectable(new UNIXConnectable("/nonexistent/app.sock"), { hostname: "app.internal" });
   * const error = await secure.connect().catch((e) => e);
   * console.assert(error instanceof ConnectionFailed);
   * ```
   */
  async connect(): Promise<TLSStream> {
    const transport = await this.connectable.connect();
    // wrap() owns the transport from here: it closes it if the handshake fails or is cancelled.
    return TLSStream.wrap(transport, {
      serverSide: false,
      ...(this.hostname !== undefined ? { hostname: this.hostname } : {}),
      context: this.context,
      standardCompatible: this.standardCompatible,
    });
  }
}

/**
 * Options of {@link asConnectable}, named as those of {@link connectTcp}: any of `tls`,
 * `tlsContext` and `tlsHostname` makes it a {@link TLSConnectable}.
 *
 * @example
 * ```ts
 * import { type AsConnectableOptions } from "anyio-ts";
 * const options: AsConnectableOptions = { tls: true, tlsStandardCompatible: false };
 * console.assert(options.tlsHostname === undefined);
 * ```
 */
export interface AsConnectableOptions {
  /** Wrap the connectable in TLS (implied by `tlsContext` or `tlsHostname`). @default false */
  tls?: boolean;
  /** The TLS options: trust anchors (`ca`), client certificate, ALPN... */
  tlsContext?: TLSContextOptions;
  /** The host name the server's certificate must match. @default the TCP host */
  tlsHostname?: string;
  /** See {@link TLSWrapOptions.standardCompatible}. @default true */
  tlsStandardCompatible?: boolean;
}

/** Options of {@link asConnectable} that ask for TLS. */
type WithTLS = AsConnectableOptions &
  ({ tls: true } | { tlsContext: TLSContextOptions } | { tlsHostname: string });

/** Options of {@link asConnectable} that ask for no TLS. */
type WithoutTLS = AsConnectableOptions & {
  tls?: false;
  tlsContext?: undefined;
  tlsHostname?: undefined;
};

/** What {@link asConnectable} converts: a TCP address or a UNIX socket path. */
type Address = IPSocketAddress | readonly [host: string, port: number] | string | URL;

/**
 * Makes a connectable of `remote`, as AnyIO's `as_connectable()` does:
 *
 * - a connectable (any object with a `connect()` method) is returned as it is, whatever the
 *   TLS options say (it already decides how it connects);
 * - `{ host, port }` (an {@link IPSocketAddress}, such as a stream's `remoteAddress`) or a
 *   `[host, port]` tuple becomes a {@link TCPConnectable};
 * - a path string, or a `file:` URL, becomes a {@link UNIXConnectable};
 *
 * and with `tls` (or `tlsContext` or `tlsHostname`) the result is wrapped in a
 * {@link TLSConnectable}, verified against `tlsHostname` or by default the TCP host.
 *
 * Cancellation: none; it does not connect (call `connect()` on the result).
 *
 * @throws {TypeError} If `remote` is none of these ("cannot convert ... to a connectable"),
 *   an option has the wrong type, or a UNIX socket gets TLS without `tlsHostname`; the
 *   errors of the connectables' constructors for a bad host, port or path.
 * @throws {RangeError} If the port is not an integer from 1 to 65535.
 * @example
 * ```ts
 * import { asConnectable, TCPConnectable, TLSConnectable, UNIXConnectable } from "anyio-ts";
 * const tcp = asConnectable({ host: "example.com", port: 80 });
 * console.assert(tcp instanceof TCPConnectable && tcp.port === 80);
 * console.assert(asConnectable(["example.com", 80]) instanceof TCPConnectable);
 * console.assert(asConnectable("/run/app.sock") instanceof UNIXConnectable);
 * const https = asConnectable(["example.com", 443], { tls: true });
 * console.assert(https instanceof TLSConnectable && https.hostname === "example.com");
 * console.assert(asConnectable(tcp) === tcp);
 * ```
 */
export function asConnectable<C extends ByteStreamConnectable<AnyByteStream>>(
  remote: C,
  options?: AsConnectableOptions,
): C;
export function asConnectable(remote: Address, options: WithTLS): TLSConnectable;
export function asConnectable(
  remote: IPSocketAddress | readonly [host: string, port: number],
  options?: WithoutTLS,
): TCPConnectable;
export function asConnectable(remote: string | URL, options?: WithoutTLS): UNIXConnectable;
export function asConnectable(
  remote: Address | ByteStreamConnectable<AnyByteStream>,
  options?: AsConnectableOptions,
): ByteStreamConnectable<AnyByteStream>;
export function asConnectable(
  remote: Address | ByteStreamConnectable<AnyByteStream>,
  options: AsConnectableOptions = {},
): ByteStreamConnectable<AnyByteStream> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  }
  const { tls = false, tlsContext, tlsHostname, tlsStandardCompatible = true } = options;
  if (typeof tls !== "boolean") {
    throw new TypeError(`tls must be a boolean, got ${describeValue(tls)}`);
  }
  if (tlsHostname !== undefined && (typeof tlsHostname !== "string" || tlsHostname === "")) {
    throw new TypeError(
      `tlsHostname must be a non-empty string, got ${describeValue(tlsHostname)}`,
    );
  }
  if (tlsContext !== undefined && (typeof tlsContext !== "object" || tlsContext === null)) {
    throw new TypeError(`tlsContext must be an options object, got ${describeValue(tlsContext)}`);
  }
  if (typeof tlsStandardCompatible !== "boolean") {
    throw new TypeError(
      `tlsStandardCompatible must be a boolean, got ${describeValue(tlsStandardCompatible)}`,
    );
  }
  if (isConnectable(remote)) return remote;
  let connectable: TCPConnectable | UNIXConnectable;
  if (Array.isArray(remote)) {
    if (remote.length !== 2) {
      throw new TypeError(
        `cannot convert an array of ${remote.length} items to a connectable (a TCP address is [host, port])`,
      );
    }
    connectable = new TCPConnectable(remote[0], remote[1]);
  } else if (typeof remote === "string") {
    connectable = new UNIXConnectable(remote);
  } else if (remote instanceof URL) {
    if (remote.protocol !== "file:") {
      throw new TypeError(
        `cannot convert the URL ${JSON.stringify(remote.href)} to a connectable (only a file: URL, a UNIX socket's path, is one)`,
      );
    }
    connectable = new UNIXConnectable(remote);
  } else if (
    typeof remote === "object" &&
    remote !== null &&
    "host" in remote &&
    "port" in remote
  ) {
    connectable = new TCPConnectable(remote.host, remote.port);
  } else {
    throw new TypeError(`cannot convert ${describeValue(remote)} to a connectable`);
  }
  if (!tls && tlsContext === undefined && tlsHostname === undefined) return connectable;
  return new TLSConnectable(connectable, {
    ...(tlsHostname !== undefined ? { hostname: tlsHostname } : {}),
    ...(tlsContext !== undefined ? { context: tlsContext } : {}),
    standardCompatible: tlsStandardCompatible,
  });
}
