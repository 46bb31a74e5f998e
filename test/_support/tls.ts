/** TLS pairs for tests: certificates from test/fixtures/tls, transports in memory or TCP. */
import { readFileSync } from "node:fs";
import {
  type AnyByteStream,
  BufferedByteReceiveStream,
  createMemoryObjectStream,
  StapledByteStream,
  type TLSContextOptions,
  TLSStream,
  type TLSWrapOptions,
  withTaskGroup,
} from "../../src/index.js";
import { tcpPair } from "./net.js";

const fixtures = new URL("../../../test/fixtures/tls/", import.meta.url);
export const key = readFileSync(new URL("server.key", fixtures));
export const cert = readFileSync(new URL("server.pem", fixtures));
export const ca = readFileSync(new URL("ca.pem", fixtures));
export const serverContext: TLSContextOptions = { key, cert };
export const clientContext: TLSContextOptions = { ca };

/**
 * Two memory byte streams back to back, with unbounded buffers like a socket's kernel buffer
 * (with none, a close_notify sent by `close()` would wait for the peer to read it).
 */
export function memoryBytePair(): [StapledByteStream, StapledByteStream] {
  const [aSend, bReceive] = createMemoryObjectStream<Uint8Array>(Number.POSITIVE_INFINITY);
  const [bSend, aReceive] = createMemoryObjectStream<Uint8Array>(Number.POSITIVE_INFINITY);
  return [
    new StapledByteStream(aSend, new BufferedByteReceiveStream(aReceive)),
    new StapledByteStream(bSend, new BufferedByteReceiveStream(bReceive)),
  ];
}

/** Two transports back to back: in memory, or a TCP connection over loopback. */
export type TransportKind = "memory" | "tcp";

export async function transportPair(kind: TransportKind): Promise<[AnyByteStream, AnyByteStream]> {
  return kind === "memory" ? memoryBytePair() : tcpPair();
}

/** Wraps both ends at once (the handshake needs both): [client, server]. */
export async function tlsPair(
  kind: TransportKind,
  client: TLSWrapOptions = {},
  server: TLSWrapOptions = {},
): Promise<[TLSStream, TLSStream]> {
  const [a, b] = await transportPair(kind);
  let clientStream: TLSStream | undefined;
  let serverStream: TLSStream | undefined;
  try {
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        serverStream = await TLSStream.wrap(b, {
          serverSide: true,
          context: serverContext,
          ...server,
        });
      });
      clientStream = await TLSStream.wrap(a, {
        hostname: "localhost",
        context: clientContext,
        ...client,
      });
    });
  } catch (error) {
    await clientStream?.close();
    await serverStream?.close();
    await a.close();
    await b.close();
    throw error;
  }
  return [clientStream as TLSStream, serverStream as TLSStream];
}
