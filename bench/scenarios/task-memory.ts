/**
 * Issue 7, item 8: what a sleeping task costs in heap, and how fast 100,000 of them sleep.
 *
 * `task-memory` starts 100,000 tasks that sleep on a long timer, lets them all reach the sleep,
 * collects garbage fully and reports the heap growth per task (the arrays the floor needs are
 * made before the first reading). `sleep-many` times 100,000 concurrent 1 ms sleeps from start
 * to the last one's end.
 *
 * Heap readings need a forced collection: the driver runs Node with `--expose-gc`, Deno with
 * `--v8-flags=--expose-gc`, and Bun has `Bun.gc(true)`.
 *
 * @module
 */
import type { TaskGroup } from "../../src/index.js";
import { collectGarbage, heapUsed, macrotask, type Scenario } from "../harness.js";

const N = 100_000;
const LONG_MS = 1e9;

/** Heap bytes per item held between `before` and `after`, read after full collections. */
async function heapPerItem(
  ops: number,
  start: () => void,
  stop: () => Promise<unknown>,
): Promise<{ value: number }> {
  if (!collectGarbage()) throw new Error("cannot force garbage collection: run with --expose-gc");
  const before = heapUsed();
  start();
  await macrotask();
  collectGarbage();
  const after = heapUsed();
  await stop();
  return { value: (after - before) / ops };
}

export const taskMemory: Scenario = {
  name: "task-memory",
  item: 8,
  title: "heap per sleeping task, 100,000 tasks",
  measure: "value",
  unit: "bytes/task",
  floor: "floor",
  target: { maxRatio: 2 },
  cases: [
    {
      name: "us",
      kind: "us",
      label: "startSoon(sleep, 1e9) in one group",
      ops: N,
      warmup: 0,
      reps: 3,
      async prepare(ops) {
        const { sleep, withTaskGroup } = await import("../../src/index.js");
        return async () => {
          let group: TaskGroup | undefined;
          let done: Promise<unknown> = Promise.resolve();
          return heapPerItem(
            ops,
            () => {
              done = withTaskGroup((tg) => {
                group = tg;
                for (let i = 0; i < ops; i++) tg.startSoon(sleep, LONG_MS);
              });
            },
            () => {
              group?.cancel();
              return done;
            },
          );
        };
      },
    },
    {
      name: "floor",
      kind: "floor",
      label: "raw setTimeout promises + Promise.all",
      ops: N,
      warmup: 0,
      reps: 3,
      async prepare(ops) {
        return async () => {
          const timers = new Array<ReturnType<typeof setTimeout> | undefined>(ops).fill(undefined);
          const wakers = new Array<(() => void) | undefined>(ops).fill(undefined);
          let done: Promise<unknown> = Promise.resolve();
          return heapPerItem(
            ops,
            () => {
              const sleeps = new Array<Promise<void>>(ops);
              for (let i = 0; i < ops; i++) {
                sleeps[i] = new Promise<void>((resolve) => {
                  wakers[i] = resolve;
                  timers[i] = setTimeout(resolve, LONG_MS);
                });
              }
              done = Promise.all(sleeps);
            },
            () => {
              for (let i = 0; i < ops; i++) {
                clearTimeout(timers[i]);
                (wakers[i] as () => void)();
              }
              return done;
            },
          );
        };
      },
    },
  ],
};

export const sleepMany: Scenario = {
  name: "sleep-many",
  item: 8,
  title: "100,000 concurrent sleep(1), start to last end",
  measure: "time",
  unit: "µs/op",
  floor: "floor",
  target: { maxRatio: 1.5 },
  cases: [
    {
      name: "us",
      kind: "us",
      label: "startSoon(sleep, 1) in one group",
      ops: N,
      reps: 3,
      async prepare(ops) {
        const { sleep, withTaskGroup } = await import("../../src/index.js");
        return async () => {
          await withTaskGroup((tg) => {
            for (let i = 0; i < ops; i++) tg.startSoon(sleep, 1);
          });
          return undefined;
        };
      },
    },
    {
      name: "floor",
      kind: "floor",
      label: "raw setTimeout(1) promises + Promise.all",
      ops: N,
      reps: 3,
      async prepare(ops) {
        return async () => {
          const sleeps = new Array<Promise<void>>(ops);
          for (let i = 0; i < ops; i++) {
            sleeps[i] = new Promise<void>((resolve) => setTimeout(resolve, 1));
          }
          await Promise.all(sleeps);
          return undefined;
        };
      },
    },
    {
      // The floor with each sleep in a context of its own, as a task is: on Node 20 the async
      // hooks that `AsyncLocalStorage` turns on then tax every promise and timer.
      name: "floor-als",
      kind: "shown",
      label: "the same, each sleep in AsyncLocalStorage.run",
      ops: N,
      reps: 3,
      async prepare(ops) {
        const { AsyncLocalStorage } = await import("node:async_hooks");
        const storage = new AsyncLocalStorage<object>();
        const nap = (): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, 1));
        return async () => {
          const sleeps = new Array<Promise<void>>(ops);
          for (let i = 0; i < ops; i++) sleeps[i] = storage.run({ i }, nap);
          await Promise.all(sleeps);
          return undefined;
        };
      },
    },
  ],
};
