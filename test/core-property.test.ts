/**
 * Property-based tests of the core: random trees of task groups, cancel scopes, sleeps,
 * failures and cancellations at random times. After each tree, the harness also checks that no
 * task, timer or parked operation is left and that no rejection went unhandled.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  Cancelled,
  CancelScope,
  checkpoint,
  ExceptionGroup,
  moveOnAfter,
  sleep,
  withTaskGroup,
} from "../src/index.js";
import { describe, it } from "./harness.js";

type Plan =
  | { kind: "sleep"; ms: number }
  | { kind: "fail"; afterMs: number }
  | { kind: "swallow"; ms: number }
  | { kind: "group"; children: Plan[]; body: Plan[] }
  | {
      kind: "scope";
      timeout: number | null;
      shield: boolean;
      cancelAt: number | null;
      body: Plan[];
    };

const { plan } = fc.letrec<{ plan: Plan }>((tie) => ({
  plan: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ kind: fc.constant("sleep" as const), ms: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ kind: fc.constant("fail" as const), afterMs: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ kind: fc.constant("swallow" as const), ms: fc.integer({ min: 0, max: 2 }) }),
    fc.record({
      kind: fc.constant("group" as const),
      children: fc.array(tie("plan"), { maxLength: 4 }),
      body: fc.array(tie("plan"), { maxLength: 2 }),
    }),
    fc.record({
      kind: fc.constant("scope" as const),
      timeout: fc.option(fc.integer({ min: 0, max: 4 })),
      shield: fc.boolean(),
      cancelAt: fc.option(fc.integer({ min: 0, max: 4 })),
      body: fc.array(tie("plan"), { maxLength: 3 }),
    }),
  ),
}));

interface Run {
  thrown: Set<Error>;
  violations: string[];
}

async function exec(steps: Plan[], run: Run): Promise<void> {
  for (const step of steps) await execOne(step, run);
}

async function execOne(step: Plan, run: Run): Promise<void> {
  switch (step.kind) {
    case "sleep":
      await sleep(step.ms);
      return;
    case "fail": {
      await sleep(step.afterMs);
      const error = new Error(`failure ${run.thrown.size}`);
      run.thrown.add(error);
      throw error;
    }
    case "swallow":
      // A task that swallows Cancelled once: level cancellation must still stop it.
      try {
        await sleep(step.ms);
      } catch (e) {
        if (!(e instanceof Cancelled)) throw e;
      }
      await checkpoint();
      return;
    case "group": {
      let live = 0;
      try {
        await withTaskGroup(async (tg) => {
          for (const child of step.children) {
            tg.startSoon(async () => {
              live++;
              try {
                await execOne(child, run);
              } finally {
                live--;
              }
            });
          }
          await exec(step.body, run);
        });
      } finally {
        if (live !== 0) run.violations.push(`${live} task(s) outlived their group`);
      }
      return;
    }
    case "scope": {
      const scope =
        step.timeout === null
          ? new CancelScope({ shield: step.shield })
          : moveOnAfter(step.timeout, { shield: step.shield });
      const cancelAt = step.cancelAt;
      await scope.run(async () => {
        if (cancelAt === null) return exec(step.body, run);
        await withTaskGroup(async (tg) => {
          tg.startSoon(async () => {
            await new CancelScope({ shield: true }).run(() => sleep(cancelAt));
            scope.cancel("random cancel");
          });
          await exec(step.body, run);
        });
      });
      return;
    }
  }
}

function leaves(error: unknown): unknown[] {
  return error instanceof ExceptionGroup ? error.leaves() : [error];
}

describe("core properties", () => {
  it(
    "no task outlives its group and every error reaches the top exactly once",
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(plan, { minLength: 1, maxLength: 3 }), async (steps) => {
          const run: Run = { thrown: new Set(), violations: [] };
          let outcome: unknown[] = [];
          try {
            await withTaskGroup(async (tg) => {
              for (const step of steps) tg.startSoon(() => execOne(step, run));
            });
          } catch (e) {
            outcome = leaves(e);
          }
          assert.deepEqual(run.violations, []);
          assert.ok(
            outcome.every((e) => !(e instanceof Cancelled)),
            "a Cancelled escaped to the top",
          );
          assert.equal(new Set(outcome).size, outcome.length, "an error was reported twice");
          assert.deepEqual(new Set(outcome), run.thrown, "errors thrown vs reported differ");
        }),
        { numRuns: 120 },
      );
    },
    { timeout: 60_000 },
  );

  it(
    "a cancelled scope always ends, whatever the tree under it does",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(plan, { maxLength: 3 }),
          fc.integer({ min: 0, max: 3 }),
          async (steps, at) => {
            const run: Run = { thrown: new Set(), violations: [] };
            const scope = moveOnAfter(at);
            try {
              await scope.run(() => exec(steps, run));
            } catch (e) {
              for (const leaf of leaves(e)) assert.ok(run.thrown.has(leaf as Error));
            }
            assert.deepEqual(run.violations, []);
          },
        ),
        { numRuns: 80 },
      );
    },
    { timeout: 60_000 },
  );
});
