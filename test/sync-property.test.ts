/**
 * Property-based tests of the synchronization primitives: several tasks acquire and release a
 * `Lock`, a `Semaphore` or a `CapacityLimiter` in random interleavings, some with `*Nowait`,
 * some under timeouts, while other tasks cancel them at random points (including right after a
 * release handed them the resource, which they then keep until they release it). Whatever
 * happens:
 * - never more holders than the capacity at once;
 * - no permit or token lost or duplicated: once everything has ended, the primitive is back in
 *   its initial state;
 * - nobody is left stranded: the run finishes (a `failAfter` guard fails it otherwise), and the
 *   harness checks that no task, timer or parked waiter is left behind.
 * And for `Condition`: a notification is never lost to a consumer cancelled after `notify()`
 * chose it.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CapacityLimiter,
  Condition,
  checkpoint,
  Event,
  failAfter,
  getCurrentTask,
  Lock,
  moveOnAfter,
  Semaphore,
  sleep,
  type TaskHandle,
  WouldBlock,
  withTaskGroup,
} from "../src/index.js";
import { describe, it } from "./harness.js";

/** How long a run may take before it counts as stranded (a passing run takes a few ms). */
const STRANDED_MS = 500;
/** Room for fast-check to shrink a failure, so the counterexample gets reported. */
const SHRINK_ROOM = { timeout: 60_000 };

interface Op {
  /** Checkpoints before trying. */
  readonly before: number;
  /** Use the `*Nowait` form (give up on WouldBlock). */
  readonly nowait: boolean;
  /** Checkpoints while holding. */
  readonly hold: number;
  /** Milliseconds of a `moveOnAfter` around the whole step, or none. */
  readonly timeout: number | null;
  /** Right after releasing, cancel this task (index modulo the task count), or none. */
  readonly killAfterRelease: number | null;
}

interface Plan {
  readonly capacity: number;
  readonly fast: boolean;
  readonly tasks: readonly (readonly Op[])[];
  /** A chaos task cancels `target` after `after` checkpoints. */
  readonly cancels: readonly { readonly after: number; readonly target: number }[];
}

const op: fc.Arbitrary<Op> = fc.record({
  before: fc.integer({ min: 0, max: 2 }),
  nowait: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
  hold: fc.integer({ min: 0, max: 3 }),
  timeout: fc.option(fc.integer({ min: 0, max: 2 }), { freq: 3 }),
  killAfterRelease: fc.option(fc.nat({ max: 7 }), { freq: 4 }),
});

const plan: fc.Arbitrary<Plan> = fc.record({
  capacity: fc.integer({ min: 1, max: 3 }),
  fast: fc.boolean(),
  tasks: fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 6 }),
  cancels: fc.array(
    fc.record({ after: fc.integer({ min: 0, max: 10 }), target: fc.nat({ max: 7 }) }),
    { maxLength: 4 },
  ),
});

/** What a property needs from a primitive. */
interface Subject {
  readonly capacity: number;
  /** Acquires, resolving to what releases. */
  acquire(): Promise<Disposable>;
  /** Acquires without waiting, returning what releases; throws WouldBlock. */
  acquireNowait(): Disposable;
  /** Checks, while holding, anything the primitive itself reports. */
  checkHolding(): void;
  /** Asserts the primitive is back in its initial state. */
  checkAtRest(): void;
}

async function exercise(subject: Subject, p: Plan): Promise<void> {
  let inside = 0;
  const violations: string[] = [];
  const handles: TaskHandle<void>[] = [];

  const step = async (o: Op): Promise<void> => {
    for (let i = 0; i < o.before; i++) await checkpoint();
    let held: Disposable;
    if (o.nowait) {
      try {
        held = subject.acquireNowait();
      } catch (e) {
        if (e instanceof WouldBlock) return;
        throw e;
      }
    } else held = await subject.acquire();
    inside++;
    try {
      if (inside > subject.capacity) violations.push(`${inside} holders of ${subject.capacity}`);
      subject.checkHolding();
      for (let i = 0; i < o.hold; i++) await sleep(0);
    } finally {
      inside--;
      held[Symbol.dispose]();
      if (o.killAfterRelease !== null) {
        handles[o.killAfterRelease % handles.length]?.cancel("killed after a release");
      }
    }
  };

  const worker = async (ops: readonly Op[]): Promise<void> => {
    for (const o of ops) {
      if (o.timeout === null) await step(o);
      else await moveOnAfter(o.timeout).run(() => step(o));
    }
  };

  await failAfter(STRANDED_MS, { reason: "a waiter was stranded" }).run(() =>
    withTaskGroup((tg) => {
      for (const ops of p.tasks) handles.push(tg.startSoon(worker, ops));
      tg.startSoon(async () => {
        let steps = 0;
        for (const c of [...p.cancels].sort((a, b) => a.after - b.after)) {
          for (; steps < c.after; steps++) await checkpoint();
          handles[c.target % handles.length]?.cancel("chaos");
        }
      });
    }),
  );
  assert.deepEqual(violations, []);
  assert.equal(inside, 0);
  subject.checkAtRest();
}

function lockSubject(p: Plan): Subject {
  const lock = new Lock({ fastAcquire: p.fast });
  return {
    capacity: 1,
    acquire: () => lock.acquire(),
    acquireNowait: () => {
      lock.acquireNowait();
      return lock;
    },
    checkHolding: () => {
      assert.equal(lock.statistics().owner?.id, getCurrentTask().id);
    },
    checkAtRest: () => {
      assert.deepEqual(lock.statistics(), { locked: false, owner: null, tasksWaiting: 0 });
    },
  };
}

function semaphoreSubject(p: Plan): Subject {
  const semaphore = new Semaphore(p.capacity, { maxValue: p.capacity, fastAcquire: p.fast });
  return {
    capacity: p.capacity,
    acquire: () => semaphore.acquire(),
    acquireNowait: () => {
      semaphore.acquireNowait();
      return semaphore;
    },
    checkHolding: () => {
      assert.ok(semaphore.value >= 0 && semaphore.value < p.capacity);
    },
    checkAtRest: () => {
      assert.equal(semaphore.value, p.capacity);
      assert.equal(semaphore.statistics().tasksWaiting, 0);
    },
  };
}

function limiterSubject(p: Plan): Subject {
  const limiter = new CapacityLimiter(p.capacity);
  let borrowers = 0;
  return {
    capacity: p.capacity,
    // Alternate between borrowing for the task and on behalf of a fresh object.
    acquire: () =>
      borrowers++ % 2 === 0 ? limiter.acquire() : limiter.acquireOnBehalfOf({ n: borrowers }),
    acquireNowait: () => {
      limiter.acquireNowait();
      return limiter;
    },
    checkHolding: () => {
      assert.ok(limiter.borrowedTokens <= limiter.totalTokens);
      assert.ok(limiter.availableTokens >= 0);
    },
    checkAtRest: () => {
      assert.deepEqual(limiter.statistics(), {
        borrowedTokens: 0,
        totalTokens: p.capacity,
        borrowers: [],
        tasksWaiting: 0,
      });
    },
  };
}

describe("synchronization primitives under random interleavings and cancellation", () => {
  const subjects: [string, (p: Plan) => Subject][] = [
    ["Lock", lockSubject],
    ["Semaphore", semaphoreSubject],
    ["CapacityLimiter", limiterSubject],
  ];
  for (const [name, make] of subjects) {
    it(
      `${name}: never exceeds capacity, loses nothing, strands nobody`,
      async () => {
        await fc.assert(
          fc.asyncProperty(plan, (p) => exercise(make(p), p)),
          { numRuns: 100 },
        );
      },
      SHRINK_ROOM,
    );
  }

  it(
    "CapacityLimiter: raising totalTokens mid-run admits waiters and loses nothing",
    async () => {
      await fc.assert(
        fc.asyncProperty(plan, fc.integer({ min: 0, max: 6 }), async (p, raiseAfter) => {
          const limiter = new CapacityLimiter(p.capacity);
          let inside = 0;
          let most = 0;
          await failAfter(STRANDED_MS, { reason: "a waiter was stranded" }).run(() =>
            withTaskGroup((tg) => {
              for (const ops of p.tasks) {
                tg.startSoon(async () => {
                  for (const o of ops) {
                    await moveOnAfter(o.timeout).run(async () => {
                      using _ = await limiter.acquire();
                      most = Math.max(most, ++inside);
                      assert.ok(limiter.borrowedTokens <= limiter.totalTokens);
                      try {
                        for (let i = 0; i < o.hold; i++) await sleep(0);
                      } finally {
                        inside--;
                      }
                    });
                  }
                });
              }
              tg.startSoon(async () => {
                for (let i = 0; i < raiseAfter; i++) await checkpoint();
                limiter.totalTokens = p.capacity + 1;
              });
            }),
          );
          assert.ok(most <= p.capacity + 1);
          assert.equal(limiter.borrowedTokens, 0);
          assert.equal(limiter.statistics().tasksWaiting, 0);
        }),
        { numRuns: 40 },
      );
    },
    SHRINK_ROOM,
  );

  it(
    "Condition: no item or notification is lost to consumers cancelled at random",
    async () => {
      const consumersPlan = fc.array(fc.option(fc.integer({ min: 0, max: 12 }), { freq: 2 }), {
        minLength: 1,
        maxLength: 5,
      });
      // Each item: checkpoints before producing it, and maybe a consumer to cancel right after
      // notify() (when the notification may be on its way to that very consumer).
      const producerPlan = fc.array(
        fc.record({
          gap: fc.integer({ min: 0, max: 3 }),
          kill: fc.option(fc.nat({ max: 4 }), { freq: 2 }),
        }),
        { minLength: 1, maxLength: 8 },
      );
      await fc.assert(
        fc.asyncProperty(consumersPlan, producerPlan, async (cancelAt, produce) => {
          const condition = new Condition();
          const items: number[] = [];
          let consumed = 0;
          let finished = false;
          const allConsumed = new Event();
          const consumer = async (): Promise<void> => {
            for (;;) {
              using _ = await condition.acquire();
              await condition.waitFor(() => items.length > 0 || finished);
              if (items.length === 0) return;
              items.shift();
              if (++consumed === produce.length) allConsumed.set();
            }
          };
          await failAfter(STRANDED_MS, { reason: "a notification was lost" }).run(() =>
            withTaskGroup(async (tg) => {
              tg.startSoon(consumer); // never cancelled: it must get every item the others miss
              const mortal: TaskHandle<void>[] = [];
              for (const at of cancelAt) {
                const handle = tg.startSoon(consumer);
                mortal.push(handle);
                if (at !== null) {
                  tg.startSoon(async () => {
                    for (let i = 0; i < at; i++) await checkpoint();
                    handle.cancel();
                  });
                }
              }
              for (const [n, { gap, kill }] of produce.entries()) {
                for (let i = 0; i < gap; i++) await checkpoint();
                using _ = await condition.acquire();
                items.push(n);
                condition.notify(1);
                if (kill !== null) mortal[kill % mortal.length]?.cancel();
              }
              await allConsumed.wait();
              await condition.run(() => {
                finished = true;
                condition.notifyAll();
              });
            }),
          );
          assert.equal(consumed, produce.length);
          assert.equal(condition.statistics().tasksWaiting, 0);
          assert.equal(condition.locked(), false);
        }),
        { numRuns: 60 },
      );
    },
    SHRINK_ROOM,
  );
});
