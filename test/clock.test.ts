import assert from "node:assert/strict";
import fc from "fast-check";
import { realClock, type TimerTarget } from "../src/index.js";
import { describe, it } from "./harness.js";

interface Probe extends TimerTarget {
  /** The due time, give or take the time `setTimer` took: between `due` and `latestDue`. */
  due: number;
  latestDue: number;
  firedAt: number | undefined;
}

function probe(fired: Probe[]): Probe {
  const p: Probe = {
    timerSlot: undefined,
    due: 0,
    latestDue: 0,
    firedAt: undefined,
    onTimer() {
      p.firedAt = realClock.now();
      fired.push(p);
    },
  };
  return p;
}

describe("realClock", () => {
  it("fires every armed timer once, in due order, never early, and no cleared one", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ delay: fc.integer({ min: 0, max: 12 }), clear: fc.boolean() }), {
          minLength: 1,
          maxLength: 40,
        }),
        async (plan) => {
          const fired: Probe[] = [];
          const probes = plan.map(({ delay }) => {
            const p = probe(fired);
            p.due = realClock.now() + delay;
            realClock.setTimer(p, delay);
            p.latestDue = realClock.now() + delay;
            return p;
          });
          plan.forEach(({ clear }, i) => {
            if (clear) realClock.clearTimer(probes[i] as Probe);
          });
          const expected = probes.filter((_, i) => !plan[i]?.clear);
          const started = realClock.now();
          while (fired.length < expected.length && realClock.now() - started < 1_000) {
            await new Promise((r) => setTimeout(r, 2));
          }
          assert.equal(fired.length, expected.length);
          for (const p of fired) {
            assert.ok((p.firedAt as number) >= p.due, "a timer fired early");
            assert.equal(p.timerSlot, undefined);
          }
          // The clock reads the time itself inside setTimer: a pause there (GC, a loaded
          // machine) moves the real due time anywhere in [due, latestDue].
          for (let i = 1; i < fired.length; i++) {
            assert.ok((fired[i] as Probe).latestDue >= (fired[i - 1] as Probe).due, "out of order");
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("keeps due order over thousands of timers, most of them cleared", async () => {
    // Enough timers of one length, mostly cleared, that the clock compacts its queue of them;
    // every tenth is shorter and goes the other way. Clearing after that must find each one.
    const fired: Probe[] = [];
    const probes: Probe[] = [];
    for (let i = 0; i < 3_000; i++) {
      const p = probe(fired);
      const delay = i % 10 === 9 ? 10 : 30;
      p.due = realClock.now() + delay;
      realClock.setTimer(p, delay);
      p.latestDue = realClock.now() + delay;
      probes.push(p);
    }
    probes.forEach((p, i) => {
      if (i % 3 !== 0) realClock.clearTimer(p);
    });
    probes.forEach((p, i) => {
      if (i % 15 === 0) realClock.clearTimer(p);
    });
    const expected = probes.filter((_, i) => i % 3 === 0 && i % 15 !== 0);
    assert.ok(expected.every((p) => p.timerSlot !== undefined));
    const started = realClock.now();
    while (fired.length < expected.length && realClock.now() - started < 2_000) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.deepEqual(new Set(fired), new Set(expected));
    for (let i = 1; i < fired.length; i++) {
      assert.ok((fired[i] as Probe).latestDue >= (fired[i - 1] as Probe).due, "out of order");
    }
    for (const p of fired) assert.ok((p.firedAt as number) >= p.due, "a timer fired early");
  });

  it("fires timers due at the same time in the order they were set", async () => {
    // On a runtime whose clock is coarse (Bun's), many of these share one due time.
    const fired: Probe[] = [];
    const probes = Array.from({ length: 64 }, () => probe(fired));
    for (const p of probes) realClock.setTimer(p, 3);
    while (fired.length < probes.length) await new Promise((r) => setTimeout(r, 2));
    assert.deepEqual(fired, probes);
  });

  it("breaks ties between timers armed in and out of due order by the order they were set", async () => {
    // The clock keeps timers armed in due order in a run and the others in a heap, and orders
    // equal due times across the two without a sequence number per run entry. Equal due times
    // need a clock that stands still: performance.now() is held for the arming.
    const fired: Probe[] = [];
    const next = () => probe(fired);
    const [a, b, c, w, x, y, z] = [next(), next(), next(), next(), next(), next(), next()];
    const held = performance.now();
    // An own property on Bun, inherited from Performance.prototype elsewhere.
    const own = Object.getOwnPropertyDescriptor(performance, "now");
    Object.defineProperty(performance, "now", { value: () => held, configurable: true });
    try {
      realClock.setTimer(a, 10); // into the run
      realClock.setTimer(b, 20); // into the run
      realClock.setTimer(c, 10); // into the heap, same due time as a, set after it
      realClock.setTimer(x, 30);
      realClock.setTimer(y, 15); // into the heap
      realClock.clearTimer(x);
      realClock.clearTimer(b);
      realClock.clearTimer(a);
      realClock.setTimer(a, 10);
      realClock.setTimer(z, 15);
      realClock.setTimer(w, 10); // into the heap, same due time as a, set after it
    } finally {
      if (own === undefined) Reflect.deleteProperty(performance, "now");
      else Object.defineProperty(performance, "now", own);
    }
    while (fired.length < 5) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(fired, [c, a, w, y, z]);
  });

  it("re-arms a target that is armed again, keeping only the last due time", async () => {
    const fired: Probe[] = [];
    const p = probe(fired);
    realClock.setTimer(p, 1_000);
    realClock.setTimer(p, 1);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(fired.length, 1);
  });

  it("ignores clearing a target that is not armed", () => {
    const p = probe([]);
    realClock.clearTimer(p);
    realClock.setTimer(p, 5);
    realClock.clearTimer(p);
    realClock.clearTimer(p);
    assert.equal(p.timerSlot, undefined);
  });
});
