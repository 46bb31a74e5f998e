/**
 * Issue 7, item 3: a checkpoint in a hot loop, alone and while a 1 ms interval timer runs.
 *
 * The loop runs as the one task of a task group (so the checkpoint finds a real task and scope).
 * The floor awaits `null` instead: the cheapest yield there is, and one that starves timers,
 * since microtasks never let the event loop turn. The timer variant counts how many interval
 * ticks fired during the loop against the loop's elapsed milliseconds: a loop that does not
 * starve timers gets about one tick per millisecond (never more).
 *
 * @module
 */
import type { RepResult, Scenario } from "../harness.js";

const N = 1_000_000;

async function awaitNullLoop(ops: number): Promise<void> {
  for (let i = 0; i < ops; i++) await null;
}

/** Runs `loop` while a 1 ms interval counts its ticks. */
async function withTicker(loop: () => Promise<unknown>): Promise<RepResult> {
  let ticks = 0;
  const interval = setInterval(() => {
    ticks++;
  }, 1);
  const started = performance.now();
  try {
    await loop();
  } finally {
    clearInterval(interval);
  }
  const ms = performance.now() - started;
  return { extra: { ticks, ms } };
}

async function checkpointLoop(): Promise<(ops: number) => Promise<unknown>> {
  const { checkpoint, withTaskGroup } = await import("../../src/index.js");
  const loop = async (ops: number): Promise<void> => {
    for (let i = 0; i < ops; i++) await checkpoint();
  };
  return (ops) => withTaskGroup((tg) => void tg.startSoon(loop, ops));
}

export const checkpointHot: Scenario = {
  name: "checkpoint",
  item: 3,
  title: "checkpoint in a hot loop",
  measure: "time",
  unit: "µs/op",
  floor: "floor",
  cases: [
    {
      name: "us",
      kind: "us",
      label: "await checkpoint() in a task",
      ops: N,
      async prepare(ops) {
        const run = await checkpointLoop();
        return async () => {
          await run(ops);
          return undefined;
        };
      },
    },
    {
      name: "floor",
      kind: "floor",
      label: "await null",
      ops: N,
      async prepare(ops) {
        return async () => {
          await awaitNullLoop(ops);
          return undefined;
        };
      },
    },
  ],
};

export const checkpointTimers: Scenario = {
  name: "checkpoint-timers",
  item: 3,
  title: "checkpoint in a hot loop while a 1 ms interval fires",
  measure: "time",
  unit: "µs/op",
  floor: "floor",
  cases: [
    {
      name: "us",
      kind: "us",
      label: "await checkpoint() in a task",
      ops: N,
      async prepare(ops) {
        const run = await checkpointLoop();
        return () => withTicker(() => run(ops));
      },
    },
    {
      name: "floor",
      kind: "floor",
      label: "await null",
      ops: N,
      async prepare(ops) {
        return () => withTicker(() => awaitNullLoop(ops));
      },
    },
  ],
};
