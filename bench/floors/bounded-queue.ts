/**
 * The floor for memory object streams: a hand-written bounded async queue with a sync fast path.
 *
 * `send` hands the item straight to a waiting receiver, or buffers it if there is room, and
 * returns a settled promise either way; otherwise it parks until a receiver takes the item. With
 * capacity 0 every send is a rendezvous. `receive` takes from the buffer (pulling the oldest
 * parked sender's item in behind it), or straight from a parked sender, or parks. `close` ends
 * the stream for receivers once the buffer is drained: `receive` then returns `DONE`.
 *
 * @module
 */
import { Fifo } from "./fifo-queue.js";

/** What `receive` returns once the queue is closed and drained. */
export const DONE: unique symbol = Symbol("done");

const SETTLED: Promise<void> = Promise.resolve();

interface ParkedSender<T> {
  item: T;
  resolve: () => void;
}

export class BoundedQueue<T> {
  readonly #capacity: number;
  readonly #buffer = new Fifo<T>();
  readonly #senders = new Fifo<ParkedSender<T>>();
  readonly #receivers = new Fifo<(value: T | typeof DONE) => void>();
  #closed = false;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  send(item: T): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("send on a closed queue"));
    const receiver = this.#receivers.shift();
    if (receiver !== undefined) {
      receiver(item);
      return SETTLED;
    }
    if (this.#buffer.size < this.#capacity) {
      this.#buffer.push(item);
      return SETTLED;
    }
    return new Promise<void>((resolve) => this.#senders.push({ item, resolve }));
  }

  receive(): Promise<T | typeof DONE> {
    if (this.#buffer.size > 0) {
      const item = this.#buffer.shift() as T;
      const sender = this.#senders.shift();
      if (sender !== undefined) {
        this.#buffer.push(sender.item);
        sender.resolve();
      }
      return Promise.resolve(item);
    }
    const sender = this.#senders.shift();
    if (sender !== undefined) {
      sender.resolve();
      return Promise.resolve(sender.item);
    }
    if (this.#closed) return Promise.resolve(DONE);
    return new Promise((resolve) => this.#receivers.push(resolve));
  }

  /** No more sends; parked receivers get `DONE`. */
  close(): void {
    this.#closed = true;
    for (let r = this.#receivers.shift(); r !== undefined; r = this.#receivers.shift()) r(DONE);
  }
}
