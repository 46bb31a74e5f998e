/**
 * Memory object streams: `createMemoryObjectStream`, `MemoryObjectSendStream`,
 * `MemoryObjectReceiveStream`.
 *
 * A channel between tasks of one process: each item sent goes to exactly one receiver, in FIFO
 * order, through a buffer of a fixed size (0 by default: every send waits for a receiver). Ends
 * can be cloned, and the stream ends (or breaks) when every clone of one side is closed. See
 * `_internal/memory-state.ts` for how items move and why none is lost, and docs/streams.md.
 *
 * Costs: an operation that can complete at once (an item waiting, a receiver waiting, room in
 * the buffer) parks nothing and allocates nothing but the promise it returns (for `send()`, not
 * even that: a shared settled one). A blocked operation allocates its promise, and a waiter
 * only when the end's waiter from its last blocked operation is still in use.
 *
 * @module
 */
import { currentNode, effectiveCancel, park } from "../core/_internal/kernel.js";
import { yieldNow, yieldValue } from "../core/checkpoint.js";
import {
  BrokenResourceError,
  ClosedResourceError,
  EndOfStream,
  WouldBlock,
} from "../core/errors.js";
import { EMPTY, MemoryState, ReceiveWaiter, SendWaiter } from "./_internal/memory-state.js";
import { ObjectReceiveStream, ObjectSendStream } from "./object-stream.js";

/**
 * What {@link MemoryObjectSendStream.statistics} reports; the same from every clone.
 *
 * @example
 * ```ts
 * import { createMemoryObjectStream, type MemoryObjectStreamStatistics } from "anyio-ts";
 * const [send, receive] = createMemoryObjectStream<string>(4);
 * send.sendNowait("queued");
 * const stats: MemoryObjectStreamStatistics = receive.statistics();
 * console.assert(stats.currentBufferUsed === 1 && stats.openSendStreams === 1);
 * send.close();
 * receive.close();
 * ```
 */
export interface MemoryObjectStreamStatistics {
  /** How many items are in the buffer. */
  readonly currentBufferUsed: number;
  /** The buffer's size, as created (`Infinity` for unbounded). */
  readonly maxBufferSize: number;
  /** How many send clones are open. */
  readonly openSendStreams: number;
  /** How many receive clones are open. */
  readonly openReceiveStreams: number;
  /** How many tasks are blocked in `send()`. */
  readonly tasksWaitingSend: number;
  /** How many tasks are blocked in `receive()`. */
  readonly tasksWaitingReceive: number;
}

const SETTLED: Promise<void> = Promise.resolve();

function statisticsOf<T>(state: MemoryState<T>): MemoryObjectStreamStatistics {
  return {
    currentBufferUsed: state.buffer.size,
    maxBufferSize: state.maxBufferSize,
    openSendStreams: state.openSendStreams,
    openReceiveStreams: state.openReceiveStreams,
    tasksWaitingSend: state.senders.size,
    tasksWaitingReceive: state.receivers.size,
  };
}

/**
 * Creates a memory object stream and returns its two ends: `[send, receive]`.
 *
 * The caller owns both ends and must close them (`close()`, `using`, or `await using`); closing
 * every send clone ends the stream for receivers, closing every receive clone breaks it for
 * senders.
 *
 * @param maxBufferSize How many items may wait in the stream without a receiver: 0 (the
 *   default) makes every `send()` wait until a receiver takes the item; `Infinity` never makes
 *   a sender wait.
 * @throws {TypeError} If `maxBufferSize` is not a number.
 * @throws {RangeError} If `maxBufferSize` is negative, NaN, or neither an integer nor
 *   `Infinity`.
 * @example
 * ```ts
 * import { createMemoryObjectStream, withTaskGroup } from "anyio-ts";
 * const [send, receive] = createMemoryObjectStream<string>();
 * const got: string[] = [];
 * await withTaskGroup(async (tg) => {
 *   tg.startSoon(async () => {
 *     using _ = receive;
 *     for await (const item of receive) got.push(item);
 *   });
 *   using _ = send;
 *   await send.send("a");
 *   await send.send("b");
 * });
 * console.assert(got.join() === "a,b");
 * ```
 */
export function createMemoryObjectStream<T>(
  maxBufferSize = 0,
): [MemoryObjectSendStream<T>, MemoryObjectReceiveStream<T>] {
  if (typeof maxBufferSize !== "number") {
    throw new TypeError(
      `maxBufferSize must be a non-negative integer or Infinity, got ${String(maxBufferSize)}`,
    );
  }
  if (
    !(maxBufferSize >= 0) ||
    (!Number.isInteger(maxBufferSize) && maxBufferSize !== Number.POSITIVE_INFINITY)
  ) {
    throw new RangeError(
      `maxBufferSize must be a non-negative integer or Infinity, got ${maxBufferSize}`,
    );
  }
  const state = new MemoryState<T>(maxBufferSize);
  return [new MemoryObjectSendStream(state), new MemoryObjectReceiveStream(state)];
}

/**
 * The sending end of a memory object stream (see {@link createMemoryObjectStream}). Clone it
 * to give several producers their own end; the stream ends for receivers once every clone is
 * closed.
 *
 * @example
 * ```ts
 * import { createMemoryObjectStream } from "anyio-ts";
 * const [send, receive] = createMemoryObjectStream<number>(1);
 * send.sendNowait(42);
 * send.close();
 * console.assert(receive.receiveNowait() === 42);
 * receive.close();
 * ```
 */
export class MemoryObjectSendStream<T> extends ObjectSendStream<T> implements Disposable {
  readonly #state: MemoryState<T>;
  #closed = false;
  /**
   * The waiter of this end's last blocking send, reused by the next one once it has completed
   * (as the receive end does; its item is dropped when it completes, and the spare goes with
   * `close()`).
   */
  #spare: SendWaiter<T> | null = null;

  /** @internal Use {@link createMemoryObjectStream}. */
  constructor(state: MemoryState<T>) {
    super();
    this.#state = state;
  }

  /**
   * Sends `item`: hands it to a waiting receiver, or puts it in the buffer, or else waits until
   * a receiver takes it.
   *
   * Cancellation: a checkpoint. In a cancelled scope it throws `Cancelled` and sends nothing;
   * cancelled while waiting, it takes its item back (no receiver will get it) and throws
   * `Cancelled`. Once a receiver has taken the item, the send completes normally.
   *
   * @throws {ClosedResourceError} If this end is closed, or is closed while the send waits.
   * @throws {BrokenResourceError} If every receive end is closed, or is closed while the send
   *   waits (the item was not delivered).
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { createMemoryObjectStream, withTaskGroup } from "anyio-ts";
   * const [send, receive] = createMemoryObjectStream<string>();
   * await withTaskGroup(async (tg) => {
   *   tg.startSoon(async () => console.assert((await receive.receive()) === "hi"));
   *   await send.send("hi"); // returns once the receiver has the item
   * });
   * send.close();
   * receive.close();
   * ```
   */
  send(item: T): Promise<void> {
    const node = currentNode();
    const cancelled = effectiveCancel(node);
    if (cancelled !== undefined) return Promise.reject(cancelled);
    if (this.#closed) return Promise.reject(new ClosedResourceError());
    const state = this.#state;
    if (state.openReceiveStreams === 0) {
      return Promise.reject(new BrokenResourceError("every receiving end of the stream is closed"));
    }
    if (state.offer(item)) return yieldNow();
    let waiter = this.#spare;
    if (waiter === null || waiter._node !== null) {
      this.#spare = waiter = new SendWaiter(state, this, item);
    } else waiter.item = item;
    return park(waiter, node, false);
  }

  /**
   * Sends `item` without waiting: to a waiting receiver, or into the buffer. Not a checkpoint.
   *
   * Cancellation: none (synchronous). A waiting receiver whose scope is already cancelled is
   * passed over, so the item goes to the next receiver or the buffer.
   *
   * @throws {ClosedResourceError} If this end is closed.
   * @throws {BrokenResourceError} If every receive end is closed.
   * @throws {WouldBlock} If no receiver is waiting and the buffer is full.
   * @example
   * ```ts
   * import { createMemoryObjectStream, WouldBlock } from "anyio-ts";
   * const [send, receive] = createMemoryObjectStream<number>(1);
   * send.sendNowait(1);
   * try {
   *   send.sendNowait(2);
   * } catch (e) {
   *   console.assert(e instanceof WouldBlock); // the buffer holds one item
   * }
   * send.close();
   * receive.close();
   * ```
   */
  sendNowait(item: T): void {
    if (this.#closed) throw new ClosedResourceError();
    const state = this.#state;
    if (state.openReceiveStreams === 0) {
      throw new BrokenResourceError("every receiving end of the stream is closed");
    }
    if (!state.offer(item)) throw new WouldBlock();
  }

  /**
   * Makes another send end of the same stream. The stream stays open for receivers until every
   * clone (this one included) is closed. The caller owns the clone and must close it.
   *
   * @throws {ClosedResourceError} If this end is closed.
   * @example
   * ```ts
   * import { createMemoryObjectStream } from "anyio-ts";
   * const [send, receive] = createMemoryObjectStream<number>(10);
   * const send2 = send.clone();
   * send.close();
   * send2.sendNowait(1); // still open through the clone
   * send2.close();
   * console.assert(receive.statistics().openSendStreams === 0);
   * receive.close();
   * ```
   */
  clone(): MemoryObjectSendStream<T> {
    if (this.#closed) throw new ClosedResourceError();
    this.#state.openSendStreams++;
    return new MemoryObjectSendStream(this.#state);
  }

  /**
   * Closes this end, synchronously: sends blocked on it throw `ClosedResourceError`, and if it
   * was the last open send end, receivers get `EndOfStream` once the buffer is drained.
   * Idempotent. Returns a settled promise, so `await send.close()` and `send.close()` do the
   * same.
   *
   * Cancellation: none; it always closes.
   */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#spare = null;
      this.#state.closeSender(this);
    }
    return SETTLED;
  }

  /** Closes this end: what `using` does at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * A snapshot of the stream's state, shared by every clone of either end.
   *
   * @example
   * ```ts
   * import { createMemoryObjectStream } from "anyio-ts";
   * const [send, receive] = createMemoryObjectStream<number>(5);
   * send.sendNowait(1);
   * console.assert(send.statistics().currentBufferUsed === 1);
   * console.assert(receive.statistics().currentBufferUsed === 1);
   * send.close();
   * receive.close();
   * ```
   */
  statistics(): MemoryObjectStreamStatistics {
    return statisticsOf(this.#state);
  }
}

/**
 * The receiving end of a memory object stream (see {@link createMemoryObjectStream}). Several
 * tasks may receive from it (or from clones of it) at once: each item goes to one of them, in
 * the order they started waiting. `for await` receives until the end of the stream.
 *
 * @example
 * ```ts
 * import { createMemoryObjectStream } from "anyio-ts";
 * const [send, receive] = createMemoryObjectStream<number>(3);
 * for (const n of [1, 2, 3]) send.sendNowait(n);
 * send.close();
 * const got: number[] = [];
 * for await (const n of receive) got.push(n);
 * console.assert(got.join() === "1,2,3");
 * receive.close();
 * ```
 */
export class MemoryObjectReceiveStream<T> extends ObjectReceiveStream<T> implements Disposable {
  readonly #state: MemoryState<T>;
  #closed = false;
  /**
   * The waiter of this end's last blocking receive, reused by the next one once it has
   * completed: a consumer that keeps catching up with its producer blocks on every item, and
   * a waiter less per item is a sixth of the rendezvous cost (GC is most of it).
   */
  #spare: ReceiveWaiter<T> | null = null;

  /** @internal Use {@link createMemoryObjectStream}. */
  constructor(state: MemoryState<T>) {
    super();
    this.#state = state;
  }

  /**
   * Receives the next item: from the buffer, or from a waiting sender, or else waits for one.
   *
   * Cancellation: a checkpoint. In a cancelled scope it throws `Cancelled` and takes nothing;
   * cancelled while waiting, it leaves the queue without a trace. An item handed to it before
   * the cancellation arrives is returned (the next checkpoint throws `Cancelled`): no item is
   * lost.
   *
   * @throws {EndOfStream} When every send end is closed and the buffer is empty.
   * @throws {ClosedResourceError} If this end is closed, or is closed while the receive waits.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { createMemoryObjectStream, EndOfStream } from "anyio-ts";
   * const [send, receive] = createMemoryObjectStream<string>(1);
   * await send.send("last");
   * send.close();
   * console.assert((await receive.receive()) === "last");
   * try {
   *   await receive.receive();
   * } catch (e) {
   *   console.assert(e instanceof EndOfStream);
   * }
   * receive.close();
   * ```
   */
  receive(): Promise<T> {
    const node = currentNode();
    const cancelled = effectiveCancel(node);
    if (cancelled !== undefined) return Promise.reject(cancelled);
    if (this.#closed) return Promise.reject(new ClosedResourceError());
    const state = this.#state;
    const item = state.take();
    if (item !== EMPTY) return yieldValue(item);
    if (state.openSendStreams === 0) return Promise.reject(new EndOfStream());
    let waiter = this.#spare;
    // Idle once it has completed: out of its node and out of the queue (shift and remove
    // unlink it before it resolves or rejects), and nothing keeps a completed waiter.
    if (waiter === null || waiter._node !== null) {
      this.#spare = waiter = new ReceiveWaiter(state, this);
    }
    return park(waiter, node, false);
  }

  /**
   * Receives the next item without waiting: from the buffer, or from a waiting sender (whose
   * `send()` then completes). Not a checkpoint.
   *
   * @throws {ClosedResourceError} If this end is closed.
   * @throws {EndOfStream} When every send end is closed and the buffer is empty.
   * @throws {WouldBlock} If nothing is there to take.
   * @example
   * ```ts
   * import { createMemoryObjectStream, WouldBlock } from "anyio-ts";
   * const [send, receive] = createMemoryObjectStream<number>(1);
   * try {
   *   receive.receiveNowait();
   * } catch (e) {
   *   console.assert(e instanceof WouldBlock);
   * }
   * send.close();
   * receive.close();
   * ```
   */
  receiveNowait(): T {
    if (this.#closed) throw new ClosedResourceError();
    const state = this.#state;
    const item = state.take();
    if (item !== EMPTY) return item;
    if (state.openSendStreams === 0) throw new EndOfStream();
    throw new WouldBlock();
  }

  /**
   * Makes another receive end of the same stream. The stream stays open for senders until
   * every clone (this one included) is closed. The caller owns the clone and must close it.
   *
   * @throws {ClosedResourceError} If this end is closed.
   * @example
   * ```ts
   * import { createMemoryObjectStream } from "anyio-ts";
   * const [send, receive] = createMemoryObjectStream<number>(10);
   * const receive2 = receive.clone();
   * send.sendNowait(1);
   * console.assert(receive2.receiveNowait() === 1); // clones share one queue
   * send.close();
   * receive.close();
   * receive2.close();
   * ```
   */
  clone(): MemoryObjectReceiveStream<T> {
    if (this.#closed) throw new ClosedResourceError();
    this.#state.openReceiveStreams++;
    return new MemoryObjectReceiveStream(this.#state);
  }

  /**
   * Closes this end, synchronously: receives blocked on it throw `ClosedResourceError`, and if
   * it was the last open receive end, senders get `BrokenResourceError` (items still in the
   * buffer are dropped with the stream). Idempotent. Returns a settled promise.
   *
   * Cancellation: none; it always closes.
   */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#state.closeReceiver(this);
    }
    return SETTLED;
  }

  /** Closes this end: what `using` does at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * A snapshot of the stream's state, shared by every clone of either end.
   *
   * @example
   * ```ts
   * import { createMemoryObjectStream } from "anyio-ts";
   * const [send, receive] = createMemoryObjectStream<number>();
   * console.assert(receive.statistics().maxBufferSize === 0);
   * send.close();
   * receive.close();
   * ```
   */
  statistics(): MemoryObjectStreamStatistics {
    return statisticsOf(this.#state);
  }
}
