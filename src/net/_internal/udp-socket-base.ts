/**
 * What {@link UDPSocket} and {@link ConnectedUDPSocket} share: the receive queue and its single
 * waiter, errors, closing, and the socket's attributes.
 *
 * Design
 * ------
 * `node:dgram` delivers datagrams with `'message'` events and cannot be paused. Each datagram
 * is handed to a parked `receive()` if there is one, and queued otherwise, up to
 * {@link UDP_QUEUE_LIMIT} datagrams; beyond that new ones are dropped (as the kernel does when
 * its receive buffer is full) and counted in `droppedPackets`. A cancelled receive takes
 * nothing. Sends complete when `node:dgram` reports the datagram handed to the kernel.
 *
 * @module
 */

import type * as dgram from "node:dgram";
import { currentNode, effectiveCancel, park, Waiter } from "../../core/_internal/kernel.js";
import { yieldValue } from "../../core/checkpoint.js";
import { BrokenResourceError, BusyResourceError, ClosedResourceError } from "../../core/errors.js";
import type { ExtraAttributes } from "../../streams/typed-attribute.js";
import { type IPSocketAddress, SocketAttribute } from "../socket-attribute.js";
import { UDP_QUEUE_LIMIT } from "../udp-packet.js";

export type Queued = { data: Uint8Array; address: IPSocketAddress };

class ReceiveWaiter extends Waiter<Queued> {
  constructor(readonly socket: UDPSocketBase) {
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
    readonly socket: UDPSocketBase,
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

/** What the two socket classes share: the queue, errors, closing. @internal */
export abstract class UDPSocketBase {
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
export function socketFamily(raw: dgram.Socket): 4 | 6 {
  const { family } = raw.address();
  return family === "IPv6" || (family as unknown) === 6 ? 6 : 4;
}

export function localAttributes(raw: dgram.Socket, connected: boolean): ExtraAttributes {
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
