/**
 * `amap`: map an async function over a sync or async iterable, at most `limit` at a time,
 * results in input order; the structured p-map.
 *
 * Design
 * ------
 * Every item runs as its own task of an internal task group, so each one is a cancel node of
 * its own, shows in the task tree under the function's name, and fails the group like any
 * task. The group's body is the feeder: it pulls the next item only when a slot is free (so a
 * generator or a paginated async source is pulled lazily), starts a task for it, and parks on
 * a one-slot waiter of its own while `limit` tasks run. A finishing task hands its slot to the
 * parked feeder directly.
 *
 * Rejected alternatives: a pool of `limit` workers pulling from one shared iterator (cheaper
 * per item, but an item is then not a task: no name, no node, and concurrent `next()` calls on
 * an arbitrary async iterator are not safe); waiting on `src/sync`'s `CapacityLimiter` (one
 * waiter is all the feeder needs, and results should not depend on sync).
 *
 * @module
 */
import { park, Waiter } from "../core/_internal/kernel.js";
import { checkpoint } from "../core/checkpoint.js";
import { isCancellation } from "../core/errors.js";
import { type TaskGroup, type TaskHandle, withTaskGroup } from "../core/task-group.js";
import { nameLike, show } from "./_internal/checks.js";

/**
 * Options of {@link amap}.
 *
 * @example
 * ```ts
 * import { amap, type AmapOptions, sleep } from "anyio-ts";
 * const options: AmapOptions = { limit: 2 }; // at most two calls at once
 * const doubled = await amap(async (n: number) => { await sleep(1); return n * 2; }, [1, 2, 3], options);
 * console.assert(doubled.join() === "2,4,6");
 * ```
 */
export interface AmapOptions {
  /**
   * How many calls of the function may run at once: an integer ≥ 1, or `Infinity`.
   * @default Infinity
   */
  limit?: number;
}

function checkLimit(value: unknown): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (typeof value !== "number") {
    throw new TypeError(`amap() limit must be a number, got ${show(value)}`);
  }
  if (value !== Number.POSITIVE_INFINITY && !(Number.isInteger(value) && value >= 1)) {
    throw new RangeError(`amap() limit must be an integer >= 1 or Infinity, got ${value}`);
  }
  return value;
}

/** The feeder, parked until a running task hands it its slot. */
class SlotWaiter extends Waiter<void> {
  constructor(
    readonly slots: Slots,
    readonly name: string,
  ) {
    super();
  }

  override onPark(): void {
    this.slots.waiter = this;
  }

  override abort(): boolean {
    this.slots.waiter = undefined;
    return true;
  }

  override describe(): string {
    return `amap(${this.name}): waiting for one of ${this.slots.limit} slots`;
  }
}

/** `limit` slots and the one waiter (the feeder) that may wait for them. */
class Slots {
  running = 0;
  waiter: SlotWaiter | undefined = undefined;
  /**
   * Set when a call failed: the group is about to cancel everything, so the feeder must not
   * start another item with the slot it is handed (it would be woken before the cancellation
   * reaches it).
   */
  stopped = false;

  constructor(readonly limit: number) {}

  /** Takes a slot, parking the feeder until one is free. */
  acquire(name: string): Promise<void> | undefined {
    if (this.running < this.limit) {
      this.running++;
      return undefined;
    }
    return park(new SlotWaiter(this, name));
  }

  /** Gives a slot back: straight to the parked feeder if there is one. */
  release(): void {
    const waiter = this.waiter;
    if (waiter === undefined) this.running--;
    else {
      this.waiter = undefined;
      waiter.resolve();
    }
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function"
  );
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return (
    value !== null &&
    value !== undefined &&
    typeof (value as Iterable<unknown>)[Symbol.iterator] === "function"
  );
}

/**
 * Calls `fn(item, index)` for every item of `items`, each call as a task of an internal task
 * group with at most `limit` running at once, and returns the results in input order (whatever
 * order they finish in). `items` may be an array or any iterable, or an async iterable; items
 * are pulled only when a slot is free, so a lazy source is read no faster than the work goes.
 * Empty input returns `[]` (after a checkpoint).
 *
 * Unlike p-map and `Promise.all(items.map(fn))`, nothing is left running: if a call (or the
 * source) fails, no more items are pulled, the running calls are cancelled and awaited, and
 * every failure comes out together as one `ExceptionGroup`, exactly as from `withTaskGroup`.
 * A source that stops early is closed (`return()`), as `for...of` does.
 *
 * Cancellation: if the enclosing scope is cancelled, every running call is cancelled and
 * awaited, no more items are pulled, then `Cancelled` propagates. Waiting for the next item of
 * an async source is a checkpoint too (the pending `next()` is then abandoned and the source
 * closed).
 *
 * @param fn Called with each item and its index; returns a value or a promise.
 * @param items An iterable or async iterable of items.
 * @param options `limit`: how many calls may run at once (default `Infinity`).
 * @returns The results, in input order.
 * @throws {TypeError} If `fn` is not a function, `items` is not iterable, or `limit` is not a
 *   number.
 * @throws {RangeError} If `limit` is not an integer ≥ 1 or `Infinity`.
 * @throws {ExceptionGroup} If any call, or the source, failed (after every call has ended).
 * @throws {Cancelled} If the enclosing scope was cancelled.
 * @example
 * ```ts
 * import { amap, sleep } from "anyio-ts";
 * let running = 0;
 * let most = 0;
 * const doubled = await amap(
 *   async (n: number) => {
 *     most = Math.max(most, ++running);
 *     await sleep(1);
 *     running--;
 *     return n * 2;
 *   },
 *   [1, 2, 3, 4, 5],
 *   { limit: 2 },
 * );
 * console.assert(doubled.join() === "2,4,6,8,10" && most === 2);
 * ```
 */
export async function amap<T, R>(
  fn: (item: T, index: number) => R | PromiseLike<R>,
  items: Iterable<T> | AsyncIterable<T>,
  options: AmapOptions = {},
): Promise<Awaited<R>[]> {
  if (typeof fn !== "function") {
    throw new TypeError(`amap() needs a function to call, got ${show(fn)}`);
  }
  const limit = checkLimit(options?.limit);
  const isAsync = isAsyncIterable(items);
  if (!isAsync && !isIterable(items)) {
    throw new TypeError(`amap() needs an iterable or async iterable, got ${show(items)}`);
  }
  if (!isAsync && limit === Number.POSITIVE_INFINITY) {
    return mapAll(fn, items as Iterable<T>);
  }
  const results: Awaited<R>[] = [];
  const slots = new Slots(limit);
  // One wrapper per call of amap, not per item: it takes the item and its index as arguments.
  const runOne = nameLike(async (item: T, index: number): Promise<void> => {
    try {
      results[index] = await fn(item, index);
    } catch (error) {
      if (!isCancellation(error)) slots.stopped = true;
      throw error;
    } finally {
      slots.release();
    }
  }, fn);
  const feeder = new Feeder(slots, runOne, runOne.name || "anonymous");
  const count = await withTaskGroup((tg) =>
    isAsync
      ? feeder.feedAsync(tg, items as AsyncIterable<T>)
      : feeder.feedSync(tg, items as Iterable<T>),
  );
  if (count === 0) await checkpoint();
  return results;
}

/** No limit and a sync source: one task per item, started at once; values read from handles. */
async function mapAll<T, R>(
  fn: (item: T, index: number) => R | PromiseLike<R>,
  items: Iterable<T>,
): Promise<Awaited<R>[]> {
  const handles: TaskHandle<R>[] = [];
  await withTaskGroup((tg) => {
    let index = 0;
    for (const item of items) handles.push(tg.startSoon(fn, item, index++));
  });
  const n = handles.length;
  if (n === 0) await checkpoint();
  const results = new Array<Awaited<R>>(n);
  // Every task finished: a failure or a cancellation would have made the group throw.
  for (let i = 0; i < n; i++) results[i] = (handles[i] as TaskHandle<R>).returnValue as Awaited<R>;
  return results;
}

/** The feeder, parked until an async source hands it its next item. */
class NextWaiter<T> extends Waiter<IteratorResult<T>> {
  /** Set when cancellation made us stop waiting while `next()` was still pending. */
  abandoned = false;

  constructor(
    readonly iterator: AsyncIterator<T>,
    readonly name: string,
  ) {
    super();
  }

  override onPark(): void {
    let step: Promise<IteratorResult<T>>;
    try {
      step = Promise.resolve(this.iterator.next());
    } catch (error) {
      this.reject(error);
      return;
    }
    step.then(
      (value) => this.resolve(value),
      (error) => this.reject(error),
    );
  }

  override abort(): boolean {
    this.abandoned = true;
    return true;
  }

  override describe(): string {
    return `amap(${this.name}): waiting for the next item`;
  }
}

function ignore(): void {}

/** Thrown inside a feeder to leave its loop (and close its source) when a call has failed. */
const STOPPED: unique symbol = Symbol("amap stopped");

/** The body of amap's task group when there is a limit or an async source. */
class Feeder<T> {
  constructor(
    readonly slots: Slots,
    readonly runOne: (item: T, index: number) => Promise<void>,
    readonly name: string,
  ) {}

  /** Starts a task per item, taking a slot before pulling each; returns how many. */
  async feedSync(tg: TaskGroup, items: Iterable<T>): Promise<number> {
    const iterator = items[Symbol.iterator]();
    let index = 0;
    let sourceFailed = false;
    try {
      for (;;) {
        const wait = this.slots.acquire(this.name);
        if (wait !== undefined) await wait;
        if (this.slots.stopped) throw STOPPED;
        let step: IteratorResult<T>;
        try {
          step = iterator.next();
        } catch (error) {
          sourceFailed = true;
          throw error;
        }
        if (step.done) {
          this.slots.release();
          return index;
        }
        tg.startSoon(this.runOne, step.value, index++);
      }
    } catch (error) {
      // Stopped early (cancelled, or a task failed): close the source as for...of would. A
      // source whose next() threw is finished already.
      if (!sourceFailed) {
        try {
          iterator.return?.();
        } catch {
          // The error that stopped us is the one to report.
        }
      }
      if (error === STOPPED) return index;
      throw error;
    }
  }

  /** As {@link Feeder.feedSync}, awaiting each item; waiting for one is a checkpoint. */
  async feedAsync(tg: TaskGroup, items: AsyncIterable<T>): Promise<number> {
    const iterator = items[Symbol.asyncIterator]();
    let index = 0;
    let pulling: NextWaiter<T> | undefined;
    try {
      for (;;) {
        const wait = this.slots.acquire(this.name);
        if (wait !== undefined) await wait;
        if (this.slots.stopped) throw STOPPED;
        pulling = new NextWaiter(iterator, this.name);
        const step = await park(pulling);
        pulling = undefined;
        if (step.done) {
          this.slots.release();
          return index;
        }
        tg.startSoon(this.runOne, step.value, index++);
      }
    } catch (error) {
      if (pulling === undefined) {
        // Stopped between items: close the source as for-await would, and let it clean up.
        try {
          await iterator.return?.();
        } catch {
          // The error that stopped us is the one to report.
        }
      } else if (pulling.abandoned) {
        // Cancelled while next() was pending: return() would only run after that next()
        // settles, which may be never. Ask for it without waiting.
        try {
          Promise.resolve(iterator.return?.()).then(ignore, ignore);
        } catch {
          // Nothing more can be done for a source that throws on return().
        }
      }
      // Otherwise next() itself failed: the source is finished.
      if (error === STOPPED) return index;
      throw error;
    }
  }
}
