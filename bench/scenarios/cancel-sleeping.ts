/**
 * Issue 7, item 2: cancel 10,000 tasks sleeping on a long timer and wait for all of them to end.
 *
 * Each repetition is the whole life of the tasks: start them, let them all reach their sleep
 * (one macrotask turn), cancel them all at once, and wait until every one has ended. The time
 * is reported per task.
 *
 * @module
 */
import type { Fiber as F } from "effect";
import { macrotask, type Scenario } from "../harness.js";

const N = 10_000;
/** Long enough never to fire, short enough for every runtime's `setTimeout` (< 2^31 ms). */
const LONG_MS = 1e9;

export const cancelSleeping: Scenario = {
  name: "cancel-sleeping",
  item: 2,
  title: "cancel tasks sleeping on a long timer, wait for all to end",
  measure: "time",
  unit: "µs/op",
  floor: "floor",
  target: { maxRatio: 3, noSlowerThan: ["effect"] },
  cases: [
    {
      name: "us",
      kind: "us",
      label: "startSoon(sleep, 1e9), then tg.cancel()",
      ops: N,
      // Repetitions of 5-50 ms spread 10x on Node 20 (the floor 0.4-4.7 µs a task within one
      // process): many of them, so the median moves less.
      reps: 21,
      async prepare(ops) {
        const { sleep, withTaskGroup } = await import("../../src/index.js");
        return async () => {
          await withTaskGroup(async (tg) => {
            for (let i = 0; i < ops; i++) tg.startSoon(sleep, LONG_MS);
            await macrotask();
            tg.cancel();
          });
          return undefined;
        };
      },
    },
    {
      name: "floor",
      kind: "floor",
      label: "bare setTimeout + clearTimeout per task",
      ops: N,
      // Repetitions of 5-50 ms spread 10x on Node 20 (the floor 0.4-4.7 µs a task within one
      // process): many of them, so the median moves less.
      reps: 21,
      async prepare(ops) {
        return async () => {
          const timers = new Array<ReturnType<typeof setTimeout>>(ops);
          const wakers = new Array<() => void>(ops);
          const sleeper = async (i: number): Promise<void> => {
            await new Promise<void>((resolve) => {
              wakers[i] = resolve;
              timers[i] = setTimeout(resolve, LONG_MS);
            });
          };
          const tasks = new Array<Promise<void>>(ops);
          for (let i = 0; i < ops; i++) tasks[i] = sleeper(i);
          await macrotask();
          for (let i = 0; i < ops; i++) {
            clearTimeout(timers[i]);
            (wakers[i] as () => void)();
          }
          await Promise.all(tasks);
          return undefined;
        };
      },
    },
    {
      name: "timers-promises",
      kind: "shown",
      label: "timers/promises setTimeout, one shared AbortSignal",
      ops: N,
      warmup: 0,
      reps: 3,
      async prepare(ops) {
        const { setTimeout: delay } = await import("node:timers/promises");
        const sleeper = async (signal: AbortSignal): Promise<void> => {
          try {
            await delay(LONG_MS, undefined, { signal });
          } catch {
            // AbortError: this task was cancelled, which is how it is meant to end.
          }
        };
        return async () => {
          const controller = new AbortController();
          const tasks = new Array<Promise<void>>(ops);
          for (let i = 0; i < ops; i++) tasks[i] = sleeper(controller.signal);
          await macrotask();
          controller.abort();
          await Promise.all(tasks);
          return undefined;
        };
      },
    },
    {
      name: "effect",
      kind: "peer",
      label: "Effect: forkChild(sleep) each, Fiber.interruptAll",
      ops: N,
      async prepare(ops) {
        const { Effect, Fiber } = await import("effect");
        const sleeper = Effect.sleep(LONG_MS);
        const program = Effect.gen(function* () {
          const fibers = new Array<F.Fiber<void>>(ops);
          for (let i = 0; i < ops; i++) fibers[i] = yield* Effect.forkChild(sleeper);
          yield* Effect.promise(macrotask);
          yield* Fiber.interruptAll(fibers);
        });
        return async () => {
          await Effect.runPromise(program);
          return undefined;
        };
      },
    },
    {
      name: "effection",
      kind: "peer",
      label: "Effection: spawn(sleep) each in a task, halt it",
      // Tens of µs a task: fewer tasks, reported per task all the same.
      ops: 3_000,
      warmup: 1,
      reps: 3,
      async prepare(ops) {
        const { run, sleep, spawn, suspend, until } = await import("effection");
        return async () => {
          await run(function* () {
            const group = yield* spawn(function* () {
              for (let i = 0; i < ops; i++) yield* spawn(() => sleep(LONG_MS));
              yield* suspend();
            });
            yield* until(macrotask());
            yield* group.halt();
          });
          return undefined;
        };
      },
    },
  ],
};
