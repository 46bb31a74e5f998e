/**
 * The floor for locks and semaphores: the least code that makes a fair (FIFO) async mutex or
 * counting semaphore by hand. An uncontended acquire returns a settled promise; a release hands
 * the permit straight to the oldest waiter, so no one can barge in between.
 *
 * @module
 */
import { Fifo } from "./fifo-queue.js";

const SETTLED: Promise<void> = Promise.resolve();

/** A FIFO counting semaphore; with one permit, a FIFO mutex. */
export class FifoSemaphore {
  #free: number;
  readonly #waiters = new Fifo<() => void>();

  constructor(permits: number) {
    this.#free = permits;
  }

  acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return SETTLED;
    }
    return new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next !== undefined) next();
    else this.#free++;
  }
}

/** A FIFO mutex: a semaphore with one permit. */
export class FifoMutex extends FifoSemaphore {
  constructor() {
    super(1);
  }
}
