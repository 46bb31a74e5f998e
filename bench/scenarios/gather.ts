/**
 * Issue 7, item 7: structured `all`/bounded `map` against `Promise.all` and p-map, on the same
 * work: 100,000 items, each an async function that awaits once and returns its input doubled.
 *
 * `gather`: every item at once. `map-bounded`: at most 10 items in flight. The floors are
 * `Promise.all` and a hand-written pool of 10 workers pulling from one index. Ours run every
 * item as a task of its own (a cancel node, a name, an `AsyncLocalStorage` entry), which is
 * what the structure costs: compare with the spawn-join scenario.
 *
 * @module
 */
import { range, type Scenario } from "../harness.js";

const N = 100_000;
const LIMIT = 10;

async function work(x: number): Promise<number> {
  await null;
  return x * 2;
}

/** Checks the result, so no case can skip the work. */
function check(out: readonly number[], n: number): void {
  if (out.length !== n || out[n - 1] !== (n - 1) * 2) throw new Error("wrong result");
}

export const gather: Scenario = {
  name: "gather",
  item: 7,
  title: "map async work over 100,000 items, all at once",
  measure: "time",
  unit: "µs/op",
  floor: "floor",
  cases: [
    {
      name: "us",
      kind: "us",
      label: "amap(work, items)",
      ops: N,
      async prepare(ops) {
        const { amap } = await import("../../src/index.js");
        const items = range(ops);
        return async () => {
          check(await amap(work, items), ops);
          return undefined;
        };
      },
    },
    {
      name: "us-gather",
      kind: "us",
      label: "gather(...items.map((x) => () => work(x)))",
      ops: N,
      async prepare(ops) {
        const { gather } = await import("../../src/index.js");
        const fns = range(ops).map((x) => () => work(x));
        return async () => {
          check(await gather(...fns), ops);
          return undefined;
        };
      },
    },
    {
      name: "floor",
      kind: "floor",
      label: "Promise.all(items.map(work))",
      ops: N,
      async prepare(ops) {
        const items = range(ops);
        return async () => {
          check(await Promise.all(items.map(work)), ops);
          return undefined;
        };
      },
    },
    {
      // AnyIO's start-soon rule alone: each item's work starts a microtask later, as a task of
      // ours does, instead of inside the loop that makes the list. Shown so the table tells
      // that rule's share from our code's (as spawn-join's floor-later does).
      name: "floor-later",
      kind: "shown",
      label: "the floor, each item started a microtask later",
      ops: N,
      async prepare(ops) {
        const items = range(ops);
        const settled = Promise.resolve();
        return async () => {
          check(await Promise.all(items.map((x) => settled.then(() => work(x)))), ops);
          return undefined;
        };
      },
    },
    {
      name: "p-map",
      kind: "peer",
      label: "p-map, concurrency Infinity",
      ops: N,
      async prepare(ops) {
        const { default: pMap } = await import("p-map");
        const items = range(ops);
        return async () => {
          check(await pMap(items, work), ops);
          return undefined;
        };
      },
    },
  ],
};

export const mapBounded: Scenario = {
  name: "map-bounded",
  item: 7,
  title: `map async work over 100,000 items, ${LIMIT} at a time`,
  measure: "time",
  unit: "µs/op",
  floor: "floor",
  cases: [
    {
      name: "us",
      kind: "us",
      label: `amap(work, items, { limit: ${LIMIT} })`,
      ops: N,
      async prepare(ops) {
        const { amap } = await import("../../src/index.js");
        const items = range(ops);
        return async () => {
          check(await amap(work, items, { limit: LIMIT }), ops);
          return undefined;
        };
      },
    },
    {
      name: "floor",
      kind: "floor",
      label: `hand-written pool of ${LIMIT} workers`,
      ops: N,
      async prepare(ops) {
        const items = range(ops);
        return async () => {
          const out = new Array<number>(items.length);
          let next = 0;
          const worker = async (): Promise<void> => {
            while (next < items.length) {
              const i = next++;
              out[i] = await work(items[i] as number);
            }
          };
          await Promise.all(range(LIMIT).map(worker));
          check(out, ops);
          return undefined;
        };
      },
    },
    {
      name: "p-map",
      kind: "peer",
      label: `p-map, concurrency ${LIMIT}`,
      ops: N,
      async prepare(ops) {
        const { default: pMap } = await import("p-map");
        const items = range(ops);
        return async () => {
          check(await pMap(items, work, { concurrency: LIMIT }), ops);
          return undefined;
        };
      },
    },
  ],
};
