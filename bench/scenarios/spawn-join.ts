/**
 * Issue 7, item 1: spawn and join trivial tasks in one group.
 *
 * The trivial task is an `async` function that returns at once (for Effect, `Effect.void` in a
 * fiber of its own; for Effection, an empty generator in a spawned task).
 *
 * @module
 */
import type { Effect as E, Fiber as F } from "effect";
import type { CaseDef, Scenario } from "../harness.js";

const N = 100_000;

async function trivial(): Promise<void> {}

function noop(): void {}

/** A peer row: `Effect.all` with unbounded concurrency over one `task()` effect per op. */
function effectAll(
  name: string,
  label: string,
  task: (Effect: typeof E) => E.Effect<void>,
): CaseDef {
  return {
    name,
    kind: "peer",
    label,
    ops: N,
    reps: 7,
    async prepare(ops) {
      const { Effect } = await import("effect");
      const effects = new Array<E.Effect<void>>(ops);
      for (let i = 0; i < ops; i++) effects[i] = task(Effect);
      const program = Effect.all(effects, { concurrency: "unbounded", discard: true });
      return async () => {
        await Effect.runPromise(program);
        return undefined;
      };
    },
  };
}

export const spawnJoin: Scenario = {
  name: "spawn-join",
  item: 1,
  title: "spawn and join trivial tasks in one group",
  measure: "time",
  unit: "µs/op",
  floor: "floor",
  target: { maxRatio: 1.5, noSlowerThan: ["effect"] },
  cases: [
    {
      name: "us",
      kind: "us",
      label: "withTaskGroup + startSoon",
      ops: N,
      reps: 7,
      async prepare(ops) {
        const { withTaskGroup } = await import("../../src/index.js");
        return async () => {
          await withTaskGroup((tg) => {
            for (let i = 0; i < ops; i++) tg.startSoon(trivial);
          });
          return undefined;
        };
      },
    },
    {
      name: "floor",
      kind: "floor",
      label: "Promise.all over AsyncLocalStorage.run",
      ops: N,
      reps: 7,
      async prepare(ops) {
        const { AsyncLocalStorage } = await import("node:async_hooks");
        const storage = new AsyncLocalStorage<object>();
        return async () => {
          const promises = new Array<Promise<void>>(ops);
          for (let i = 0; i < ops; i++) promises[i] = storage.run({ i }, trivial);
          await Promise.all(promises);
          return undefined;
        };
      },
    },
    {
      // What AnyIO's start-soon rule costs by itself: a task does not run inside `startSoon()`
      // but a microtask later. The least code for that: each task is started from a reaction
      // of its own (through `queueMicrotask` on Bun, where it is the cheaper way, as in our
      // library), takes the next index, runs in `AsyncLocalStorage.run`, and a reaction on its
      // promise counts it in. Shown so the table tells that rule's share from our code's.
      name: "floor-later",
      kind: "shown",
      label: "the floor, each task started a microtask later",
      ops: N,
      reps: 7,
      async prepare(ops) {
        const { AsyncLocalStorage } = await import("node:async_hooks");
        const storage = new AsyncLocalStorage<object>();
        const settled = Promise.resolve();
        const viaQueue = "Bun" in globalThis;
        let next = 0;
        let left = 0;
        let allEnded: () => void = noop;
        const ended = (): void => {
          if (--left === 0) allEnded();
        };
        const startNext = (): void => {
          const i = next++;
          storage.run({ i }, trivial).then(ended);
        };
        return async () => {
          next = 0;
          left = ops;
          const all = new Promise<void>((resolve) => {
            allEnded = resolve;
          });
          for (let i = 0; i < ops; i++) {
            if (viaQueue) queueMicrotask(startNext);
            else settled.then(startNext);
          }
          await all;
          return undefined;
        };
      },
    },
    {
      name: "promise-all",
      kind: "shown",
      label: "plain Promise.all",
      ops: N,
      reps: 7,
      async prepare(ops) {
        return async () => {
          const promises = new Array<Promise<void>>(ops);
          for (let i = 0; i < ops; i++) promises[i] = trivial();
          await Promise.all(promises);
          return undefined;
        };
      },
    },
    // Effect's fastest idiomatic way: `Effect.all` forks one fiber per effect and runs it at
    // once. (An `Effect.void` would be settled without a fiber at all, so the task is a `sync`
    // effect.)
    effectAll("effect", "Effect: Effect.all, concurrency unbounded", (Effect) => Effect.sync(noop)),
    // The same fibers running what our tasks run, an `async` function: Effect then waits for its
    // promise as we do. Shown for context; the target compares with the row above.
    effectAll("effect-promise", "Effect: Effect.all over Effect.promise(async fn)", (Effect) =>
      Effect.promise(trivial),
    ),
    {
      name: "effect-fork",
      kind: "peer",
      label: "Effect: forkChild each + Fiber.joinAll",
      ops: N,
      async prepare(ops) {
        const { Effect, Fiber } = await import("effect");
        const task = Effect.sync(noop);
        const program = Effect.gen(function* () {
          const fibers = new Array<F.Fiber<void>>(ops);
          for (let i = 0; i < ops; i++) fibers[i] = yield* Effect.forkChild(task);
          yield* Fiber.joinAll(fibers);
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
      label: "Effection: spawn, then join each",
      // About 100 µs a task: fewer tasks, reported per task all the same.
      ops: 3_000,
      reps: 3,
      warmup: 1,
      async prepare(ops) {
        const { run, spawn } = await import("effection");
        return async () => {
          await run(function* () {
            const tasks = [];
            for (let i = 0; i < ops; i++) tasks.push(yield* spawn(function* () {}));
            for (const task of tasks) yield* task;
          });
          return undefined;
        };
      },
    },
  ],
};
