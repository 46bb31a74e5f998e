import assert from "node:assert/strict";
import {
  asCompleted,
  Cancelled,
  CancelScope,
  type ExceptionGroup,
  Future,
  formatTaskTree,
  getRunningTasks,
  named,
  sleep,
  TaskFailed,
  type TaskHandle,
  waitAllTasksBlocked,
  withTaskGroup,
} from "../src/index.js";
import { type Equal, rejectsWithGroup, sleeper } from "./_support/helpers.js";
import { describe, it } from "./harness.js";

function messages(e: ExceptionGroup): string[] {
  return e.exceptions.map((x) => (x as Error).message).sort();
}

describe("asCompleted", () => {
  it("hands out task handles in completion order", async () => {
    // Completion order 2, 3, 1: each task sets the future the next one waits for.
    const go = { 1: new Future<void>(), 2: new Future<void>(), 3: new Future<void>() };
    const next = { 2: go[3], 3: go[1], 1: undefined };
    go[2].setResult();
    const returnWhen = (n: 1 | 2 | 3) => async () => {
      await go[n].result();
      next[n]?.setResult();
      return n;
    };
    const order = await asCompleted(
      [returnWhen(1), returnWhen(2), returnWhen(3)],
      async (handles) => {
        const seen: number[] = [];
        for await (const handle of handles) {
          assert.equal(handle.status, "finished");
          seen.push(handle.returnValue);
        }
        return seen;
      },
    );
    assert.deepEqual(order, [2, 3, 1]);
  });

  it("types the handles after the union of the functions' awaited return types", async () => {
    const out = await asCompleted([() => 1, async () => "a"], async (handles) => {
      const values: (number | string)[] = [];
      for await (const h of handles) {
        const typed: Equal<typeof h, TaskHandle<number | string>> = true;
        assert.ok(typed);
        values.push(h.returnValue);
      }
      return values;
    });
    const typedOut: Equal<typeof out, (number | string)[]> = true;
    assert.ok(typedOut);
    assert.deepEqual(out.sort(), [1, "a"]);
  });

  it("cancels and awaits the unfinished tasks when the loop is left early", async () => {
    const cleaned: string[] = [];
    const first = await asCompleted(
      [sleeper("a", cleaned), async () => "fast", sleeper("b", cleaned)],
      async (handles) => {
        for await (const h of handles) return h.returnValue;
      },
    );
    assert.equal(first, "fast");
    assert.deepEqual(cleaned.sort(), ["a", "b"]);
    assert.deepEqual(getRunningTasks(), []);
  });

  it("cancels the unfinished tasks at break, before the body ends", async () => {
    const cleaned: string[] = [];
    await asCompleted([async () => 1, sleeper("slow", cleaned)], async (handles) => {
      for await (const _ of handles) break;
      assert.equal(handles.remaining, 0);
      await sleep(1);
      assert.deepEqual(cleaned, ["slow"]); // already cancelled, although the body still runs
      const again = await handles.next();
      assert.equal(again.done, true);
    });
  });

  it("cancels the tasks when the body ends without iterating", async () => {
    const cleaned: string[] = [];
    const value = await asCompleted([sleeper("a", cleaned)], () => "no loop");
    assert.equal(value, "no loop");
    assert.deepEqual(cleaned, ["a"]);
  });

  it("reports the body's own error in an ExceptionGroup, after cancelling the tasks", async () => {
    const cleaned: string[] = [];
    await rejectsWithGroup(
      asCompleted([async () => 1, sleeper("slow", cleaned)], async (handles) => {
        for await (const _ of handles) throw new RangeError("body");
      }),
      (e) => assert.deepEqual(messages(e), ["body"]),
    );
    assert.deepEqual(cleaned, ["slow"]);
  });

  it("needs at least one function, a list of functions and a body", async () => {
    await assert.rejects(
      asCompleted([], () => 1),
      (e: unknown) =>
        e instanceof TypeError && e.message === "asCompleted() needs at least one function",
    );
    await assert.rejects(
      asCompleted([5 as unknown as () => number], () => 1),
      TypeError,
    );
    await assert.rejects(
      asCompleted((() => 1) as unknown as [], () => 1),
      TypeError,
    );
    await assert.rejects(asCompleted([() => 1], undefined as unknown as () => number), TypeError);
  });

  it("reports every failure when several tasks fail at once, and cancels the body's wait", async () => {
    const cleaned: string[] = [];
    let bodyCancelled = false;
    await rejectsWithGroup(
      asCompleted(
        [
          async () => {
            throw new Error("first");
          },
          () => {
            throw new Error("second");
          },
          sleeper("slow", cleaned),
        ],
        async (handles) => {
          try {
            for await (const h of handles) assert.equal(h.status, "failed");
          } catch (e) {
            bodyCancelled = e instanceof Cancelled;
            throw e;
          }
        },
      ),
      (e) => assert.deepEqual(messages(e), ["first", "second"]),
    );
    assert.ok(bodyCancelled);
    assert.deepEqual(cleaned, ["slow"]);
  });

  it("does not report a failure twice when the body reads the failed handle's result", async () => {
    await rejectsWithGroup(
      asCompleted(
        [
          async () => {
            throw new RangeError("boom");
          },
        ],
        async (handles) => {
          for await (const h of handles) await h.result();
        },
      ),
      (e) => {
        assert.equal(e.exceptions.length, 1);
        assert.ok(e.exceptions[0] instanceof RangeError);
        assert.ok(!(e.exceptions[0] instanceof TaskFailed));
      },
    );
  });

  it("cancels and awaits every task when cancelled from outside", async () => {
    const cleaned: string[] = [];
    const scope = new CancelScope();
    let escaped: unknown;
    let cleanedAtExit: string[] = [];
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await waitAllTasksBlocked();
        assert.match(formatTaskTree(), /asCompleted: waiting for the next task to finish/);
        scope.cancel();
      });
      await scope.run(async () => {
        try {
          await asCompleted([sleeper("a", cleaned), sleeper("b", cleaned)], async (handles) => {
            for await (const _ of handles) assert.fail("no task finishes");
          });
        } catch (e) {
          escaped = e;
          cleanedAtExit = [...cleaned].sort();
          throw e;
        }
      });
    });
    assert.ok(escaped instanceof Cancelled);
    assert.ok(scope.cancelledCaught);
    assert.deepEqual(cleanedAtExit, ["a", "b"]);
  });

  it("names each task after its function", async () => {
    const names = await asCompleted(
      [named("alpha", () => 1), named("beta", () => 2), async function gamma() {}],
      async (handles) => {
        const out: string[] = [];
        for await (const h of handles) out.push(h.name);
        return out;
      },
    );
    assert.deepEqual(names.sort(), ["alpha", "beta", "gamma"]);
  });

  it("counts the handles not yet handed out, and ends after the last", async () => {
    await asCompleted([() => 1, () => 2], async (handles) => {
      assert.equal(handles.remaining, 2);
      await handles.next();
      assert.equal(handles.remaining, 1);
      await handles.next();
      assert.equal(handles.remaining, 0);
      assert.deepEqual(await handles.next(), { done: true, value: undefined });
    });
  });

  it("ends an iteration that outlives the body", async () => {
    let kept: AsyncIterator<unknown> | undefined;
    await asCompleted([() => 1], (handles) => {
      kept = handles;
    });
    assert.deepEqual(await kept?.next(), { done: true, value: undefined });
  });

  it("serves two concurrent consumers in the body", async () => {
    const got = await asCompleted(
      [async () => 1, async () => 2, async () => 3],
      async (handles) => {
        const seen: number[] = [];
        await withTaskGroup((tg) => {
          for (let i = 0; i < 2; i++) {
            tg.startSoon(async () => {
              for await (const h of handles) seen.push(h.returnValue);
            });
          }
        });
        return seen.sort();
      },
    );
    assert.deepEqual(got, [1, 2, 3]);
  });
});
