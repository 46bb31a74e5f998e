/**
 * The state that every clone of one memory object stream shares: the buffer, the parked
 * senders and receivers, and how many ends of each kind are open. The hot path lives here.
 *
 * Design
 * ------
 * An item moves from a sender to a receiver in one of three ways, always synchronously inside
 * the call that makes it possible, so no item is ever in flight between two places:
 *
 * - `offer()` (a send): straight into a parked receiver (`resolve(item)`), else into the buffer
 *   if there is room. A receiver whose scope is already cancelled is skipped (and rejected with
 *   that `Cancelled`), so the item goes to the next receiver or the buffer instead of to a task
 *   that would never see it.
 * - `take()` (a receive): from the buffer (then the oldest parked sender's item moves into the
 *   freed slot and that sender is resolved), else straight from a parked sender.
 *
 * Handing over *resolves* the waiter, which unlinks it from the cancellation tree at once: a
 * cancellation that arrives a moment later finds nothing to abort, so the receiver's `receive()`
 * returns the item (and the next checkpoint throws). A waiter that is still parked when its
 * scope is cancelled is asked to `abort()`: it leaves the queue, so a cancelled send takes its
 * item back and a cancelled receive leaves no trace.
 *
 * Closing a clone wakes the operations parked *on that clone* with `ClosedResourceError` (as in
 * Trio; AnyIO leaves them waiting). Closing the last send clone wakes every receiver with
 * `EndOfStream`; closing the last receive clone wakes every sender with `BrokenResourceError`.
 *
 * Rejected alternatives: a promise chain per hand-over (one more allocation and microtask per
 * item, and a window in which a cancelled receiver would drop the item); grants delivered a
 * microtask later as the sync primitives do (a stream must not take an item back from a receiver
 * once handed over, so there is nothing to gain from the window).
 */
import { type CancelNode, effectiveCancel, Waiter } from "../../core/_internal/kernel.js";
import { BrokenResourceError, ClosedResourceError, EndOfStream } from "../../core/errors.js";
import { RingBuffer } from "./ring-buffer.js";
import { type QueueLinks, WaiterQueue } from "./waiter-queue.js";

/** What `take()` returns when there is nothing to take. */
export const EMPTY: unique symbol = Symbol("empty");

/**
 * A `receive()` parked until an item (or the end of the stream) comes.
 *
 * Fields are assigned in the constructor rather than declared with initializers: V8 builds
 * such objects about twice as fast, and one is made per blocked receive.
 */
export class ReceiveWaiter<T> extends Waiter<T> implements QueueLinks {
  declare _qPrev: QueueLinks | null;
  declare _qNext: QueueLinks | null;
  /** The receive clone it waits on. */
  declare readonly owner: object;
  declare readonly state: MemoryState<T>;

  constructor(state: MemoryState<T>, owner: object) {
    super();
    this._qPrev = null;
    this._qNext = null;
    this.owner = owner;
    this.state = state;
  }

  override onPark(): void {
    this.state.receivers.push(this);
  }

  override abort(): boolean {
    this.state.receivers.remove(this);
    return true;
  }

  override describe(): string {
    return "MemoryObjectReceiveStream.receive";
  }
}

/** A `send()` parked with its item until a receiver takes it. */
export class SendWaiter<T> extends Waiter<void> implements QueueLinks {
  declare _qPrev: QueueLinks | null;
  declare _qNext: QueueLinks | null;
  /** The send clone it waits on. */
  declare readonly owner: object;
  declare readonly state: MemoryState<T>;
  /** The item, until a receiver takes it or the send is withdrawn (then dropped). */
  declare item: T;

  constructor(state: MemoryState<T>, owner: object, item: T) {
    super();
    this._qPrev = null;
    this._qNext = null;
    this.owner = owner;
    this.state = state;
    this.item = item;
  }

  override onPark(): void {
    this.state.senders.push(this);
  }

  override abort(): boolean {
    this.state.senders.remove(this); // the item is withdrawn with it
    this.item = undefined as T;
    return true;
  }

  override describe(): string {
    return "MemoryObjectSendStream.send";
  }
}

export class MemoryState<T> {
  readonly maxBufferSize: number;
  readonly buffer: RingBuffer<T>;
  readonly receivers = new WaiterQueue<ReceiveWaiter<T>>();
  readonly senders = new WaiterQueue<SendWaiter<T>>();
  openSendStreams = 1;
  openReceiveStreams = 1;

  constructor(maxBufferSize: number) {
    this.maxBufferSize = maxBufferSize;
    this.buffer = new RingBuffer<T>(Math.min(maxBufferSize, 1024));
  }

  /** Hands `item` to a parked receiver or buffers it; `false` if it would have to wait. */
  offer(item: T): boolean {
    const receivers = this.receivers;
    for (let w = receivers.shift(); w !== null; w = receivers.shift()) {
      const cancelled = effectiveCancel(w._node as CancelNode);
      if (cancelled === undefined) {
        w.resolve(item);
        return true;
      }
      w.reject(cancelled);
    }
    if (this.buffer.size < this.maxBufferSize) {
      this.buffer.push(item);
      return true;
    }
    return false;
  }

  /** Takes the next item from the buffer or a parked sender, or answers {@link EMPTY}. */
  take(): T | typeof EMPTY {
    const buffer = this.buffer;
    if (buffer.size > 0) {
      const item = buffer.shift();
      const sender = this.senders.shift();
      if (sender !== null) {
        buffer.push(sender.item);
        sender.item = undefined as T; // the waiter may be reused: it must not keep the item
        sender.resolve();
      }
      return item;
    }
    const sender = this.senders.shift();
    if (sender === null) return EMPTY;
    const item = sender.item;
    sender.item = undefined as T;
    sender.resolve();
    return item;
  }

  /** A send clone was closed: its parked sends fail; the last one ends the stream. */
  closeSender(owner: object): void {
    rejectOwned(this.senders, owner);
    if (--this.openSendStreams > 0) return;
    const receivers = this.receivers;
    for (let w = receivers.shift(); w !== null; w = receivers.shift()) w.reject(new EndOfStream());
  }

  /** A receive clone was closed: its parked receives fail; the last one breaks the stream. */
  closeReceiver(owner: object): void {
    rejectOwned(this.receivers, owner);
    if (--this.openReceiveStreams > 0) return;
    const senders = this.senders;
    for (let w = senders.shift(); w !== null; w = senders.shift()) {
      w.item = undefined as T; // nobody will take it, and the waiter may be its end's spare
      w.reject(new BrokenResourceError("every receiving end of the stream is closed"));
    }
  }
}

/** Rejects, with `ClosedResourceError`, the waiters of `queue` that wait on `owner`. */
function rejectOwned<
  W extends QueueLinks & { readonly owner: object; reject(error: unknown): void },
>(queue: WaiterQueue<W>, owner: object): void {
  let w = queue.head;
  while (w !== null) {
    const next = w._qNext as W | null;
    if (w.owner === owner) {
      queue.remove(w);
      w.reject(new ClosedResourceError("the stream was closed while this operation waited"));
    }
    w = next;
  }
}
