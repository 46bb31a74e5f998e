/**
 * Property-based tests of gather, amap, race, raceAny and asCompleted: random items that sleep,
 * checkpoint and fail, random limits and sources, and a cancellation from outside at a random
 * time. Whatever happens, no item outlives the call, amap never runs more than its limit, every
 * failure is reported exactly once (raceAny: only if every task failed), and a clean run
 * returns the right values. The harness also checks that nothing is left parked or armed.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  amap,
  asCompleted,
  Cancelled,
  CancelScope,
  checkpoint,
  ExceptionGroup,
  gather,
  moveOnAfter,
  race,
  raceAny,
  sleep,
} from "../src/index.js";
import { describe, it } from "./harness.js";

interface ItemPlan {
  sleepMs: number;
  checkpoints: number;
  fail: boolean;
}

const itemPlan: fc.Arbitrary<ItemPlan> = fc.record({
  sleepMs: fc.integer({ min: 0, max: 2 }),
  checkpoints: fc.integer({ min: 0, max: 3 }),
  fail: fc.boolean(),
});

type Call =
  | { kind: "gather" }
  | { kind: "amap"; limit: number; source: "array" | "sync" | "async" }
  | { kind: "race" }
  | { kind: "raceAny" }
  | { kind: "asCompleted"; take: number };

const call: fc.Arbitrary<Call> = fc.oneof(
  fc.record({ kind: fc.constant("gather" as const) }),
  fc.record({
    kind: fc.constant("amap" as const),
    limit: fc.constantFrom(1, 2, 3, Number.POSITIVE_INFINITY),
    source: fc.constantFrom("array" as const, "sync" as const, "async" as const),
  }),
  fc.record({ kind: fc.constant("race" as const) }),
  fc.record({ kind: fc.constant("raceAny" as const) }),
  fc.record({ kind: fc.constant("asCompleted" as const), take: fc.integer({ min: 0, max: 4 }) }),
);

class State {
  live = 0;
  most = 0;
  readonly thrown = new Set<Error>();
  succeeded = 0;

  async item(plan: ItemPlan, index: number): Promise<number> {
    this.most = Math.max(this.most, ++this.live);
    try {
      if (plan.sleepMs > 0) await sleep(plan.sleepMs);
      for (let i = 0; i < plan.checkpoints; i++) await checkpoint();
      if (plan.fail) {
        const error = new Error(`item ${index}`);
        this.thrown.add(error);
        throw error;
      }
      this.succeeded++;
      return index;
    } finally {
      this.live--;
    }
  }
}

function invoke(c: Call, plans: ItemPlan[], state: State): Promise<unknown> {
  const fns = plans.map((p, i) => () => state.item(p, i));
  switch (c.kind) {
    case "gather":
      return gather(...fns);
    case "race":
      return race(...fns);
    case "raceAny":
      return raceAny(...fns);
    case "asCompleted":
      return asCompleted(fns, async (handles) => {
        let got = 0;
        if (c.take === 0) return got;
        for await (const _ of handles) if (++got === c.take) break;
        return got;
      });
    case "amap": {
      const indices = plans.map((_, i) => i);
      const source =
        c.source === "array"
          ? indices
          : c.source === "sync"
            ? (function* () {
                yield* indices;
              })()
            : (async function* () {
                for (const i of indices) {
                  await checkpoint();
                  yield i;
                }
              })();
      return amap((i: number) => state.item(plans[i] as ItemPlan, i), source, { limit: c.limit });
    }
  }
}

describe("results properties", () => {
  it(
    "leave nothing running, respect the limit, and report every failure exactly once",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          call,
          fc.array(itemPlan, { maxLength: 6 }),
          fc.option(fc.integer({ min: 0, max: 3 })),
          async (c, planned, cancelAt) => {
            const needsOne = c.kind !== "gather" && c.kind !== "amap";
            const plans = needsOne && planned.length === 0 ? [{ ...itemPlanOk }] : planned;
            const state = new State();
            const scope = cancelAt === null ? new CancelScope() : moveOnAfter(cancelAt);
            let value: unknown;
            let leaves: unknown[] = [];
            let liveAtExit = -1;
            try {
              value = await scope.run(async () => {
                try {
                  return await invoke(c, plans, state);
                } finally {
                  liveAtExit = state.live;
                }
              });
            } catch (e) {
              assert.ok(e instanceof ExceptionGroup, `expected an ExceptionGroup, got ${e}`);
              leaves = e.leaves();
            }
            assert.equal(liveAtExit, 0, "an item outlived the call");
            if (c.kind === "amap" && c.limit !== Number.POSITIVE_INFINITY) {
              assert.ok(state.most <= c.limit, `${state.most} ran at once, limit ${c.limit}`);
            }
            assert.ok(!leaves.some((e) => e instanceof Cancelled), "a Cancelled escaped");
            assert.equal(new Set(leaves).size, leaves.length, "an error was reported twice");
            for (const e of leaves) assert.ok(state.thrown.has(e as Error), `unknown ${e}`);
            // raceAny reports failures only if every task failed: not once one succeeded, nor
            // when it was cancelled from outside first.
            const anyDropsFailures =
              c.kind === "raceAny" && (state.succeeded > 0 || scope.cancelledCaught);
            if (!anyDropsFailures) {
              assert.equal(leaves.length, state.thrown.size, "a failure was not reported");
            }
            const clean = state.thrown.size === 0 && !scope.cancelledCaught;
            if (clean && (c.kind === "gather" || c.kind === "amap")) {
              assert.deepEqual(
                value,
                plans.map((_, i) => i),
              );
            }
            if (clean && (c.kind === "race" || c.kind === "raceAny")) {
              assert.ok(typeof value === "number" && plans[value]?.fail === false);
            }
          },
        ),
        { numRuns: 150 },
      );
    },
    { timeout: 60_000 },
  );
});

const itemPlanOk: ItemPlan = { sleepMs: 0, checkpoints: 0, fail: false };
