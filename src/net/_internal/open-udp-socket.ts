/**
 * Making the `node:dgram` socket under a {@link UDPSocket} or {@link ConnectedUDPSocket}:
 * binding it, connecting it, and the seams tests swap.
 *
 * @module
 */

import * as dgram from "node:dgram";
import { capabilities } from "../../backends/runtime.js";
import { park, Waiter } from "../../core/_internal/kernel.js";
import { getaddrinfo } from "../dns.js";

/**
 * What `sendto`, `createUdpSocket` and `createConnectedUdpSocket` resolve host names with;
 * tests swap it to fake DNS (a name with both an IPv4 and an IPv6 address, say).
 * @internal
 */
export const udpSeams = { getaddrinfo };

/** Whether `dgram.createSocket({ reusePort })` is honoured here. @internal */
export function udpReusePortSupported(): boolean {
  return capabilities.udpReusePort;
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

export class ConnectWaiter extends Waiter<void> {
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

/** Creates and binds a dgram socket; closes it on any failure. */
export async function openUdpSocket(
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
