/**
 * `SocketAttribute`: the typed attributes of sockets, streams and listeners alike.
 *
 * Addresses: an IP address is a plain `{ host, port }` object (`IPSocketAddress`), a UNIX socket
 * address is the path string. We chose an object over AnyIO's `(host, port)` tuple because
 * TypeScript readers name fields, and `{ host, port }` is what `node:net` itself takes.
 *
 * @module
 */
import type { Server, Socket } from "node:net";
import { type ExtraAttributes, typedAttribute } from "../streams/typed-attribute.js";

/**
 * The address of an IP socket: host (an IP address string) and port.
 *
 * @example
 * ```ts
 * import { type IPSocketAddress } from "anyio-ts";
 * const address: IPSocketAddress = { host: "127.0.0.1", port: 8080 };
 * console.assert(address.port === 8080);
 * ```
 */
export interface IPSocketAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * The address of a socket: `{ host, port }` for IP, the path string for UNIX sockets.
 *
 * @example
 * ```ts
 * import { type SocketAddress } from "anyio-ts";
 * const where: SocketAddress[] = [{ host: "::1", port: 80 }, "/tmp/app.sock"];
 * console.assert(where.length === 2);
 * ```
 */
export type SocketAddress = IPSocketAddress | string;

/**
 * The family of a socket: `"IPv4"`, `"IPv6"` or `"unix"`.
 *
 * @example
 * ```ts
 * import { type SocketFamily } from "anyio-ts";
 * const family: SocketFamily = "IPv6";
 * console.assert(family !== "unix");
 * ```
 */
export type SocketFamily = "IPv4" | "IPv6" | "unix";

/**
 * The typed attributes of socket streams and listeners. `localPort` and `remotePort` exist for
 * IP sockets only; `remoteAddress` and `remotePort` for connected sockets only (a listener has
 * none). `rawSocket` is the `node:net` `Socket` (or `Server` for a listener): touch it only to
 * read options, never to read or write.
 *
 * @example
 * ```ts
 * import { connectTcp, createTcpListener, SocketAttribute } from "anyio-ts";
 * await using listener = await createTcpListener({ localHost: "127.0.0.1" });
 * const port = listener.extra(SocketAttribute.localPort);
 * await using client = await connectTcp("127.0.0.1", port);
 * console.assert(client.extra(SocketAttribute.remotePort) === port);
 * console.assert(client.extra(SocketAttribute.family) === "IPv4");
 * ```
 */
export const SocketAttribute = Object.freeze({
  /** `"IPv4"`, `"IPv6"` or `"unix"`. */
  family: typedAttribute<SocketFamily>("family"),
  /** The local address: `{ host, port }`, or the path of a UNIX socket. */
  localAddress: typedAttribute<SocketAddress>("localAddress"),
  /** The local port (IP sockets only). */
  localPort: typedAttribute<number>("localPort"),
  /** The `node:net` `Socket` of a stream, or `Server` of a listener. */
  rawSocket: typedAttribute<Socket | Server>("rawSocket"),
  /** The peer's address: `{ host, port }`, or the path of a UNIX socket (connected only). */
  remoteAddress: typedAttribute<SocketAddress>("remoteAddress"),
  /** The peer's port (connected IP sockets only). */
  remotePort: typedAttribute<number>("remotePort"),
});

type AttributeMap = Map<Parameters<ExtraAttributes["get"]>[0], () => unknown>;

/**
 * The two addresses of a UNIX stream socket, which `node:net` does not report on any runtime:
 * the caller knows them (the path connected to, the path listened on). `""` is an unnamed end,
 * as in AnyIO; `undefined` is an end nobody knows, whose attribute is then not offered.
 * @internal
 */
export interface UnixEnds {
  readonly local: string | undefined;
  readonly remote: string | undefined;
}

/** The attributes of a connected stream socket, read once (they do not change). @internal */
export function streamAttributes(socket: Socket, unix: UnixEnds | undefined): ExtraAttributes {
  const map: AttributeMap = new Map();
  map.set(SocketAttribute.rawSocket, () => socket);
  if (unix !== undefined) {
    const { local, remote } = unix;
    map.set(SocketAttribute.family, () => "unix");
    if (local !== undefined) map.set(SocketAttribute.localAddress, () => local);
    if (remote !== undefined) map.set(SocketAttribute.remoteAddress, () => remote);
    return map;
  }
  const family = socket.remoteFamily === "IPv6" ? "IPv6" : "IPv4";
  const local = { host: socket.localAddress ?? "", port: socket.localPort ?? 0 };
  const remote = { host: socket.remoteAddress ?? "", port: socket.remotePort ?? 0 };
  map.set(SocketAttribute.family, () => family);
  map.set(SocketAttribute.localAddress, () => local);
  map.set(SocketAttribute.localPort, () => local.port);
  map.set(SocketAttribute.remoteAddress, () => remote);
  map.set(SocketAttribute.remotePort, () => remote.port);
  return map;
}

/** The attributes of a listening server: no remote ones. @internal */
export function listenerAttributes(server: Server): ExtraAttributes {
  const map: AttributeMap = new Map();
  map.set(SocketAttribute.rawSocket, () => server);
  const address = server.address();
  if (typeof address === "string" || address === null) {
    map.set(SocketAttribute.family, () => "unix");
    map.set(SocketAttribute.localAddress, () => address ?? "");
    return map;
  }
  const family = address.family === "IPv6" || (address.family as unknown) === 6 ? "IPv6" : "IPv4";
  const local = { host: address.address, port: address.port };
  map.set(SocketAttribute.family, () => family);
  map.set(SocketAttribute.localAddress, () => local);
  map.set(SocketAttribute.localPort, () => local.port);
  return map;
}
