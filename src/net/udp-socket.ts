/**
 * `UDPSocket`: an unconnected UDP socket, datagrams with their addresses.
 *
 * @module
 */

import type * as dgram from "node:dgram";
import { isIP } from "node:net";
import { ClosedResourceError } from "../core/errors.js";
import { checkBytes, describeValue } from "../streams/_internal/checks.js";
import { UnreliableObjectStream } from "../streams/object-stream.js";
import type { ExtraAttributes } from "../streams/typed-attribute.js";
import { udpSeams } from "./_internal/open-udp-socket.js";
import { localAttributes, socketFamily, UDPSocketBase } from "./_internal/udp-socket-base.js";
import { checkPort } from "./dns.js";
import type { UDPPacket } from "./udp-packet.js";

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
  readonly #base: UDPSocketBase;
  readonly #attributes: ExtraAttributes;

  readonly #family: 4 | 6;

  /** @internal Use {@link createUdpSocket}. */
  constructor(raw: dgram.Socket) {
    super();
    this.#base = new (class extends UDPSocketBase {})(raw);
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
