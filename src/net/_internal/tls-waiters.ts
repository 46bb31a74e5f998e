/**
 * What a {@link TLSStream} parks on: a change of its state, one event-loop turn, the TLS engine
 * taking plaintext.
 *
 * @module
 */

import type * as tls from "node:tls";
import { Waiter } from "../../core/_internal/kernel.js";

/** What the waiters need of the stream they wait for (a `TLSStream`). */
export interface TLSWaiterHost {
  _stateWaiter: StateWaiter | undefined;
  _writer: WriteWaiter | undefined;
  _failure(error: Error): Error;
}

/** Wakes a stream's single state waiter on any change (data, end, error, secure, sent). */
export class StateWaiter extends Waiter<void> {
  constructor(readonly stream: TLSWaiterHost) {
    super();
  }
  override abort(): boolean {
    this.stream._stateWaiter = undefined;
    return true;
  }
  override describe(): string {
    return "TLSStream (waiting for the TLS engine)";
  }
}

/** One event-loop turn, for the TLS engine's deferred events. */
export class TurnWaiter extends Waiter<void> {
  #handle: ReturnType<typeof setImmediate> | undefined = undefined;
  override onPark(): void {
    this.#handle = setImmediate(() => this.resolve(undefined));
  }
  override abort(): boolean {
    clearImmediate(this.#handle);
    return true;
  }
  override describe(): string {
    return "TLSStream (one turn)";
  }
}

/** Waits until `node:tls` took the plaintext (its write callback). */
export class WriteWaiter extends Waiter<void> {
  constructor(
    readonly stream: TLSWaiterHost,
    readonly socket: tls.TLSSocket,
    readonly data: Uint8Array,
  ) {
    super();
  }
  override onPark(): void {
    this.socket.write(this.data, (error) => {
      if (error == null) this.resolve(undefined);
      else this.reject(this.stream._failure(error));
    });
  }
  override abort(): boolean {
    // The bytes stay queued in the TLS engine and are still sent: nothing lost or duplicated.
    this.stream._writer = undefined;
    return true;
  }
  override describe(): string {
    return "TLSStream.send";
  }
}
