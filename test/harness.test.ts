import assert from "node:assert/strict";
import fc from "fast-check";
import { describe, it, Registry, runTest, type TestCase } from "./harness.js";

function only(registry: Registry): TestCase {
  assert.equal(registry.tests.length, 1);
  return registry.tests[0] as TestCase;
}

describe("Registry", () => {
  it("names tests after their enclosing describe blocks", () => {
    const r = new Registry();
    r.beginFile("x.test.js");
    r.describe("Lock", () => {
      r.describe("acquire", () => {
        r.it("wakes waiters in FIFO order", () => {});
      });
    });
    r.it("stands alone", () => {});
    assert.deepEqual(
      r.tests.map((t) => [t.file, t.fullName]),
      [
        ["x.test.js", "Lock > acquire > wakes waiters in FIFO order"],
        ["x.test.js", "stands alone"],
      ],
    );
  });

  it("joins any nesting of describe names into the full name", () => {
    // Also proves that bare npm imports resolve on every runtime (Deno included).
    const name = fc.string({ minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(fc.array(name, { maxLength: 4 }), name, (suites, test) => {
        const r = new Registry();
        const nest = (i: number): void => {
          const suite = suites[i];
          if (suite === undefined) r.it(test, () => {});
          else r.describe(suite, () => nest(i + 1));
        };
        nest(0);
        assert.equal(only(r).fullName, [...suites, test].join(" > "));
      }),
    );
  });

  it("rejects an async describe callback", () => {
    const r = new Registry();
    assert.throws(() => r.describe("bad", (async () => {}) as () => void), TypeError);
  });
});

describe("runTest", () => {
  it("runs beforeEach hooks outer first and afterEach hooks inner first, around each test", async () => {
    const r = new Registry();
    const log: string[] = [];
    r.beginFile("hooks.test.js");
    r.beforeEach(() => void log.push("before:file"));
    r.afterEach(() => void log.push("after:file"));
    r.describe("outer", () => {
      r.beforeEach(async () => {
        await Promise.resolve();
        log.push("before:outer");
      });
      r.afterEach(() => void log.push("after:outer"));
      r.describe("inner", () => {
        r.beforeEach(() => void log.push("before:inner"));
        r.afterEach(() => void log.push("after:inner"));
        r.it("first", () => void log.push("test:first"));
      });
      r.it("second", () => void log.push("test:second"));
    });
    for (const test of r.tests) assert.equal((await runTest(test)).ok, true);
    assert.deepEqual(log, [
      "before:file",
      "before:outer",
      "before:inner",
      "test:first",
      "after:inner",
      "after:outer",
      "after:file",
      "before:file",
      "before:outer",
      "test:second",
      "after:outer",
      "after:file",
    ]);
  });

  it("reports the error a test throws and still runs afterEach", async () => {
    const r = new Registry();
    const boom = new Error("boom");
    let cleanedUp = false;
    r.afterEach(() => {
      cleanedUp = true;
    });
    r.it("throws", async () => {
      await Promise.resolve();
      throw boom;
    });
    const result = await runTest(only(r));
    assert.equal(result.ok, false);
    assert.equal(result.error, boom);
    assert.equal(result.timedOut, false);
    assert.equal(cleanedUp, true);
  });

  it("fails a passing test whose afterEach hook throws", async () => {
    const r = new Registry();
    r.afterEach(() => {
      throw new RangeError("cleanup failed");
    });
    r.it("passes", () => {});
    const result = await runTest(only(r));
    assert.equal(result.ok, false);
    assert.ok(result.error instanceof RangeError);
  });

  it("fails a test that does not settle within its timeout", async () => {
    const r = new Registry();
    r.it("hangs", () => new Promise<void>(() => {}), { timeout: 20 });
    const result = await runTest(only(r));
    assert.equal(result.ok, false);
    assert.equal(result.timedOut, true);
    assert.match(String(result.error), /timed out after 20 ms/);
    assert.ok(result.ms >= 15, `took ${result.ms} ms`);
  });

  it("rejects a timeout that is not a positive number", () => {
    const r = new Registry();
    assert.throws(() => r.it("zero", () => {}, { timeout: 0 }), RangeError);
  });
});
