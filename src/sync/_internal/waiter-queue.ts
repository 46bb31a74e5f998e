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
 * it with {@link grant}, at release time: the waiter leaves the queue, the primitive counts the
 * resource as its, and its wait resolves then and there. From that moment the operation has
 * received its value, so, like every operation of the kernel that has (an item taken from a
 * memory stream, bytes read from a socket), it is no longer aborted: a cancellation that
 * arrives before the new owner resumes meets it at its next checkpoint instead, when it holds
 * the resource and releases it on the way out (`using`, `finally`, `run()`). That is what AnyIO
 * does on both its backends when one of its own cancel scopes is cancelled right after the
 * release (`release(); handle.cancel()`: the waiter's `acquire()` returns and it keeps the
 * lock; checked against AnyIO with its asyncio and Trio backends), and it never leaves a
 * resource with a task that believes it did not get it.
 *
 * Rejected alternative: keeping a granted waiter parked for one more microtask, so that a
 * cancellation in between makes it give the resource back and throw `Cancelled`. That is what
 * AnyIO's asyncio backend does for a *native* `Task.cancel()` (AnyIO #947), which throws into
 * an `await` that already completed; JavaScript has no such cancellation, and the extra hop
 * cost a contended `Lock` about 10-15% of its time on Node and Bun (it was this module's first
 * design).
 */
import { Waiter } from "../../core/_internal/kernel.js";

export { yieldThen } from "../../core/checkpoint.js";

import type { Cancelled } from "../../core/errors.js";

// biome-ignore lint/suspicious/noExplicitAny: queues hold waiters of every value type
type AnyQueued = QueuedWaiter<any>;

/** Where a {@link QueuedWaiter} is: in no queue, or in its primitive's queue. */
const IDLE = 0;
const QUEUED = 1;

/**
 * A parked operation that can sit in its primitive's {@link WaiterQueue} and be handed its
 * value with {@link grant}. Subclasses say how to leave the queue (`withdraw`) and what they
 * were handed (`grantedValue`).
 */
export abstract class QueuedWaiter<T = unknown> extends Waiter<T> {
  /** @internal */ _qPrev: AnyQueued | null = null;
  /** @internal */ _qNext: AnyQueued | null = null;
  /** @internal {@link IDLE} or {@link QUEUED}. */
  _state: number;

  // Written out: with only the field above, the constructor TypeScript writes would pass its
  // arguments on as `super(...arguments)`, a spread that JavaScriptCore does not always
  // optimize away (Bun's limiter row: 0.93x the time, A/B over 5 rounds, near the noise).
  constructor() {
    super();
    this._state = IDLE;
  }

  /** Leaves the primitive's queue: cancelled before anything was handed to it. */
  abstract withdraw(): void;

  /** What the wait resolves with once granted. */
  abstract grantedValue(): T;

  /** Called once it has resolved with what it was granted: its primitive may reuse it. */
  delivered(): void {}

  // Only a waiter still queued can be asked: a granted one has resolved and left its node.
  override abort(_error: Cancelled): boolean {
    this.withdraw();
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

/** How many resolved waiters a primitive keeps for reuse. */
const SPARE_LIMIT = 16;

/**
 * Waiters that were handed what they waited for and have resolved, kept by their primitive for
 * later waits to reuse: a contended acquire then allocates only its promise (contended Lock:
 * 0.83-0.93x the time before, on every runtime). Only waiters that nothing refers to once they
 * resolved go here (see {@link QueuedWaiter.delivered}).
 */
export class SpareWaiters<W extends AnyQueued> {
  readonly #items: W[] = [];

  /** A spare waiter, or `undefined` if there is none. */
  take(): W | undefined {
    return this.#items.pop();
  }

  /** Keeps `w` (resolved, in no queue, parked nowhere) for reuse, if there is room. */
  keep(w: W): void {
    if (this.#items.length < SPARE_LIMIT) this.#items.push(w);
  }
}

/**
 * Hands `w` (just shifted out of its queue) what it waits for: its wait resolves now with its
 * `grantedValue()`, and its primitive may keep the waiter for reuse.
 */
export function grant(w: AnyQueued): void {
  w.resolve(w.grantedValue());
  w.delivered();
}

/**
 * Gives `primitive` an own `then` that is `undefined`. `acquire()` resolves to the primitive
 * itself (for `using`), and a promise resolved with an object looks `then` up on it: V8 does so
 * generically, down the whole prototype chain when it is absent, ~300 instructions of the
 * ~2,700 a contended Lock cycle costs on Node 24. An own property ends that search at once
 * (2,683 -> 2,479 on Node 24, 2,252 -> 2,066 on Deno, under callgrind). Neither enumerable nor
 * writable, so it shows in no spread or key list and cannot be made a thenable later.
 */
export function markNotThenable(primitive: object): void {
  // biome-ignore lint/suspicious/noThenProperty: the point is a `then` that is not a function
  Object.defineProperty(primitive, "then", { value: undefined });
}
