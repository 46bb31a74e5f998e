/**
 * The plumbing under a {@link TLSStream}: the `node:tls` socket and the in-memory `Duplex` (the
 * "adapter") it runs over, the TLS record framing the stream feeds it by, the stream's typed
 * attributes, and closing the transport. The design is described in `tls-stream.ts`.
 *
 * @module
 */

import { Duplex } from "node:stream";
import * as tls from "node:tls";
import { globalRoot, runInNode } from "../../core/_internal/kernel.js";
import type { AnyByteStream } from "../../streams/byte-stream.js";
import type { ExtraAttributes } from "../../streams/typed-attribute.js";
import { encodeHost } from "../dns.js";
import { TLSAttribute } from "../tls-attribute.js";
import type { TLSContextOptions } from "../tls-wrap-options.js";

export const EMPTY = new Uint8Array(0);

const HEADER = 5;
/** The largest TLS record (TLS 1.2: 2^14 + 2048 bytes of payload). */
const MAX_RECORD = 16384 + 2048;

/**
 * How many bytes of `raw` form complete TLS records (all of them, or only the first one);
 * `raw.length` if the bytes are not TLS at all (the engine must see them to fail).
 */
export function recordsLength(raw: Uint8Array, onlyOne: boolean): number {
  let at = 0;
  while (raw.length - at >= HEADER) {
    const type = raw[at] as number;
    const length = ((raw[at + 3] as number) << 8) | (raw[at + 4] as number);
    if (type < 20 || type > 24 || length > MAX_RECORD) return raw.length;
    if (raw.length - at < HEADER + length) break;
    at += HEADER + length;
    if (onlyOne) break;
  }
  return at;
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Makes the TLS engine: a `tls.TLSSocket` over an adapter whose `write()` hands each chunk of
 * ciphertext to `write` (one at a time: `Writable` waits for the callback). A client gets
 * `hostname` as the host to verify and, unless it is an IP address, as SNI.
 */
export function createTlsEngine(
  serverSide: boolean,
  hostname: string | undefined,
  context: TLSContextOptions,
  write: (chunk: Buffer, callback: (error?: Error | null) => void) => void,
): { adapter: Duplex; socket: tls.TLSSocket } {
  const adapter = new Duplex({
    read() {},
    write: (chunk: Buffer, _encoding, callback) => write(chunk, callback),
    final: (callback) => callback(),
  });
  adapter.on("error", () => {});
  let socket: tls.TLSSocket;
  if (serverSide) {
    socket = new tls.TLSSocket(adapter, {
      ...context,
      isServer: true,
      allowHalfOpen: true,
    } as tls.TLSSocketOptions);
  } else {
    const connect: tls.ConnectionOptions = {
      ...context,
      socket: adapter,
      allowHalfOpen: true,
    } as tls.ConnectionOptions;
    if (hostname !== undefined) {
      const host = encodeHost(hostname);
      connect.host = host;
      if (!/^[\d.]+$|:/.test(host)) connect.servername = host;
    }
    socket = tls.connect(connect);
  }
  // Half-open: the peer's close_notify must not make the engine close on its own; close()
  // and unwrap() decide when ours goes out.
  (socket as unknown as { allowHalfOpen: boolean }).allowHalfOpen = true;
  return { adapter, socket };
}

/** The {@link TLSAttribute}s of a stream, read from its engine when asked. */
export function tlsAttributes(
  socket: tls.TLSSocket,
  serverSide: boolean,
  standardCompatible: boolean,
): ExtraAttributes {
  const own = new Map<Parameters<ExtraAttributes["get"]>[0], () => unknown>([
    [TLSAttribute.alpnProtocol, () => socket.alpnProtocol || null],
    [TLSAttribute.cipher, () => socket.getCipher()],
    [TLSAttribute.peerCertificate, () => peerCertificate(socket)],
    [TLSAttribute.peerCertificateBinary, () => peerCertificate(socket)?.raw ?? null],
    [TLSAttribute.serverSide, () => serverSide],
    [TLSAttribute.tlsSocket, () => socket],
    [TLSAttribute.standardCompatible, () => standardCompatible],
    [TLSAttribute.tlsVersion, () => socket.getProtocol()],
  ]);
  own.set(TLSAttribute.channelBindingTlsUnique, () => {
    const unique = serverSide ? socket.getPeerFinished() : socket.getFinished();
    if (unique === undefined || socket.getProtocol() === "TLSv1.3") {
      throw new TypeError("tls-unique is defined for TLS 1.2 and earlier only");
    }
    return unique;
  });
  return own;
}

function peerCertificate(socket: tls.TLSSocket): tls.PeerCertificate | null {
  const cert = socket.getPeerCertificate();
  return cert === null || cert === undefined || Object.keys(cert).length === 0 ? null : cert;
}

/**
 * Closes a stream whatever the scope says. It may be what `wrap()` refused as a transport: then
 * it is closed if it has a `close()` at all.
 */
export async function forceClose(stream: AnyByteStream): Promise<void> {
  if (typeof (stream as { close?: unknown } | null)?.close !== "function") return;
  try {
    await runInNode(globalRoot, () => stream.close());
  } catch {
    // Closing after a failure: the first error is the one that matters.
  }
}
