/**
 * UDP sockets over `node:dgram`: `createUdpSocket` (packets with their address) and
 * `createConnectedUdpSocket` (one peer, plain bytes). How they queue and drop datagrams is
 * described in `_internal/udp-socket-base.ts`.
 *
 * @module
 */

import { isIP } from "node:net";
import { currentNode, effectiveCancel, park } from "../core/_internal/kernel.js";
import { describeValue } from "../streams/_internal/checks.js";
import {
  ConnectWaiter,
  openUdpSocket,
  udpReusePortSupported,
  udpSeams,
} from "./_internal/open-udp-socket.js";
import { ConnectedUDPSocket } from "./connected-udp-socket.js";
import { checkPort } from "./dns.js";
import { UDPSocket } from "./udp-socket.js";

/**
 * Options of {@link createUdpSocket} and {@link createConnectedUdpSocket}.
 *
 * @example
 * ```ts
 * import { type UDPSocketOptions } from "anyio-ts";
 * const options: UDPSocketOptions = { localHost: "127.0.0.1", localPort: 0 };
 * console.assert(options.localPort === 0);
 * ```
 */
export interface UDPSocketOptions {
  /** 4 or 6. Needed by `createUdpSocket` when `localHost` is not given. */
  family?: 4 | 6;
  /** The local address to bind to (a host name is resolved). @default all interfaces */
  localHost?: string;
  /** The local port; 0 picks a free one. @default 0 */
  localPort?: number;
  /**
   * Let several sockets share the port (`SO_REUSEPORT`). Needs Node.js 22.12 or later, or Bun,
   * on Linux; elsewhere it throws.
   * @default false
   */
  reusePort?: boolean;
}

function checkOptions(
  options: UDPSocketOptions,
): UDPSocketOptions & { localPort: number; reusePort: boolean } {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  }
  const { family, localHost, localPort = 0, reusePort = false } = options;
  if (family !== undefined && family !== 4 && family !== 6) {
    throw new RangeError(`family must be 4 or 6, got ${describeValue(family)}`);
  }
  if (localHost !== undefined && (typeof localHost !== "string" || localHost === "")) {
    throw new TypeError(`localHost must be a non-empty string, got ${describeValue(localHost)}`);
  }
  checkPort(localPort, "localPort");
  if (reusePort && !udpReusePortSupported()) {
    throw new Error(
      "reusePort is not supported for UDP on this runtime: it needs Node.js 22.12 or later, or Bun, on Linux",
    );
  }
  return { ...options, localPort, reusePort };
}

/** The family and address to bind: from `localHost` (resolved) or `family`. */
async function localTarget(
  options: UDPSocketOptions,
  fallbackFamily: 4 | 6 | undefined,
): Promise<{ family: 4 | 6; host: string | undefined }> {
  const { localHost, family } = options;
  if (localHost === undefined) {
    const f = family ?? fallbackFamily;
    if (f === undefined) throw new TypeError("Either family or localHost must be given");
    return { family: f, host: undefined };
  }
  if (isIP(localHost) !== 0) {
    const f = isIP(localHost) as 4 | 6;
    if (family !== undefined && family !== f) {
      throw new RangeError(`localHost ${localHost} is not an IPv${family} address`);
    }
    return { family: f, host: localHost };
  }
  const infos = await udpSeams.getaddrinfo(localHost, 0, family !== undefined ? { family } : {});
  const first = infos[0];
  if (first === undefined) throw new Error(`${localHost} has no address`);
  return { family: first.family, host: first.host };
}

/**
 * Creates a UDP socket bound to `localHost` and `localPort` (or to every interface of
 * `family` and a free port). The caller owns it and must close it.
 *
 * Cancellation: a checkpoint; a cancelled call leaves nothing open.
 *
 * @throws {TypeError} If neither `family` nor `localHost` is given ("Either family or localHost
 *   must be given"), or an option has the wrong type.
 * @throws {RangeError} If `family` or `localPort` is out of range.
 * @throws {Error} The bind error (`EADDRINUSE`...), or `reusePort` where it is not supported.
 * @throws {Cancelled} If the scope is cancelled.
 * @example
 * ```ts
 * import { createUdpSocket, SocketAttribute } from "anyio-ts";
 * await using socket = await createUdpSocket({ family: 4 });
 * console.assert(socket.extra(SocketAttribute.localPort) > 0); // a real port even unbound
 * ```
 */
export async function createUdpSocket(options: UDPSocketOptions = {}): Promise<UDPSocket> {
  const checked = checkOptions(options);
  const cancel = effectiveCancel(currentNode());
  if (cancel !== undefined) throw cancel;
  const { family, host } = await localTarget(checked, undefined);
  const raw = await openUdpSocket(family, host, checked.localPort, checked.reusePort);
  return new UDPSocket(raw);
}

/**
 * Creates a UDP socket connected to `remoteHost` on `remotePort`: it receives only that peer's
 * datagrams. The family follows the remote address (a host name is resolved, the first
 * address used) unless `family` says otherwise. The caller owns it and must close it.
 *
 * Cancellation: a checkpoint; a cancelled call leaves nothing open.
 *
 * @throws {TypeError} If `remoteHost` is not a string, or an option has the wrong type.
 * @throws {RangeError} If a port or `family` is out of range.
 * @throws {Error} The resolver's or bind error, or `reusePort` where it is not supported.
 * @throws {Cancelled} If the scope is cancelled.
 * @example
 * ```ts
 * import { createConnectedUdpSocket, SocketAttribute } from "anyio-ts";
 * await using socket = await createConnectedUdpSocket("127.0.0.1", 9);
 * console.assert(socket.extra(SocketAttribute.remotePort) === 9);
 * ```
 */
export async function createConnectedUdpSocket(
  remoteHost: string,
  remotePort: number,
  options: UDPSocketOptions = {},
): Promise<ConnectedUDPSocket> {
  if (typeof remoteHost !== "string" || remoteHost === "") {
    throw new TypeError(`remoteHost must be a non-empty string, got ${describeValue(remoteHost)}`);
  }
  checkPort(remotePort, "remotePort");
  const checked = checkOptions(options);
  const cancel = effectiveCancel(currentNode());
  if (cancel !== undefined) throw cancel;
  let remote: { host: string; family: 4 | 6 };
  const literal = isIP(remoteHost);
  if (literal !== 0) remote = { host: remoteHost, family: literal as 4 | 6 };
  else {
    const infos = await udpSeams.getaddrinfo(
      remoteHost,
      remotePort,
      checked.family !== undefined ? { family: checked.family } : {},
    );
    const first = infos[0];
    if (first === undefined) throw new Error(`${remoteHost} has no address`);
    remote = { host: first.host, family: first.family };
  }
  const { family, host } = await localTarget(
    { ...checked, family: checked.family ?? remote.family },
    remote.family,
  );
  const raw = await openUdpSocket(family, host, checked.localPort, checked.reusePort);
  try {
    await park(new ConnectWaiter(raw, remote.host, remotePort));
  } catch (error) {
    await new Promise<void>((resolve) => raw.close(() => resolve()));
    throw error;
  }
  return new ConnectedUDPSocket(raw);
}
