/**
 * The borrower set of `CapacityLimiter` (src/sync/_internal/borrower-set.ts): a short array that
 * turns into a `Set` past 16 borrowers must answer as a `Set` does, before and after the turn.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { CapacityLimiter, InvalidStateError, withTaskGroup } from "../src/index.js";
import { BorrowerSet } from "../src/sync/_internal/borrower-set.js";
import { describe, it } from "./harness.js";

// A few objects and the values a Set treats specially (NaN equals itself, -0 equals 0).
const keys = [
  {},
  {},
  {},
  "a",
  1,
  0,
  -0,
  Number.NaN,
  ...Array.from({ length: 30 }, (_, i) => ({ i })),
];

describe("BorrowerSet", () => {
  it("answers has, delete, size and iteration as a Set does, across its move to a Set", () => {
    const op = fc.record({
      kind: fc.constantFrom("add", "delete", "has"),
      key: fc.integer({ min: 0, max: keys.length - 1 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const ours = new BorrowerSet();
        const model = new Set<unknown>();
        for (const { kind, key } of ops) {
          const k = keys[key];
          if (kind === "add") {
            // Its callers add only what it does not hold.
            if (!model.has(k)) {
              ours.add(k);
              model.add(k);
            }
          } else if (kind === "delete") assert.equal(ours.delete(k), model.delete(k));
          else assert.equal(ours.has(k), model.has(k));
          assert.equal(ours.size, model.size);
        }
        assert.deepEqual([...ours], [...model]);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps a limiter's borrowers right past 16 of them", async () => {
    const limiter = new CapacityLimiter(40);
    const borrowers = Array.from({ length: 30 }, (_, i) => ({ i }));
    await withTaskGroup(async () => {
      const tokens = [];
      for (const b of borrowers) tokens.push(await limiter.acquireOnBehalfOf(b));
      assert.equal(limiter.borrowedTokens, 30);
      await assert.rejects(limiter.acquireOnBehalfOf(borrowers[20]), InvalidStateError);
      await assert.rejects(limiter.acquireOnBehalfOf(borrowers[3]), InvalidStateError);
      limiter.releaseOnBehalfOf(borrowers[20]);
      assert.throws(() => limiter.releaseOnBehalfOf(borrowers[20]), InvalidStateError);
      assert.deepEqual(
        limiter.statistics().borrowers,
        borrowers.filter((_, i) => i !== 20),
      );
      for (const [i, token] of tokens.entries()) if (i !== 20) token[Symbol.dispose]();
      assert.equal(limiter.borrowedTokens, 0);
    });
  });
});
