/**
 * How the synchronization primitives queue their waiters and hand things over to them.
 *
 * The queue is an intrusive doubly linked list: the links live in the waiter itself, so
 * queueing allocates nothing, and a cancelled waiter leaves from the middle in O(1) (an array
 * with a head index would need a scan, or tombstones that `statistics()` would have to skip).
 * A waiter enters from `onPark()`, so a wait that is rejected at once because its scope is
 * already cancelled never enters.
 *
 * Hand-over
 * ---------
 * A primitive that hands a resource to a waiter (a lock, a slot, a token, a notification) does
 * it with {@link grant}: the waiter leaves the queue and the primitive counts the resource as
 * its, at once, but the waiter stays parked until a microtask later, when every grant of that
 * turn is delivered in one go. Until then a cancellation still reaches it through `abort()`,
 * and a granted waiter that is cancelled gives the resource back (the primitive passes it on
 * to its next waiter) and rejects with `Cancelled`. So `release(); scope.cancel()` in one
 * breath leaves nothing held by a task that will never use it (AnyIO #947), without a check
 * after every resumption (which would cost a promise per acquire).
 *
 * Rejected alternatives: resolving at once and checking for cancellation when the waiter
 * resumes, with `park(w).then(check)` or by resolving with a thenable waiter that checks in its
 * `then`: the same extra microtask hop, the same window between the check and the caller's
 * continuation, and measured side by side no cheaper across the four runtimes (the thenable
 * won ~10% on Node and lost ~20% on Bun). Resolving at once without any check (Trio's choice:
 * the new owner holds the lock and meets the cancellation at its next checkpoint) saves the hop
 * but leaves the lock with a task that may never release it.
 */
import { Waiter } from "../../core/_internal/kernel.js";

export { yieldThen } from "../../core/checkpoint.js";

import type { Cancelled } from "../../core/errors.js";

// biome-ignore lint/suspicious/noExplicitAny: queues hold waiters of every value type
type AnyQueued = QueuedWaiter<any>;

/** Where a {@link QueuedWaiter} is: in no queue, in its primitive's queue, or granted. */
const IDLE = 0;
const QUEUED = 1;
const GRANTED = 2;

/**
 * A parked operation that can sit in its primitive's {@link WaiterQueue} and be handed its
 * value with {@link grant}. Subclasses say how to leave the queue (`withdraw`), what they were
 * handed (`grantedValue`), and how to give it back (`giveBack`).
 */
export abstract class QueuedWaiter<T = unknown> extends Waiter<T> {
  /** @internal */ _qPrev: AnyQueued | null = null;
  /** @internal */ _qNext: AnyQueued | null = null;
  /** @internal {@link IDLE}, {@link QUEUED} or {@link GRANTED}. */
  _state = IDLE;

  /** Leaves the primitive's queue: cancelled before anything was handed to it. */
  abstract withdraw(): void;

  /** What the wait resolves with once granted. */
  abstract grantedValue(): T;

  /** Gives back what it was granted: cancelled after the hand-over, before delivery. */
  giveBack(): void {}

  override abort(_error: Cancelled): boolean {
    if (this._state === GRANTED) {
      this._state = IDLE;
      this.giveBack();
    } else this.withdraw();
    return true;
  }
}

/** A FIFO of waiters with O(1) push, shift and removal of any member. */
export class WaiterQueue<W extends AnyQueued> {
  #head: W | null = null;
  #tail: W | null = null;
  /** How many waiters are queued. */
  size = 0;

  /** Appends `w` (which must not be in a queue). */
  push(w: W): void {
    w._state = QUEUED;
    w._qPrev = this.#tail;
    w._qNext = null;
    if (this.#tail === null) this.#head = w;
    else this.#tail._qNext = w;
    this.#tail = w;
    this.size++;
  }

  /** Removes and returns the first waiter, or `null` if the queue is empty. */
  shift(): W | null {
    const w = this.#head;
    if (w !== null) this.#unlink(w);
    return w;
  }

  /** Removes `w` if it is queued (a waiter is only ever in its own primitive's queue). */
  remove(w: W): void {
    if (w._state === QUEUED) this.#unlink(w);
  }

  #unlink(w: W): void {
    const prev = w._qPrev as W | null;
    const next = w._qNext as W | null;
    if (prev === null) this.#head = next;
    else prev._qNext = next;
    if (next === null) this.#tail = prev;
    else next._qPrev = prev;
    w._qPrev = w._qNext = null;
    w._state = IDLE;
    this.size--;
  }
}

/** One settled promise: a reaction on it is the cheapest portable way onto a microtask. */
const SETTLED = Promise.resolve();

/** Grants waiting to be delivered, in the order they were made. */
const pending: AnyQueued[] = [];

/**
 * Hands `w` (just shifted out of its queue) what it waits for: it resolves with its
 * `grantedValue()` on the next microtask, unless it is cancelled first, in which case it gives
 * it back. (`queueMicrotask` would do, but on Node it costs an async resource per call.)
 */
export function grant(w: AnyQueued): void {
  w._state = GRANTED;
  pending.push(w);
  if (pending.length === 1) SETTLED.then(deliverGrants);
}

function deliverGrants(): void {
  // Resolving runs no user code synchronously, so nothing is added while this runs; the
  // loop reads the length each time anyway.
  for (let i = 0; i < pending.length; i++) {
    const w = pending[i] as AnyQueued;
    if (w._state !== GRANTED) continue;
    w._state = IDLE;
    w.resolve(w.grantedValue());
  }
  pending.length = 0;
}
