/**
 * `createTcpListener`: one listening socket per local address, all on the same port.
 *
 * With no `localHost` and no `family`, a single dual-stack listener on `::` (which accepts IPv4
 * too) is made where the host has IPv6, as AnyIO does; otherwise `localHost` is resolved and a
 * listener is made on every address. With `localPort` 0 the first listener picks a free port and
 * the others take the same one; if it is taken for one of them (`EADDRINUSE`), all are closed and
 * the whole set is tried again on a new port.
 *
 * @module
 */

import type { ListenOptions, Server } from "node:net";
import { capabilities } from "../backends/runtime.js";
import { describeValue } from "../streams/_internal/checks.js";
import { MultiListener } from "../streams/multi-listener.js";
import { closeServer, listenServer } from "./_internal/node-socket.js";
import { checkPort, getaddrinfo } from "./dns.js";
import { SocketListener } from "./socket-listener.js";
import type { SocketStream } from "./socket-stream.js";

/**
 * Options of {@link createTcpListener}.
 *
 * @example
 * ```ts
 * import { type CreateTcpListenerOptions, createTcpListener } from "anyio-ts";
 * const options: CreateTcpListenerOptions = { localHost: "127.0.0.1", backlog: 128 };
 * await using listener = await createTcpListener(options);
 * console.assert(listener.listeners.length === 1);
 * ```
 */
export interface CreateTcpListenerOptions {
  /** The host name or address to listen on. @default all interfaces */
  localHost?: string;
  /** The port; 0 picks a free one (the same for every listener). @default 0 */
  localPort?: number;
  /** 4 or 6 to listen on that family only; 0 for both. @default 0 */
  family?: 0 | 4 | 6;
  /** The most pending connections the OS holds (clamped to 65536). @default 65536 */
  backlog?: number;
  /**
   * Let several listeners (in this process or others) share the port, the kernel spreading
   * connections among them (`SO_REUSEPORT`). Needs Node.js 22.12 or later on Linux; other
   * runtimes throw.
   * @default false
   */
  reusePort?: boolean;
}

const ATTEMPTS = 10;

/**
 * What `createTcpListener` resolves `localHost` with; tests swap it to give a name the
 * addresses they need (both `::1` and `127.0.0.1` for "localhost", say) while the sockets stay
 * real.
 * @internal
 */
export const createTcpListenerSeams = { getaddrinfo };

/** Whether `server.listen({ reusePort })` is honoured here. @internal */
export function reusePortSupported(): boolean {
  return capabilities.tcpReusePort;
}

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown })?.code;
}

/**
 * Listens for TCP connections and returns a `MultiListener` of {@link SocketListener}s, one per
 * local address, all on the same port (`listeners` is typed as such, so `accept()` on one needs
 * no cast). The caller owns it and must close it.
 *
 * Cancellation: a checkpoint; a cancelled call closes whatever it had opened.
 *
 * @throws {TypeError} If `localHost` is not a string.
 * @throws {RangeError} If `localPort`, `family` or `backlog` is out of range.
 * @throws {Error} If `reusePort` is asked for on a runtime that cannot do it; the listen error
 *   (`EADDRINUSE`, `EACCES`...) as `node:net` gives it; "Could not create N listeners with a
 *   consistent port" if no common free port was found.
 * @throws {Cancelled} If the scope is cancelled.
 * @example
 * ```ts
 * import { createTcpListener, SocketAttribute } from "anyio-ts";
 * await using listener = await createTcpListener({ localHost: "localhost" });
 * const ports = listener.listeners.map((l) => l.extra(SocketAttribute.localPort));
 * console.assert(ports.every((p) => p === ports[0])); // ::1 and 127.0.0.1, one port
 * ```
 */
export async function createTcpListener(
  options: CreateTcpListenerOptions = {},
): Promise<MultiListener<SocketStream, SocketListener>> {
  const { localHost, localPort = 0, family = 0, backlog = 65536, reusePort = false } = options;
  if (localHost !== undefined && typeof localHost !== "string") {
    throw new TypeError(`localHost must be a string, got ${describeValue(localHost)}`);
  }
  checkPort(localPort, "localPort");
  if (family !== 0 && family !== 4 && family !== 6) {
    throw new RangeError(`family must be 0, 4 or 6, got ${describeValue(family)}`);
  }
  if (typeof backlog !== "number" || !Number.isInteger(backlog) || backlog < 1) {
    throw new RangeError(`backlog must be a positive integer, got ${describeValue(backlog)}`);
  }
  if (reusePort && !reusePortSupported()) {
    throw new Error(
      "reusePort is not supported on this runtime: it needs Node.js 22.12 or later on Linux",
    );
  }
  let hosts: { host: string | undefined; family: 4 | 6 | 0 }[];
  if (localHost === undefined) {
    hosts =
      family === 4
        ? [{ host: "0.0.0.0", family: 4 }]
        : family === 6
          ? [{ host: "::", family: 6 }]
          : [{ host: undefined, family: 0 }];
  } else {
    const infos = await createTcpListenerSeams.getaddrinfo(localHost, localPort, { family });
    hosts = infos.map((i) => ({ host: i.host, family: i.family }));
  }
  const clamped = Math.min(backlog, 65536);
  const several = hosts.length > 1;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const servers: Server[] = [];
    let port = localPort;
    try {
      for (const { host, family: f } of hosts) {
        const listen: ListenOptions & { reusePort?: boolean } = { port, backlog: clamped };
        if (host !== undefined) listen.host = host;
        if (several && f === 6) listen.ipv6Only = true;
        if (reusePort) listen.reusePort = true;
        const server = await listenServer(listen);
        servers.push(server);
        if (port === 0) port = (server.address() as { port: number }).port;
      }
      return new MultiListener(servers.map((s) => new SocketListener(s)));
    } catch (error) {
      for (const s of servers) await closeServer(s);
      const retry = localPort === 0 && servers.length > 0 && errorCode(error) === "EADDRINUSE";
      if (!retry) throw error;
    }
  }
  throw new Error(`Could not create ${hosts.length} listeners with a consistent port`);
}
