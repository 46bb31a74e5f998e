/**
 * The options of a TLS connection ({@link TLSContextOptions}) and of {@link TLSStream.wrap}
 * ({@link TLSWrapOptions}). Their checks are in `_internal/check-tls-options.ts`.
 *
 * @module
 */

import type * as tls from "node:tls";

/**
 * The options of a TLS connection: `node:tls`'s secure-context options (`key`, `cert`, `ca`,
 * `pfx`, `ciphers`, `minVersion`...) and connection options (`secureContext`, `ALPNProtocols`,
 * `rejectUnauthorized`, `requestCert`, `checkServerIdentity`, `SNICallback`, `session`). What
 * the stream sets itself (`socket`, `host`, `servername`, `isServer`) is left out.
 *
 * Certificates and host names are verified unless `rejectUnauthorized: false` is given.
 *
 * @example
 * ```ts
 * import { type TLSContextOptions } from "anyio-ts";
 * const options: TLSContextOptions = { ALPNProtocols: ["h2", "http/1.1"], minVersion: "TLSv1.2" };
 * console.assert(options.ALPNProtocols?.length === 2);
 * ```
 */
export type TLSContextOptions = Omit<
  tls.ConnectionOptions & tls.TlsOptions,
  "socket" | "host" | "port" | "path" | "servername" | "isServer" | "timeout" | "lookup"
>;

/**
 * Options of {@link TLSStream.wrap}.
 *
 * @example
 * ```ts
 * import { type TLSWrapOptions } from "anyio-ts";
 * const client: TLSWrapOptions = { hostname: "example.com" }; // client side, verified
 * const server: TLSWrapOptions = { serverSide: true, context: { key: "...", cert: "..." } };
 * console.assert(client.serverSide === undefined && server.serverSide === true);
 * ```
 */
export interface TLSWrapOptions {
  /** Whether this end is the TLS server. @default `hostname === undefined` */
  serverSide?: boolean;
  /**
   * The server's host name: sent as SNI (unless it is an IP address) and checked against the
   * certificate. Unicode names are encoded with IDNA 2008 first.
   */
  hostname?: string;
  /** Keys, certificates, trust anchors and the rest; see {@link TLSContextOptions}. */
  context?: TLSContextOptions;
  /**
   * Whether to do TLS by the book: `close()` sends a close_notify and waits for the peer's,
   * and a peer that closes the connection without one is an error (`BrokenResourceError`).
   * With `false`, such a "ragged" end is a plain `EndOfStream` and `close()` skips the closing
   * handshake, as many HTTPS servers expect.
   * @default true
   */
  standardCompatible?: boolean;
}
