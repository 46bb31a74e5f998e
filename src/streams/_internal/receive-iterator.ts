/**
 * Async iteration over any `receive()`: yields what it returns, ends cleanly at `EndOfStream`.
 * One iterator object per loop and no closure per item.
 */
import { EndOfStream } from "../../core/errors.js";

interface Receiver<T> {
  receive(): Promise<T>;
}

function wrap<T>(value: T): IteratorResult<T> {
  return { value, done: false };
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

function endAtEof(error: unknown): IteratorReturnResult<undefined> {
  if (error instanceof EndOfStream) return DONE;
  throw error;
}

/** Iterates `stream.receive()` until it throws `EndOfStream`; other errors propagate. */
export class ReceiveIterator<T> implements AsyncIterableIterator<T> {
  readonly #stream: Receiver<T>;
  #done = false;
  /** Made once per iterator, not per item. */
  readonly #failed = (error: unknown): IteratorReturnResult<undefined> => {
    if (error instanceof EndOfStream) this.#done = true;
    return endAtEof(error);
  };

  constructor(stream: Receiver<T>) {
    this.#stream = stream;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#done) return Promise.resolve(DONE);
    return this.#stream.receive().then(wrap, this.#failed);
  }

  /** Ends the iteration (`break` in `for await`); the stream stays open. */
  return(): Promise<IteratorResult<T>> {
    this.#done = true;
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
