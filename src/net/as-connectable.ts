/**
 * `asConnectable`: a connectable from an address, as AnyIO 4's `as_connectable()`.
 *
 * @module
 */
import { describeValue } from "../streams/_internal/checks.js";
import type { AnyByteStream } from "../streams/byte-stream.js";
import { checkPrefixedTLSOptions } from "./_internal/check-tls-options.js";
import {
  type ByteStreamConnectable,
  isConnectable,
  TCPConnectable,
  UNIXConnectable,
} from "./connectable.js";
import type { IPSocketAddress } from "./socket-attribute.js";
import { TLSConnectable } from "./tls-connectable.js";
import type { TLSContextOptions } from "./tls-wrap-options.js";

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
  const wantsTls = checkPrefixedTLSOptions(options);
  const { tlsContext, tlsHostname, tlsStandardCompatible = true } = options;
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
  if (!wantsTls) return connectable;
  return new TLSConnectable(connectable, {
    ...(tlsHostname !== undefined ? { hostname: tlsHostname } : {}),
    ...(tlsContext !== undefined ? { context: tlsContext } : {}),
    standardCompatible: tlsStandardCompatible,
  });
}
