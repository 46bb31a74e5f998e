/**
 * `ConnectedUDPSocket`: a UDP socket connected to one peer, plain bytes.
 *
 * @module
 */

import type * as dgram from "node:dgram";
import { checkBytes } from "../streams/_internal/checks.js";
import { UnreliableObjectStream } from "../streams/object-stream.js";
import type { ExtraAttributes } from "../streams/typed-attribute.js";
import { localAttributes, UDPSocketBase } from "./_internal/udp-socket-base.js";

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
  readonly #base: UDPSocketBase;
  readonly #attributes: ExtraAttributes;

  /** @internal Use {@link createConnectedUdpSocket}. */
  constructor(raw: dgram.Socket) {
    super();
    const remote = raw.remoteAddress();
    this.#base = new (class extends UDPSocketBase {})(raw, {
      host: remote.address,
      port: remote.port,
    });
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
