import assert from "node:assert/strict";
import {
  Cancelled,
  CancelScope,
  type ExceptionGroup,
  Future,
  gather,
  getRunningTasks,
  named,
  sleep,
  sleepForever,
  waitAllTasksBlocked,
  withTaskGroup,
} from "../src/index.js";
import { type Equal, rejectsWithGroup, sleeper } from "./_support/helpers.js";
import { describe, it } from "./harness.js";

function messages(e: ExceptionGroup): string[] {
  return e.exceptions.map((x) => (x as Error).message).sort();
}

describe("gather", () => {
  it("returns results in argument order, not completion order", async () => {
    // Each task waits for the next one's future, so they finish in reverse order: 3, 2, 1.
    const done = [new Future<void>(), new Future<void>(), new Future<void>()];
    const finished: number[] = [];
    const returnWhen = (n: number) => async () => {
      if (n < 3) await (done[n] as Future<void>).result();
      finished.push(n);
      (done[n - 1] as Future<void>).setResult();
      return n * 10;
    };
    const results = await gather(returnWhen(1), returnWhen(2), returnWhen(3));
    assert.deepEqual(results, [10, 20, 30]);
    assert.deepEqual(finished, [3, 2, 1]);
  });

  it("types its result as a tuple of the functions' awaited return types", async () => {
    const results = await gather(
      () => 1,
      async () => "a",
      () => Promise.resolve(true as const),
    );
    const typed: Equal<typeof results, [number, string, true]> = true;
    assert.ok(typed);
    assert.deepEqual(results, [1, "a", true]);
    const fns: (() => Promise<number>)[] = [async () => 1, async () => 2];
    const same = await gather(...fns);
    const sameTyped: Equal<typeof same, number[]> = true;
    assert.ok(sameTyped);
    assert.deepEqual(same, [1, 2]);
  });

  it("runs plain synchronous functions as tasks", async () => {
    const names: string[] = [];
    const results = await gather(
      named("one", () => {
        names.push(getRunningTasks().find((t) => t.name === "one")?.name ?? "?");
        return 1;
      }),
      () => undefined,
    );
    assert.deepEqual(results, [1, undefined]);
    assert.deepEqual(names, ["one"]);
  });

  it("returns [] for no functions, after a checkpoint", async () => {
    assert.deepEqual(await gather(), []);
    const scope = new CancelScope();
    scope.cancel();
    let reached = false;
    await scope.run(async () => {
      await gather();
      reached = true;
    });
    assert.equal(reached, false);
    assert.ok(scope.cancelledCaught);
  });

  it("rejects an argument that is not a function", async () => {
    await assert.rejects(
      gather(() => 1, 5 as unknown as () => number),
      (e: unknown) => e instanceof TypeError && /argument 1 is 5/.test(e.message),
    );
  });

  it("cancels and awaits the others when one fails, and throws an ExceptionGroup", async () => {
    const cleaned: string[] = [];
    await rejectsWithGroup(
      gather(sleeper("a", cleaned), sleeper("b", cleaned), async () => {
        await sleep(1);
        throw new RangeError("bad");
      }),
      (e) => {
        assert.equal(e.exceptions.length, 1);
        assert.ok(e.exceptions[0] instanceof RangeError);
      },
    );
    assert.deepEqual(cleaned.sort(), ["a", "b"]);
    assert.deepEqual(getRunningTasks(), []);
  });

  it("reports every failure when several tasks fail at once", async () => {
    await rejectsWithGroup(
      gather(
        async () => {
          throw new Error("first");
        },
        () => {
          throw new Error("second");
        },
        async () => "fine",
      ),
      (e) => assert.deepEqual(messages(e), ["first", "second"]),
    );
  });

  it("reports a task that fails while being cancelled", async () => {
    await rejectsWithGroup(
      gather(
        async () => {
          try {
            await sleepForever();
          } catch {
            throw new Error("cleanup failed");
          }
        },
        async () => {
          await sleep(1);
          throw new Error("trigger");
        },
      ),
      (e) => assert.deepEqual(messages(e), ["cleanup failed", "trigger"]),
    );
  });

  it("cancels and awaits every task when cancelled from outside", async () => {
    const cleaned: string[] = [];
    const scope = new CancelScope();
    let seenAtExit: string[] = [];
    let escaped: unknown;
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await waitAllTasksBlocked();
        scope.cancel();
      });
      await scope.run(async () => {
        try {
          await gather(sleeper("a", cleaned), sleeper("b", cleaned), sleeper("c", cleaned));
        } catch (e) {
          escaped = e;
          seenAtExit = [...cleaned].sort();
          assert.ok(!getRunningTasks().some((t) => ["a", "b", "c"].includes(t.name)));
          throw e;
        }
      });
    });
    assert.ok(escaped instanceof Cancelled);
    assert.ok(scope.cancelledCaught);
    assert.deepEqual(seenAtExit, ["a", "b", "c"]);
  });

  it("waits for a task's shielded cleanup before throwing", async () => {
    let cleaned = false;
    await rejectsWithGroup(
      gather(
        async () => {
          try {
            await sleepForever();
          } finally {
            await new CancelScope({ shield: true }).run(() => sleep(2));
            cleaned = true;
          }
        },
        () => {
          throw new Error("boom");
        },
      ),
      () => assert.ok(cleaned),
    );
  });

  it("names each task after its function", async () => {
    const gate = new Future<void>();
    let seen: string[] = [];
    await gather(
      named("fetchUser", () => gate.wait()),
      named("fetchOrders", () => gate.wait()),
      async function watcher() {
        await waitAllTasksBlocked();
        seen = getRunningTasks().map((t) => t.name);
        gate.setResult();
      },
    );
    assert.deepEqual(seen.sort(), ["fetchOrders", "fetchUser", "watcher"]);
    assert.deepEqual(getRunningTasks(), []);
  });

  it("nests: a gather inside a task of another gather", async () => {
    const [a, [b, c]] = await gather(
      async () => "a",
      () =>
        gather(
          async () => "b",
          async () => "c",
        ),
    );
    assert.equal(a + b + c, "abc");
  });
});
