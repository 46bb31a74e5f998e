/**
 * What a {@link UDPSocket} receives: {@link UDPPacket}s, queued up to {@link UDP_QUEUE_LIMIT}.
 *
 * @module
 */

import type { IPSocketAddress } from "./socket-attribute.js";

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
