/**
 * UDP sockets over `node:dgram`: `createUdpSocket` (packets with their address) and
 * `createConnectedUdpSocket` (one peer, plain bytes).
 *
 * Design
 * ------
 * `node:dgram` delivers datagrams with `'message'` events and cannot be paused. Each datagram
 * is handed to a parked `receive()` if there is one, and queued otherwise, up to
 * {@link UDP_QUEUE_LIMIT} datagrams; beyond that new ones are dropped (as the kernel does when
 * its receive buffer is full) and counted in `droppedPackets`. A cancelled receive takes
 * nothing. Sends complete when `node:dgram` reports the datagram handed to the kernel.
 *
 * UNIX datagram sockets (AnyIO's `create_unix_datagram_socket`): `node:dgram` knows only
 * `udp4` and `udp6` on Node, Bun and Deno (`createSocket("unix_dgram")` throws
 * `ERR_SOCKET_BAD_TYPE` on all four), Node has no other way, and Deno's own
 * `Deno.listenDatagram({ transport: "unixpacket" })` exists only under `--unstable-net`. So
 * `createUnixDatagramSocket` and `createConnectedUnixDatagramSocket` throw an error that says
 * so: code ported from AnyIO fails with the reason, not with a missing function.
 *
 * @module
 */

import * as dgram from "node:dgram";
import { isIP } from "node:net";
import { capabilities } from "../backends/runtime.js";
import { currentNode, effectiveCancel, park, Waiter } from "../core/_internal/kernel.js";
import { yieldValue } from "../core/checkpoint.js";
import { BrokenResourceError, BusyResourceError, ClosedResourceError } from "../core/errors.js";
import { checkBytes, describeValue } from "../streams/_internal/checks.js";
import { UnreliableObjectStream } from "../streams/object-stream.js";
import type { ExtraAttributes } from "../streams/typed-attribute.js";
import { checkPort, getaddrinfo } from "./dns.js";
import { type IPSocketAddress, SocketAttribute } from "./socket-attribute.js";

/**
 * How many received datagrams wait for `receive()` before new ones are dropped (and counted in
 * `droppedPackets`).
 *
 * @example
 * ```ts
 * import { UDP_QUEUE_LIMIT } from "anyio-ts";
 * console.assert(UDP_QUEUE_LIMIT === 1024);
 * ```
 */
export const UDP_QUEUE_LIMIT = 1024;

/**
 * What `sendto`, `createUdpSocket` and `createConnectedUdpSocket` resolve host names with;
 * tests swap it to fake DNS (a name with both an IPv4 and an IPv6 address, say).
 * @internal
 */
export const udpSeams = { getaddrinfo };

/**
 * A datagram and the address it came from (or goes to).
 *
 * @example
 * ```ts
 * import { type UDPPacket } from "anyio-ts";
 * const packet: UDPPacket = { data: new Uint8Array([1]), address: { host: "127.0.0.1", port: 53 } };
 * console.assert(packet.address.port === 53);
 * ```
 */
export interface UDPPacket {
  readonly data: Uint8Array;
  readonly address: IPSocketAddress;
}

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

/** Whether `dgram.createSocket({ reusePort })` is honoured here. @internal */
export function udpReusePortSupported(): boolean {
  return capabilities.udpReusePort;
}

type Queued = { data: Uint8Array; address: IPSocketAddress };

class ReceiveWaiter extends Waiter<Queued> {
  constructor(readonly socket: BaseUdp) {
    super();
  }
  override abort(): boolean {
    this.socket._receiver = undefined;
    return true;
  }
  override describe(): string {
    return "UDP receive";
  }
}

class SendWaiter extends Waiter<void> {
  constructor(
    readonly run: (callback: (error: Error | null) => void) => void,
    readonly socket: BaseUdp,
  ) {
    super();
  }
  override onPark(): void {
    this.run((error) => {
      if (error == null) this.resolve(undefined);
      else this.reject(this.socket._failure(error));
    });
  }
  override abort(): boolean {
    // The datagram is with node:dgram already; it goes out (or not: UDP).
    return false;
  }
  override describe(): string {
    return "UDP send";
  }
}

class CloseWaiter extends Waiter<void> {
  override abort(): boolean {
    return false;
  }
  override describe(): string {
    return "UDP close";
  }
}

class BindWaiter extends Waiter<void> {
  constructor(
    readonly socket: dgram.Socket,
    readonly address: string | undefined,
    readonly port: number,
  ) {
    super();
  }
  override onPark(): void {
    const onError = (error: Error): void => this.reject(error);
    this.socket.once("error", onError);
    const options: dgram.BindOptions = { port: this.port };
    if (this.address !== undefined) options.address = this.address;
    this.socket.bind(options, () => {
      this.socket.off("error", onError);
      this.resolve(undefined);
    });
  }
  override abort(): boolean {
    return false; // binding is immediate; the caller closes the socket if it was cancelled
  }
  override describe(): string {
    return "UDP bind";
  }
}

class ConnectWaiter extends Waiter<void> {
  constructor(
    readonly socket: dgram.Socket,
    readonly host: string,
    readonly port: number,
  ) {
    super();
  }
  override onPark(): void {
    this.socket.connect(this.port, this.host, (error?: Error) => {
      if (error == null) this.resolve(undefined);
      else this.reject(error);
    });
  }
  override abort(): boolean {
    return false;
  }
  override describe(): string {
    return `UDP connect ${this.host}:${this.port}`;
  }
}

/** What the two socket classes share: the queue, errors, closing. @internal */
abstract class BaseUdp {
  readonly raw: dgram.Socket;
  readonly #queue: Queued[] = [];
  #error: Error | undefined = undefined;
  #closed = false;
  #closing: Promise<void> | undefined = undefined;
  #rawClosed = false;
  #closeWaiter: CloseWaiter | undefined = undefined;
  #receiving = false;
  #dropped = 0;
  /** @internal */ _receiver: ReceiveWaiter | undefined = undefined;

  readonly #onMessage = (message: Buffer, info: dgram.RemoteInfo): void => {
    // Deno's node:dgram connects in name only: datagrams from other hosts still arrive.
    const peer = this.peer;
    if (peer !== undefined && (info.port !== peer.port || info.address !== peer.host)) return;
    const packet: Queued = { data: message, address: { host: info.address, port: info.port } };
    const waiter = this._receiver;
    if (waiter !== undefined) {
      this._receiver = undefined;
      waiter.resolve(packet);
    } else if (this.#queue.length < UDP_QUEUE_LIMIT) this.#queue.push(packet);
    else this.#dropped++;
  };

  readonly #onError = (error: Error): void => {
    // An ICMP error for an earlier datagram (ECONNREFUSED on a connected socket): reported by
    // the next receive, the socket stays usable.
    const waiter = this._receiver;
    if (waiter !== undefined) {
      this._receiver = undefined;
      waiter.reject(new BrokenResourceError("the peer refused a datagram", { cause: error }));
    } else this.#error = error;
  };

  constructor(
    raw: dgram.Socket,
    readonly peer?: IPSocketAddress,
  ) {
    this.raw = raw;
    raw.on("message", this.#onMessage);
    raw.on("error", this.#onError);
    raw.on("close", this.#onClose);
  }

  get dropped(): number {
    return this.#dropped;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async receivePacket(): Promise<Queued> {
    if (this.#closed) throw new ClosedResourceError();
    if (this.#receiving) throw new BusyResourceError("reading from");
    const cancel = effectiveCancel(currentNode());
    if (cancel !== undefined) throw cancel;
    const error = this.#error;
    if (error !== undefined) {
      this.#error = undefined;
      throw new BrokenResourceError("the peer refused a datagram", { cause: error });
    }
    const queued = this.#queue.shift();
    if (queued !== undefined) return yieldValue(queued);
    this.#receiving = true;
    try {
      const waiter = new ReceiveWaiter(this);
      this._receiver = waiter;
      return await park(waiter);
    } finally {
      this.#receiving = false;
    }
  }

  async sendWith(run: (callback: (error: Error | null) => void) => void): Promise<void> {
    if (this.#closed) throw new ClosedResourceError();
    const cancel = effectiveCancel(currentNode());
    if (cancel !== undefined) throw cancel;
    await park(new SendWaiter(run, this));
  }

  /** @internal */
  _failure(error: Error): Error {
    if (this.#closed) return new ClosedResourceError();
    return new BrokenResourceError("sending the datagram failed", { cause: error });
  }

  /** Everything after this throws `ClosedResourceError`, a blocked receive too. */
  #markClosed(): void {
    this.#closed = true;
    this.#queue.length = 0;
    const waiter = this._receiver;
    this._receiver = undefined;
    waiter?.reject(new ClosedResourceError());
  }

  // node:dgram's 'close' event: after our raw.close() (the socket is released), or when someone
  // closed rawSocket under us; then fail like close() would rather than leave a receive
  // waiting forever.
  readonly #onClose = (): void => {
    this.#rawClosed = true;
    this.#markClosed();
    this.#closeWaiter?.resolve(undefined);
  };

  close(): Promise<void> {
    // Every caller, a second concurrent one too, returns only once the port is released.
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#markClosed();
    // Closed already through rawSocket: nothing left to release. (Deno's node:dgram would
    // never call back a second close(); Node's would throw ERR_SOCKET_DGRAM_NOT_RUNNING.)
    if (!this.#rawClosed) {
      const closing = new CloseWaiter();
      this.#closeWaiter = closing;
      const done = park(closing, currentNode(), false);
      try {
        this.raw.close();
      } catch {
        // rawSocket.close() was called just before and its 'close' event is not out yet; the
        // handle is closed already.
        closing.resolve(undefined);
      }
      await done;
    }
    this.raw.off("message", this.#onMessage);
    this.raw.off("error", this.#onError);
    this.raw.off("close", this.#onClose);
  }
}

/** 4 or 6, from the bound address (some Node versions gave the family as a number). */
function socketFamily(raw: dgram.Socket): 4 | 6 {
  const { family } = raw.address();
  return family === "IPv6" || (family as unknown) === 6 ? 6 : 4;
}

function localAttributes(raw: dgram.Socket, connected: boolean): ExtraAttributes {
  const local = raw.address();
  const family = socketFamily(raw) === 6 ? "IPv6" : "IPv4";
  const address = { host: local.address, port: local.port };
  const map = new Map<Parameters<ExtraAttributes["get"]>[0], () => unknown>([
    [SocketAttribute.family, () => family],
    [SocketAttribute.localAddress, () => address],
    [SocketAttribute.localPort, () => address.port],
    [SocketAttribute.rawSocket, () => raw],
  ]);
  if (connected) {
    const remote = raw.remoteAddress();
    const peer = { host: remote.address, port: remote.port };
    map.set(SocketAttribute.remoteAddress, () => peer);
    map.set(SocketAttribute.remotePort, () => peer.port);
  }
  return map;
}

/**
 * An unconnected UDP socket: receives datagrams from anyone, as {@link UDPPacket}s, and sends
 * to any address. Made by {@link createUdpSocket}; the caller owns it and must close it.
 * Datagrams may be lost, duplicated or reordered (it is an unreliable stream); those arriving
 * while nobody receives wait in a queue of {@link UDP_QUEUE_LIMIT}, beyond which new ones are
 * dropped and counted in `droppedPackets`.
 *
 * @example
 * ```ts
 * import { createUdpSocket, SocketAttribute } from "anyio-ts";
 * await using a = await createUdpSocket({ localHost: "127.0.0.1" });
 * await using b = await createUdpSocket({ localHost: "127.0.0.1" });
 * await a.sendto(new TextEncoder().encode("hi"), "127.0.0.1", b.extra(SocketAttribute.localPort));
 * const { data, address } = await b.receive();
 * console.assert(new TextDecoder().decode(data) === "hi");
 * console.assert(address.port === a.extra(SocketAttribute.localPort));
 * ```
 */
export class UDPSocket extends UnreliableObjectStream<UDPPacket> {
  readonly #base: BaseUdp;
  readonly #attributes: ExtraAttributes;

  readonly #family: 4 | 6;

  /** @internal Use {@link createUdpSocket}. */
  constructor(raw: dgram.Socket) {
    super();
    this.#base = new (class extends BaseUdp {})(raw);
    this.#attributes = localAttributes(raw, false);
    this.#family = socketFamily(raw);
  }

  /** `family`, `localAddress`, `localPort` and `rawSocket` (the `node:dgram` socket). */
  override get extraAttributes(): ExtraAttributes {
    return this.#attributes;
  }

  /** How many datagrams were dropped because the receive queue was full. */
  get droppedPackets(): number {
    return this.#base.dropped;
  }

  /**
   * Receives the next datagram and the address it came from.
   *
   * Cancellation: a checkpoint; a cancelled receive takes no datagram.
   *
   * @throws {ClosedResourceError} If the socket was closed (also while this receive waited).
   * @throws {BusyResourceError} If another task is receiving.
   * @throws {BrokenResourceError} Once, for an ICMP error about an earlier datagram (`cause`:
   *   the OS error); the socket stays usable.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { createUdpSocket, moveOnAfter } from "anyio-ts";
   * await using socket = await createUdpSocket({ family: 4 });
   * await moveOnAfter(10).run(() => socket.receive()); // nothing came: moved on
   * ```
   */
  async receive(): Promise<UDPPacket> {
    return this.#base.receivePacket();
  }

  /**
   * Sends `packet.data` to `packet.address`, as {@link UDPSocket.sendto} does.
   *
   * Cancellation: a checkpoint; once handed to `node:dgram`, the datagram goes out.
   *
   * @throws {TypeError} If the data is not a `Uint8Array` or the address is malformed.
   * @throws {RangeError} If the port is out of range, or the host an IPv6 address and this
   *   socket IPv4.
   * @throws {Error} The resolver's error if the host is a name that does not resolve.
   * @throws {ClosedResourceError} If the socket was closed.
   * @throws {BrokenResourceError} If the kernel refused it (`cause`: the OS error, such as
   *   `EMSGSIZE`).
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { createUdpSocket, SocketAttribute } from "anyio-ts";
   * await using a = await createUdpSocket({ localHost: "127.0.0.1" });
   * await a.send({ data: new Uint8Array([1]), address: { host: "127.0.0.1", port: a.extra(SocketAttribute.localPort) } });
   * console.assert((await a.receive()).data[0] === 1); // sent to itself
   * ```
   */
  async send(packet: UDPPacket): Promise<void> {
    if (typeof packet !== "object" || packet === null || typeof packet.address !== "object") {
      throw new TypeError(`packet must be { data, address }, got ${describeValue(packet)}`);
    }
    await this.sendto(packet.data, packet.address?.host, packet.address?.port);
  }

  /**
   * Sends `data` to `host` on `port`. `host` is an IP address or a name, resolved with
   * {@link getaddrinfo} (an IPv6 address preferred on an IPv6 socket). An IPv6 socket bound to
   * every interface reaches IPv4 addresses too (sent as `::ffff:a.b.c.d`).
   *
   * Cancellation: a checkpoint; cancelled while a name is looked up, it sends nothing; once
   * handed to `node:dgram`, the datagram goes out.
   *
   * @throws {TypeError} If `data` is not a `Uint8Array` or `host` not a string.
   * @throws {RangeError} If `port` is out of range, or `host` is an IPv6 address and this
   *   socket IPv4.
   * @throws {Error} The resolver's error for a name (`code` `ENOTFOUND`...).
   * @throws {ClosedResourceError} If the socket was closed.
   * @throws {BrokenResourceError} If the kernel refused it (`cause`: the OS error).
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { createUdpSocket, SocketAttribute } from "anyio-ts";
   * await using a = await createUdpSocket({ localHost: "127.0.0.1" });
   * await a.sendto(new Uint8Array([2]), "127.0.0.1", a.extra(SocketAttribute.localPort));
   * console.assert((await a.receive()).data[0] === 2);
   * ```
   */
  async sendto(data: Uint8Array, host: string, port: number): Promise<void> {
    checkBytes(data);
    if (typeof host !== "string" || host === "") {
      throw new TypeError(`host must be a non-empty string, got ${describeValue(host)}`);
    }
    checkPort(port, "port");
    if (this.#base.closed) throw new ClosedResourceError();
    const address = isIP(host) === this.#family ? host : await this.#destination(host, port);
    const raw = this.#base.raw;
    await this.#base.sendWith((callback) => raw.send(data, port, address, callback));
  }

  /**
   * The IP address to send to: a literal as it is, a name through our `getaddrinfo` (IDNA
   * 2008, cancellable) rather than `node:dgram`'s own lookup. An IPv6 socket sends to IPv4
   * addresses in their mapped form (`::ffff:a.b.c.d`): Bun and Deno map them themselves, Node
   * refuses the plain form with `EINVAL`, so mapping here gives one behaviour everywhere.
   */
  async #destination(host: string, port: number): Promise<string> {
    const family = this.#family;
    let literal = isIP(host);
    let address = host;
    if (literal === 0) {
      const infos = await udpSeams.getaddrinfo(host, port, family === 4 ? { family: 4 } : {});
      const first = infos.find((info) => info.family === 6) ?? infos[0];
      if (first === undefined) throw new Error(`${host} has no address`);
      literal = first.family;
      address = first.host;
    }
    if (literal === family) return address;
    if (family === 6) return `::ffff:${address}`;
    throw new RangeError(`host ${host} is an IPv6 address, and this socket is IPv4`);
  }

  /**
   * Closes the socket; returns once the port is released (binding it again works at once).
   * A task blocked in `receive()` gets `ClosedResourceError`. Idempotent.
   *
   * Cancellation: none; it always finishes.
   */
  async close(): Promise<void> {
    await this.#base.close();
  }
}

/**
 * A UDP socket connected to one peer: `receive()` returns only that peer's datagrams, as bytes,
 * and `send()` goes to it. Made by {@link createConnectedUdpSocket}; the caller owns it and
 * must close it. Same queue and loss rules as {@link UDPSocket}.
 *
 * @example
 * ```ts
 * import { createConnectedUdpSocket, createUdpSocket, SocketAttribute } from "anyio-ts";
 * await using server = await createUdpSocket({ localHost: "127.0.0.1" });
 * await using client = await createConnectedUdpSocket("127.0.0.1", server.extra(SocketAttribute.localPort));
 * await client.send(new TextEncoder().encode("ping"));
 * const { data, address } = await server.receive();
 * await server.send({ data, address }); // echo
 * console.assert(new TextDecoder().decode(await client.receive()) === "ping");
 * ```
 */
export class ConnectedUDPSocket extends UnreliableObjectStream<Uint8Array> {
  readonly #base: BaseUdp;
  readonly #attributes: ExtraAttributes;

  /** @internal Use {@link createConnectedUdpSocket}. */
  constructor(raw: dgram.Socket) {
    super();
    const remote = raw.remoteAddress();
    this.#base = new (class extends BaseUdp {})(raw, { host: remote.address, port: remote.port });
    this.#attributes = localAttributes(raw, true);
  }

  /** `family`, `localAddress`, `localPort`, `remoteAddress`, `remotePort`, `rawSocket`. */
  override get extraAttributes(): ExtraAttributes {
    return this.#attributes;
  }

  /** How many datagrams were dropped because the receive queue was full. */
  get droppedPackets(): number {
    return this.#base.dropped;
  }

  /**
   * Receives the next datagram from the peer.
   *
   * Cancellation: a checkpoint; a cancelled receive takes no datagram.
   *
   * @throws {ClosedResourceError} If the socket was closed (also while this receive waited).
   * @throws {BusyResourceError} If another task is receiving.
   * @throws {BrokenResourceError} Once, when the peer's host answered an earlier datagram with
   *   an ICMP error (`cause`: `ECONNREFUSED` when nothing listens there; Node and Bun report
   *   it, Deno does not); the socket stays usable.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { createConnectedUdpSocket, moveOnAfter } from "anyio-ts";
   * await using socket = await createConnectedUdpSocket("127.0.0.1", 9);
   * await moveOnAfter(10).run(() => socket.receive()); // discard service: no answer
   * ```
   */
  async receive(): Promise<Uint8Array> {
    return (await this.#base.receivePacket()).data;
  }

  /**
   * Sends `data` to the peer.
   *
   * Cancellation: a checkpoint; once handed to `node:dgram`, the datagram goes out.
   *
   * @throws {TypeError} If `data` is not a `Uint8Array`.
   * @throws {ClosedResourceError} If the socket was closed.
   * @throws {BrokenResourceError} If the kernel refused it (`cause`: the OS error).
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { createConnectedUdpSocket } from "anyio-ts";
   * await using socket = await createConnectedUdpSocket("127.0.0.1", 9);
   * await socket.send(new Uint8Array([0])); // to the discard port
   * ```
   */
  async send(data: Uint8Array): Promise<void> {
    checkBytes(data);
    const raw = this.#base.raw;
    await this.#base.sendWith((callback) => raw.send(data, callback));
  }

  /**
   * Closes the socket; returns once the port is released. Idempotent.
   *
   * Cancellation: none; it always finishes.
   */
  async close(): Promise<void> {
    await this.#base.close();
  }
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

/** Creates and binds a dgram socket; closes it on any failure. */
async function openSocket(
  family: 4 | 6,
  host: string | undefined,
  port: number,
  reusePort: boolean,
): Promise<dgram.Socket> {
  const options: dgram.SocketOptions & { reusePort?: boolean } = {
    type: family === 6 ? "udp6" : "udp4",
  };
  if (reusePort) options.reusePort = true;
  const raw = dgram.createSocket(options);
  try {
    await park(new BindWaiter(raw, host, port));
    return raw;
  } catch (error) {
    await new Promise<void>((resolve) => {
      try {
        raw.close(() => resolve());
      } catch {
        resolve();
      }
    });
    throw error;
  }
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
  const raw = await openSocket(family, host, checked.localPort, checked.reusePort);
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
  const raw = await openSocket(family, host, checked.localPort, checked.reusePort);
  try {
    await park(new ConnectWaiter(raw, remote.host, remotePort));
  } catch (error) {
    await new Promise<void>((resolve) => raw.close(() => resolve()));
    throw error;
  }
  return new ConnectedUDPSocket(raw);
}

const NO_UNIX_DGRAM =
  "UNIX datagram sockets are not supported: node:dgram (on Node.js, Bun and Deno) knows only udp4 and udp6";

/**
 * Not supported: always throws. `node:dgram` has no UNIX datagram sockets on any runtime (see
 * docs/networking.md for what to use instead). Kept so code ported from AnyIO fails with a
 * clear message instead of a missing function.
 *
 * @throws {Error} Always.
 * @example
 * ```ts
 * import { createUnixDatagramSocket } from "anyio-ts";
 * await createUnixDatagramSocket().catch((e) => console.assert(/not supported/.test(e.message)));
 * ```
 */
export async function createUnixDatagramSocket(..._args: unknown[]): Promise<never> {
  throw new Error(NO_UNIX_DGRAM);
}

/**
 * Not supported: always throws (see {@link createUnixDatagramSocket}).
 *
 * @throws {Error} Always.
 * @example
 * ```ts
 * import { createConnectedUnixDatagramSocket } from "anyio-ts";
 * await createConnectedUnixDatagramSocket().catch((e) => console.assert(/not supported/.test(e.message)));
 * ```
 */
export async function createConnectedUnixDatagramSocket(..._args: unknown[]): Promise<never> {
  throw new Error(NO_UNIX_DGRAM);
}
