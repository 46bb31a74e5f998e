/**
 * `TLSConnectable`: connects with another connectable, then does a TLS handshake (client side)
 * over its stream, as AnyIO 4's `TLSConnectable`.
 *
 * @module
 */
import { describeValue } from "../streams/_internal/checks.js";
import type { AnyByteStream } from "../streams/byte-stream.js";
import { checkWrapOptions } from "./_internal/check-tls-options.js";
import { ByteStreamConnectable, isConnectable, TCPConnectable } from "./connectable.js";
import { TLSStream } from "./tls-stream.js";
import type { TLSContextOptions } from "./tls-wrap-options.js";

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
    // wrap() owns the transport from here: it closes it on every failure (options, handshake).
    return TLSStream.wrap(transport, {
      serverSide: false,
      ...(this.hostname !== undefined ? { hostname: this.hostname } : {}),
      context: this.context,
      standardCompatible: this.standardCompatible,
    });
  }
}
