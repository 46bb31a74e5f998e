/**
 * `connectTcp`: opens a TCP connection, with Happy Eyeballs as AnyIO does it.
 *
 * The host is resolved (all addresses), ordered IPv6 first then alternating with IPv4 (RFC 8305
 * interleaving), and tried one after another: the next attempt starts when the previous one has
 * neither succeeded nor failed within `happyEyeballsDelay`, or at once when it fails. The first
 * connection wins; the other attempts are cancelled, and one that connects anyway is closed.
 * The attempts run in a task group of their own, so nothing outlives the call.
 *
 * With `tls` (or `tlsContext` or `tlsHostname`), the connection is wrapped in a `TLSStream`,
 * verified against `tlsHostname` (default: the host connected to).
 *
 * @module
 */
import type { Socket } from "node:net";
import { isIP } from "node:net";
import { moveOnAfter } from "../core/cancel-scope.js";
import { AnyioError, isCancellation } from "../core/errors.js";
import { ExceptionGroup } from "../core/exception-group.js";
import { withTaskGroup } from "../core/task-group.js";
import { describeValue } from "../streams/_internal/checks.js";
import { Event } from "../sync/event.js";
import {
  checkPrefixedTLSOptions,
  checkWrapOptions,
  PREFIXED_TLS_OPTION_NAMES,
} from "./_internal/check-tls-options.js";
import { connectSocket } from "./_internal/node-socket.js";
import { checkPort, getaddrinfo } from "./dns.js";
import { SocketStream } from "./socket-stream.js";
import { TLSStream } from "./tls-stream.js";
import type { TLSContextOptions, TLSWrapOptions } from "./tls-wrap-options.js";

/**
 * A connection could not be made. Whose fault: the network's or the peer's (nothing listening,
 * unreachable, a name that does not resolve).
 *
 * From {@link connectTcp}, every attempt failed: the message is "All connection attempts
 * failed" and `cause` is the single attempt's error, or an `ExceptionGroup` of every attempt's
 * error in the order they failed. From a connectable's `connect()` ({@link TCPConnectable},
 * {@link UNIXConnectable}), the message names the target, "error connecting to host:port:
 * ...", and `cause` is the error that stopped it (the resolver's, the OS's, or the
 * `ConnectionFailed` of `connectTcp`).
 *
 * @example
 * ```ts
 * import { ConnectionFailed } from "anyio-ts";
 * const error = new ConnectionFailed(new Error("ECONNREFUSED"));
 * console.assert(error.message === "All connection attempts failed" && error.code === "ANYIO_CONNECTION_FAILED");
 * const named = new ConnectionFailed(new Error("connect ECONNREFUSED"), "example.com:80");
 * console.assert(named.message === "error connecting to example.com:80: connect ECONNREFUSED");
 * ```
 */
export class ConnectionFailed extends AnyioError {
  /**
   * @param cause What stopped the connection.
   * @param target Where it was going (`host:port`, a quoted path), for a connectable's message.
   */
  constructor(cause: unknown, target?: string) {
    const message =
      target === undefined
        ? "All connection attempts failed"
        : `error connecting to ${target}: ${cause instanceof Error ? cause.message : String(cause)}`;
    super("ANYIO_CONNECTION_FAILED", message, { cause });
  }
}

/**
 * Options of {@link connectTcp}. Any of `tls`, `tlsContext` and `tlsHostname` makes the
 * connection a {@link TLSStream}.
 *
 * @example
 * ```ts
 * import { type ConnectTcpOptions } from "anyio-ts";
 * const options: ConnectTcpOptions = { localHost: "127.0.0.1", happyEyeballsDelay: 100 };
 * console.assert(options.happyEyeballsDelay === 100);
 * ```
 */
export interface ConnectTcpOptions {
  /** The local address to bind the socket to before connecting. */
  localHost?: string;
  /** The local port to bind to (with `localHost`). */
  localPort?: number;
  /**
   * Milliseconds to wait for an attempt before starting the next one in parallel.
   * @default 250
   */
  happyEyeballsDelay?: number;
  /** Wrap the connection in TLS (implied by `tlsContext` or `tlsHostname`). @default false */
  tls?: boolean;
  /** The TLS options: trust anchors (`ca`), client certificate, ALPN... */
  tlsContext?: TLSContextOptions;
  /** The host name the server's certificate must match. @default remoteHost */
  tlsHostname?: string;
  /** See {@link TLSWrapOptions.standardCompatible}. @default true */
  tlsStandardCompatible?: boolean;
}

/** Options of {@link connectTcp} that ask for TLS. */
type WithTLS = ConnectTcpOptions &
  ({ tls: true } | { tlsContext: TLSContextOptions } | { tlsHostname: string });

/**
 * What `connectTcp` resolves and connects with; tests swap these to fake DNS and slow peers.
 * @internal
 */
export const connectTcpSeams = { getaddrinfo, connectSocket };

/**
 * Checks the options of a plain TCP connection (those of {@link connectTcp} but TLS's).
 * @internal
 * @throws {TypeError} If `options` is not an object or `localHost` not a string.
 * @throws {RangeError} If `localPort` or `happyEyeballsDelay` is out of range.
 */
export function checkConnectOptions(options: ConnectTcpOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  }
  const { localHost, localPort, happyEyeballsDelay } = options;
  if (localHost !== undefined && typeof localHost !== "string") {
    throw new TypeError(`localHost must be a string, got ${describeValue(localHost)}`);
  }
  if (localPort !== undefined) checkPort(localPort, "localPort");
  if (
    happyEyeballsDelay !== undefined &&
    (typeof happyEyeballsDelay !== "number" || !(happyEyeballsDelay >= 0))
  ) {
    throw new RangeError(
      `happyEyeballsDelay must be a non-negative number, got ${describeValue(happyEyeballsDelay)}`,
    );
  }
}

interface Target {
  readonly host: string;
  readonly family: 4 | 6;
}

/** IPv6 first, then IPv4 and IPv6 alternating (RFC 8305 interleaving). */
function interleave(targets: Target[]): Target[] {
  const v6 = targets.filter((t) => t.family === 6);
  const v4 = targets.filter((t) => t.family === 4);
  const out: Target[] = [];
  for (let i = 0; i < Math.max(v6.length, v4.length); i++) {
    const a = v6[i];
    const b = v4[i];
    if (a !== undefined) out.push(a);
    if (b !== undefined) out.push(b);
  }
  return out;
}

/**
 * Connects to `remoteHost` on `remotePort` over TCP and returns the connection as a
 * {@link SocketStream} (with `TCP_NODELAY` set), or with TLS options as a {@link TLSStream}
 * over one, which the caller owns.
 *
 * Cancellation: a checkpoint; cancelling it stops every attempt (and the TLS handshake) and
 * closes any socket that connected: nothing is left open.
 *
 * @param remoteHost A host name or IP address.
 * @param remotePort The port, 1..65535.
 * @throws {TypeError} If `remoteHost` is not a string or is empty, `localHost` is not a
 *   string, or a TLS option has the wrong type (`tls` and `tlsStandardCompatible` booleans, `tlsHostname` a non-empty string,
 *   `tlsContext` an object). Every option is checked before the host is resolved: a bad one
 *   costs no lookup and no connection.
 * @throws {RangeError} If a port or `happyEyeballsDelay` is out of range.
 * @throws {ConnectionFailed} If every attempt failed ("All connection attempts failed"; `cause`
 *   is the one error or an `ExceptionGroup` of them).
 * @throws {Error} The resolver's error, as is, if the host name cannot be resolved (one that
 *   resolves to no address at all gives an `ENOTFOUND` error of the same shape).
 * @throws {BrokenResourceError} If the TLS handshake failed (`cause`: the TLS error, such as
 *   a certificate that does not match); the socket is closed.
 * @throws {Cancelled} If the scope is cancelled.
 * @example
 * ```ts
 * import { connectTcp, createTcpListener, SocketAttribute } from "anyio-ts";
 * await using listener = await createTcpListener({ localHost: "127.0.0.1" });
 * const port = listener.extra(SocketAttribute.localPort);
 * await using stream = await connectTcp("localhost", port); // tries ::1, then 127.0.0.1
 * console.assert(stream.extra(SocketAttribute.remotePort) === port);
 * ```
 */
export async function connectTcp(
  remoteHost: string,
  remotePort: number,
  options: WithTLS,
): Promise<TLSStream>;
export async function connectTcp(
  remoteHost: string,
  remotePort: number,
  options?: ConnectTcpOptions,
): Promise<SocketStream>;
export async function connectTcp(
  remoteHost: string,
  remotePort: number,
  options: ConnectTcpOptions = {},
): Promise<SocketStream | TLSStream> {
  if (typeof remoteHost !== "string") {
    throw new TypeError(`remoteHost must be a string, got ${describeValue(remoteHost)}`);
  }
  // The resolvers answer "" with no address at all instead of an error.
  if (remoteHost === "") throw new TypeError(`remoteHost must be a non-empty string, got ""`);
  checkPort(remotePort, "remotePort");
  checkConnectOptions(options);
  // The TLS options too are checked now, with the checks wrap() makes: a bad one must not
  // cost a lookup and a connection that is closed at once.
  const tlsOptions = checkPrefixedTLSOptions(options)
    ? clientWrapOptions(remoteHost, options)
    : undefined;
  const { localHost, localPort, happyEyeballsDelay = 250 } = options;
  let targets: Target[];
  const literal = isIP(remoteHost);
  if (literal !== 0) targets = [{ host: remoteHost, family: literal as 4 | 6 }];
  else {
    const infos = await connectTcpSeams.getaddrinfo(remoteHost, remotePort);
    if (infos.length === 0) throw noAddresses(remoteHost);
    targets = interleave(infos.map((i) => ({ host: i.host, family: i.family })));
  }

  let winner: Socket | undefined;
  const errors: unknown[] = [];
  try {
    await withTaskGroup(async (tg) => {
      const attempt = async (target: Target, failed: Event): Promise<void> => {
        try {
          const socket = await connectTcpSeams.connectSocket({
            host: target.host,
            port: remotePort,
            family: target.family,
            ...(localHost !== undefined ? { localAddress: localHost } : {}),
            ...(localPort !== undefined ? { localPort } : {}),
          });
          if (winner !== undefined) socket.destroy();
          else {
            winner = socket;
            tg.cancelScope.cancel();
          }
        } catch (error) {
          if (isCancellation(error)) throw error;
          errors.push(error);
          failed.set();
        }
      };
      for (const target of targets) {
        const failed = new Event();
        tg.startSoon(attempt, target, failed);
        await moveOnAfter(happyEyeballsDelay).run(() => failed.wait());
      }
    });
  } catch (error) {
    (winner as Socket | undefined)?.destroy();
    throw error;
  }
  if (winner === undefined) {
    throw new ConnectionFailed(
      errors.length === 1 ? errors[0] : new ExceptionGroup("connection attempts failed", errors),
    );
  }
  const stream = new SocketStream(winner);
  if (tlsOptions === undefined) return stream;
  // wrap() closes the socket on every failure: a failed or cancelled handshake.
  return TLSStream.wrap(stream, tlsOptions);
}

/**
 * The options `connectTcp` wraps its connection with, checked as `wrap()` will check them,
 * errors naming the options as `connectTcp` calls them.
 * @throws {TypeError} If the host name to verify is empty.
 */
/**
 * A name that resolved to no address is a failed lookup: the error the resolver gives for one
 * it cannot find (`ENOTFOUND`), thrown as is like every resolver error.
 */
function noAddresses(host: string): Error {
  const error = new Error(`getaddrinfo ENOTFOUND ${host} (no addresses)`);
  return Object.assign(error, { code: "ENOTFOUND", hostname: host });
}

function clientWrapOptions(remoteHost: string, options: ConnectTcpOptions): TLSWrapOptions {
  const { tlsContext, tlsHostname, tlsStandardCompatible = true } = options;
  const wrapOptions: TLSWrapOptions = {
    serverSide: false,
    hostname: tlsHostname ?? remoteHost,
    ...(tlsContext !== undefined ? { context: tlsContext } : {}),
    standardCompatible: tlsStandardCompatible,
  };
  checkWrapOptions(wrapOptions, {
    ...PREFIXED_TLS_OPTION_NAMES,
    // Without a tlsHostname, the host connected to is the name verified.
    hostname: tlsHostname === undefined ? "remoteHost" : "tlsHostname",
  });
  return wrapOptions;
}
