/**
 * Issue 7, item 5: 100,000 tiny tasks through a limit of 10 at a time.
 *
 * A tiny task takes a permit, awaits once, and gives the permit back. The floor runs each task
 * in its own `AsyncLocalStorage.run` (what any context-carrying library pays per task, as in
 * spawn-join) through a hand-written FIFO semaphore. The peers run their usual way: p-limit and
 * async-sema over plain `Promise.all`, Effect with `Effect.forEach` at concurrency 10.
 *
 * @module
 */
import { type CaseDef, range, type Scenario } from "../harness.js";

const N = 100_000;
const LIMIT = 10;

export const limiter: Scenario = {
  name: "limiter",
  item: 5,
  title: `CapacityLimiter / Semaphore(${LIMIT}) over tiny tasks`,
  measure: "time",
  unit: "µs/op",
  floor: "floor",
  target: { maxRatio: 1.3 },
  cases: [
    ...(["CapacityLimiter", "Semaphore"] as const).map(
      (kind): CaseDef => ({
        name: kind === "CapacityLimiter" ? "us-limiter" : "us-semaphore",
        kind: "us",
        label: `${kind}(${LIMIT}), withTaskGroup + startSoon`,
        ops: N,
        reps: 3,
        async prepare(ops) {
          const { CapacityLimiter, Semaphore, withTaskGroup } = await import("../../src/index.js");
          return async () => {
            const limit =
              kind === "CapacityLimiter" ? new CapacityLimiter(LIMIT) : new Semaphore(LIMIT);
            const tiny = async (): Promise<void> => {
              await limit.acquire();
              try {
                await null;
              } finally {
                limit.release();
              }
            };
            await withTaskGroup((tg) => {
              for (let i = 0; i < ops; i++) tg.startSoon(tiny);
            });
            return undefined;
          };
        },
      }),
    ),
    {
      name: "floor",
      kind: "floor",
      label: "FIFO semaphore, Promise.all over ALS.run",
      ops: N,
      reps: 3,
      async prepare(ops) {
        const { AsyncLocalStorage } = await import("node:async_hooks");
        const { FifoSemaphore } = await import("../floors/fifo-semaphore.js");
        const storage = new AsyncLocalStorage<object>();
        return async () => {
          const sem = new FifoSemaphore(LIMIT);
          const tiny = async (): Promise<void> => {
            await sem.acquire();
            try {
              await null;
            } finally {
              sem.release();
            }
          };
          const tasks = new Array<Promise<void>>(ops);
          for (let i = 0; i < ops; i++) tasks[i] = storage.run({ i }, tiny);
          await Promise.all(tasks);
          return undefined;
        };
      },
    },
    {
      name: "p-limit",
      kind: "peer",
      label: "p-limit(10), Promise.all",
      ops: N,
      reps: 3,
      async prepare(ops) {
        const { default: pLimit } = await import("p-limit");
        const tiny = async (): Promise<void> => {
          await null;
        };
        return async () => {
          const limit = pLimit(LIMIT);
          const tasks = new Array<Promise<void>>(ops);
          for (let i = 0; i < ops; i++) tasks[i] = limit(tiny);
          await Promise.all(tasks);
          return undefined;
        };
      },
    },
    {
      name: "async-sema",
      kind: "peer",
      label: "async-sema Sema(10), Promise.all",
      ops: N,
      reps: 3,
      async prepare(ops) {
        const { Sema } = await import("async-sema");
        return async () => {
          const sem = new Sema(LIMIT);
          const tiny = async (): Promise<void> => {
            await sem.acquire();
            try {
              await null;
            } finally {
              sem.release();
            }
          };
          const tasks = new Array<Promise<void>>(ops);
          for (let i = 0; i < ops; i++) tasks[i] = tiny();
          await Promise.all(tasks);
          return undefined;
        };
      },
    },
    {
      name: "effect",
      kind: "peer",
      label: "Effect.forEach, concurrency 10",
      ops: N,
      reps: 3,
      async prepare(ops) {
        const { Effect } = await import("effect");
        const items = range(ops);
        const program = Effect.forEach(items, () => Effect.yieldNow, {
          concurrency: LIMIT,
          discard: true,
        });
        return async () => {
          await Effect.runPromise(program);
          return undefined;
        };
      },
    },
  ],
};
