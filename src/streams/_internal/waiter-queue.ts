/**
 * A FIFO of parked waiters for the streams: an intrusive doubly linked list, so queueing
 * allocates nothing and a cancelled waiter leaves from the middle in O(1). (An array with a head
 * index would need a scan or tombstones for that.)
 *
 * The links live in the waiter (see {@link QueueLinks}). A waiter is in its queue exactly while
 * it is parked: it enters from `onPark()`, and whoever resolves or rejects it takes it out
 * first, so `remove()` is only ever called on a member.
 */

/** The links a queued waiter carries. Assign them `null` in the constructor. */
export interface QueueLinks {
  _qPrev: QueueLinks | null;
  _qNext: QueueLinks | null;
}

/** A FIFO of waiters with O(1) push, shift and removal of any member. */
export class WaiterQueue<W extends QueueLinks> {
  /** The first waiter, or `null`. */
  head: W | null = null;
  #tail: W | null = null;
  /** How many waiters are queued. */
  size = 0;

  /** Appends `w` (which must not be in a queue). */
  push(w: W): void {
    const tail = this.#tail;
    w._qPrev = tail;
    if (tail === null) this.head = w;
    else tail._qNext = w;
    this.#tail = w;
    this.size++;
  }

  /** Removes and returns the first waiter, or `null` if the queue is empty. */
  shift(): W | null {
    const w = this.head;
    if (w === null) return null;
    const next = w._qNext as W | null;
    this.head = next;
    if (next === null) this.#tail = null;
    else next._qPrev = null;
    w._qNext = null;
    this.size--;
    return w;
  }

  /** Removes `w`, which must be in this queue. */
  remove(w: W): void {
    const prev = w._qPrev as W | null;
    const next = w._qNext as W | null;
    if (prev === null) this.head = next;
    else prev._qNext = next;
    if (next === null) this.#tail = prev;
    else next._qPrev = prev;
    w._qPrev = w._qNext = null;
    this.size--;
  }
}
