import assert from "node:assert/strict";
import {
  Cancelled,
  CancelScope,
  type ExceptionGroup,
  getRunningTasks,
  race,
  raceAny,
  sleep,
  sleepForever,
  waitAllTasksBlocked,
  withTaskGroup,
} from "../src/index.js";
import { type Equal, rejectsWithGroup, sleeper } from "./_support/helpers.js";
import { describe, it } from "./harness.js";

function messages(e: ExceptionGroup): string[] {
  return e.exceptions.map((x) => (x as Error).message);
}

/** Runs `fn` in a scope that another task cancels once everything is blocked. */
async function cancelledFromOutside(fn: () => Promise<unknown>) {
  const scope = new CancelScope();
  let escaped: unknown;
  await withTaskGroup(async (tg) => {
    tg.startSoon(async () => {
      await waitAllTasksBlocked();
      scope.cancel();
    });
    await scope.run(async () => {
      try {
        await fn();
      } catch (e) {
        escaped = e;
        throw e;
      }
    });
  });
  assert.ok(scope.cancelledCaught);
  return escaped;
}

describe("race", () => {
  it("returns the first result, after cancelling and awaiting the others", async () => {
    const cleaned: string[] = [];
    let cleanedAtReturn: string[] = [];
    const winner = await race(
      sleeper("a", cleaned),
      async () => {
        await sleep(1);
        return "fast";
      },
      sleeper("b", cleaned),
    );
    cleanedAtReturn = [...cleaned].sort();
    assert.equal(winner, "fast");
    assert.deepEqual(cleanedAtReturn, ["a", "b"]);
    assert.deepEqual(getRunningTasks(), []);
  });

  it("is typed as the union of the functions' awaited return types", async () => {
    const value = await race(
      () => 1,
      async () => "a",
    );
    const typed: Equal<typeof value, number | string> = true;
    assert.ok(typed);
    assert.equal(value, 1); // a synchronous function finishes on its first turn
  });

  it("lets the first to settle decide: a failure that comes first is thrown as a group", async () => {
    const cleaned: string[] = [];
    await rejectsWithGroup(
      race(
        async () => {
          await sleep(1);
          throw new RangeError("first to settle");
        },
        sleeper("slow success", cleaned),
      ),
      (e) => {
        assert.deepEqual(messages(e), ["first to settle"]);
        assert.ok(e.exceptions[0] instanceof RangeError);
      },
    );
    assert.deepEqual(cleaned, ["slow success"]);
  });

  it("reports every failure when several tasks fail at once", async () => {
    await rejectsWithGroup(
      race(
        async () => {
          throw new Error("first");
        },
        () => {
          throw new Error("second");
        },
        sleepForever,
      ),
      (e) => assert.deepEqual(messages(e).sort(), ["first", "second"]),
    );
  });

  it("reports a loser that fails while being cancelled, even though there was a winner", async () => {
    await rejectsWithGroup(
      race(
        async () => "winner",
        async () => {
          try {
            await sleepForever();
          } catch {
            throw new Error("cleanup failed");
          }
        },
      ),
      (e) => assert.deepEqual(messages(e), ["cleanup failed"]),
    );
  });

  it("needs at least one function, and functions only", async () => {
    await assert.rejects(
      race(),
      (e: unknown) => e instanceof TypeError && e.message === "race() needs at least one function",
    );
    await assert.rejects(
      race(() => 1, "x" as unknown as () => number),
      TypeError,
    );
  });

  it("cancels and awaits every task when cancelled from outside", async () => {
    const cleaned: string[] = [];
    let cleanedAtExit: string[] = [];
    const escaped = await cancelledFromOutside(async () => {
      try {
        await race(sleeper("a", cleaned), sleeper("b", cleaned));
      } finally {
        cleanedAtExit = [...cleaned].sort();
      }
    });
    assert.ok(escaped instanceof Cancelled);
    assert.deepEqual(cleanedAtExit, ["a", "b"]);
  });

  it("rethrows a Cancelled that every function threw by itself", async () => {
    await assert.rejects(
      race(() => {
        throw new Cancelled("made up");
      }),
      (e: unknown) => e instanceof Cancelled && e.message === "made up",
    );
  });
});

describe("raceAny", () => {
  it("returns the first success, ignoring earlier failures, and cancels the rest", async () => {
    const cleaned: string[] = [];
    const value = await raceAny(
      async () => {
        throw new Error("down");
      },
      async () => {
        await sleep(1);
        return "up";
      },
      sleeper("slow", cleaned),
    );
    const typed: Equal<typeof value, string> = true;
    assert.ok(typed);
    assert.equal(value, "up");
    assert.deepEqual(cleaned, ["slow"]);
    assert.deepEqual(getRunningTasks(), []);
  });

  it("throws every failure, in the order they happened, when all fail", async () => {
    await rejectsWithGroup(
      raceAny(
        async () => {
          await sleep(2);
          throw new Error("late");
        },
        async () => {
          throw new Error("early");
        },
        () => {
          throw new Error("sync");
        },
      ),
      (e) => {
        assert.ok(e instanceof AggregateError);
        assert.deepEqual(messages(e), ["sync", "early", "late"]);
      },
    );
  });

  it("drops the failures of losers once a task has succeeded", async () => {
    const value = await raceAny(
      async () => "winner",
      async () => {
        try {
          await sleepForever();
        } catch {
          throw new Error("cleanup failed");
        }
      },
    );
    assert.equal(value, "winner");
  });

  it("needs at least one function", async () => {
    await assert.rejects(
      raceAny(),
      (e: unknown) =>
        e instanceof TypeError && e.message === "raceAny() needs at least one function",
    );
  });

  it("cancels and awaits every task when cancelled from outside", async () => {
    const cleaned: string[] = [];
    let cleanedAtExit: string[] = [];
    const escaped = await cancelledFromOutside(async () => {
      try {
        await raceAny(sleeper("a", cleaned), sleeper("b", cleaned), async () => {
          throw new Error("ignored");
        });
      } finally {
        cleanedAtExit = [...cleaned].sort();
      }
    });
    assert.ok(escaped instanceof Cancelled);
    assert.deepEqual(cleanedAtExit, ["a", "b"]);
  });
});
