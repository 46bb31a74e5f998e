/**
 * `TLSAttribute`: the typed attributes a {@link TLSStream} offers.
 *
 * @module
 */

import type * as tls from "node:tls";
import { typedAttribute } from "../streams/typed-attribute.js";

/**
 * The typed attributes of a {@link TLSStream}; the transport's attributes (socket addresses,
 * ports) are offered too. `sharedCiphers` of AnyIO has no counterpart: `node:tls` does not
 * tell which ciphers the two sides share.
 *
 * @example
 * ```ts
 * import { TLSAttribute } from "anyio-ts";
 * console.assert(TLSAttribute.tlsVersion.name === "tlsVersion");
 * ```
 */
export const TLSAttribute = Object.freeze({
  /** The protocol ALPN settled on, or `null`. */
  alpnProtocol: typedAttribute<string | null>("alpnProtocol"),
  /** The `tls-unique` channel binding (RFC 5929): the first Finished message; TLS 1.2 only. */
  channelBindingTlsUnique: typedAttribute<Uint8Array>("channelBindingTlsUnique"),
  /** The cipher in use: `{ name, standardName, version }`. */
  cipher: typedAttribute<tls.CipherNameAndProtocol>("cipher"),
  /** The peer's certificate, decoded, or `null` if it sent none. */
  peerCertificate: typedAttribute<tls.PeerCertificate | null>("peerCertificate"),
  /** The peer's certificate in DER form, or `null` if it sent none. */
  peerCertificateBinary: typedAttribute<Uint8Array | null>("peerCertificateBinary"),
  /** Whether this end is the TLS server. */
  serverSide: typedAttribute<boolean>("serverSide"),
  /** The `node:tls` socket doing the cryptography; read from it, never write to it. */
  tlsSocket: typedAttribute<tls.TLSSocket>("tlsSocket"),
  /** The `standardCompatible` option the stream was made with. */
  standardCompatible: typedAttribute<boolean>("standardCompatible"),
  /** The protocol version, such as `"TLSv1.3"`. */
  tlsVersion: typedAttribute<string>("tlsVersion"),
});
