/**
 * Issue 7, item 4: a lock, uncontended and contended.
 *
 * `lock-uncontended`: one task acquires and releases in a loop, nobody else wants the lock.
 * `lock-contended`: 100 workers × 1,000 cycles each, with an await while holding the lock, so
 * every release hands the lock to a parked waiter. Times are per acquire.
 *
 * The floor is a hand-written FIFO mutex (bench/floors/fifo-semaphore.ts). For Effect, the lock
 * is a one-permit `Semaphore` and the await inside is `Effect.yieldNow`.
 *
 * @module
 */
import type * as EffectLib from "effect";
import { type CaseDef, range, type Scenario } from "../harness.js";

const UNCONTENDED = 100_000;
const WORKERS = 100;
const CYCLES = 1_000;

/** The interface both the floor and async-sema offer. */
interface AcquireRelease {
  acquire(): Promise<unknown>;
  release(): void;
}

async function uncontendedLoop(lock: AcquireRelease, ops: number): Promise<void> {
  for (let i = 0; i < ops; i++) {
    await lock.acquire();
    lock.release();
  }
}

async function contendedWorker(lock: AcquireRelease, cycles: number): Promise<void> {
  for (let i = 0; i < cycles; i++) {
    await lock.acquire();
    try {
      await null;
    } finally {
      lock.release();
    }
  }
}

async function contended(lock: AcquireRelease, ops: number): Promise<void> {
  const cycles = ops / WORKERS;
  await Promise.all(range(WORKERS).map(() => contendedWorker(lock, cycles)));
}

/** async-mutex's `acquire()` resolves to the release function instead. */
async function asyncMutexLock(): Promise<AcquireRelease> {
  const { Mutex } = await import("async-mutex");
  const mutex = new Mutex();
  let releaser: (() => void) | undefined;
  return {
    async acquire() {
      releaser = await mutex.acquire();
    },
    release() {
      (releaser as () => void)();
    },
  };
}

type EffectNs = typeof EffectLib.Effect;
type Semaphore = EffectLib.Semaphore.Semaphore;

/** One task, `ops` times: take the permit, give it back. */
function effectUncontended(
  Effect: EffectNs,
  sem: Semaphore,
  ops: number,
): EffectLib.Effect.Effect<void> {
  const cycle = sem.withPermit(Effect.void);
  return Effect.gen(function* () {
    for (let i = 0; i < ops; i++) yield* cycle;
  });
}

/** {@link WORKERS} fibers, each cycling `ops / WORKERS` times with a yield inside. */
function effectContended(
  Effect: EffectNs,
  sem: Semaphore,
  ops: number,
): EffectLib.Effect.Effect<void> {
  const cycle = sem.withPermit(Effect.yieldNow);
  const cycles = ops / WORKERS;
  const worker = Effect.gen(function* () {
    for (let i = 0; i < cycles; i++) yield* cycle;
  });
  return Effect.all(
    range(WORKERS).map(() => worker),
    { concurrency: "unbounded", discard: true },
  );
}

function cases(
  run: (lock: AcquireRelease, ops: number) => Promise<void>,
  effect: (Effect: EffectNs, sem: Semaphore, ops: number) => EffectLib.Effect.Effect<void>,
  ops: number,
  effectOps = ops,
): CaseDef[] {
  return [
    {
      name: "floor",
      kind: "floor",
      label: "hand-written FIFO mutex",
      ops,
      async prepare(n) {
        const { FifoMutex } = await import("../floors/fifo-semaphore.js");
        return async () => {
          await run(new FifoMutex(), n);
          return undefined;
        };
      },
    },
    {
      name: "async-mutex",
      kind: "peer",
      label: "async-mutex Mutex",
      ops,
      async prepare(n) {
        return async () => {
          await run(await asyncMutexLock(), n);
          return undefined;
        };
      },
    },
    {
      name: "async-sema",
      kind: "peer",
      label: "async-sema Sema(1)",
      ops,
      async prepare(n) {
        const { Sema } = await import("async-sema");
        return async () => {
          await run(new Sema(1), n);
          return undefined;
        };
      },
    },
    {
      name: "effect",
      kind: "peer",
      label: "Effect Semaphore(1).withPermit",
      ops: effectOps,
      async prepare(n) {
        const { Effect, Semaphore } = await import("effect");
        return async () => {
          await Effect.runPromise(effect(Effect, Semaphore.makeUnsafe(1), n));
          return undefined;
        };
      },
    },
  ];
}

/** The one task that loops, as a task of a group: our locks are owned by tasks. */
async function usUncontended(lock: AcquireRelease, ops: number): Promise<void> {
  const { withTaskGroup } = await import("../../src/index.js");
  await withTaskGroup((tg) => void tg.startSoon(uncontendedLoop, lock, ops));
}

/** {@link WORKERS} tasks of one group, each cycling `ops / WORKERS` times. */
async function usContended(lock: AcquireRelease, ops: number): Promise<void> {
  const { withTaskGroup } = await import("../../src/index.js");
  await withTaskGroup((tg) => {
    for (let i = 0; i < WORKERS; i++) tg.startSoon(contendedWorker, lock, ops / WORKERS);
  });
}

/** Our `Lock`, as it comes and with `fastAcquire` (no yield when the lock is free). */
function usCases(
  run: (lock: AcquireRelease, ops: number) => Promise<void>,
  ops: number,
): CaseDef[] {
  return [false, true].map(
    (fastAcquire): CaseDef => ({
      name: fastAcquire ? "us-fast" : "us",
      kind: "us",
      label: fastAcquire ? "Lock({ fastAcquire: true })" : "Lock",
      ops,
      async prepare(n) {
        const { Lock } = await import("../../src/index.js");
        return async () => {
          await run(new Lock({ fastAcquire }), n);
          return undefined;
        };
      },
    }),
  );
}

export const lockUncontended: Scenario = {
  name: "lock-uncontended",
  item: 4,
  title: "Lock: uncontended acquire + release",
  measure: "time",
  unit: "µs/op",
  floor: "floor",
  cases: [
    ...usCases(usUncontended, UNCONTENDED),
    ...cases(uncontendedLoop, effectUncontended, UNCONTENDED),
  ],
};

export const lockContended: Scenario = {
  name: "lock-contended",
  item: 4,
  title: `Lock: ${WORKERS} workers × ${CYCLES} cycles, an await inside`,
  measure: "time",
  unit: "µs/op",
  floor: "floor",
  target: { maxRatio: 1.3 },
  cases: [
    ...usCases(usContended, WORKERS * CYCLES),
    {
      // What the context carrier alone costs: on Node 20 the hooks that AsyncLocalStorage
      // turns on tax every await of the workers.
      name: "floor-als",
      kind: "shown",
      label: "FIFO mutex, each worker in AsyncLocalStorage.run",
      ops: WORKERS * CYCLES,
      async prepare(n) {
        const { AsyncLocalStorage } = await import("node:async_hooks");
        const { FifoMutex } = await import("../floors/fifo-semaphore.js");
        const storage = new AsyncLocalStorage<object>();
        return async () => {
          const lock = new FifoMutex();
          const cycles = n / WORKERS;
          await Promise.all(
            range(WORKERS).map((i) => storage.run({ i }, contendedWorker, lock, cycles)),
          );
          return undefined;
        };
      },
    },
    // Effect pays a scheduler turn per yield (10-30 µs): a tenth of the cycles, per acquire.
    ...cases(contended, effectContended, WORKERS * CYCLES, (WORKERS * CYCLES) / 10),
  ],
};
