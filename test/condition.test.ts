import assert from "node:assert/strict";
import {
  Cancelled,
  CancelScope,
  Condition,
  checkpoint,
  Event,
  failAfter,
  formatTaskTree,
  InvalidStateError,
  Lock,
  named,
  run,
  WouldBlock,
  waitAllTasksBlocked,
  withTaskGroup,
} from "../src/index.js";
import { describe, it } from "./harness.js";

// Made while the module loads, outside any task.
const topLevelCondition = new Condition();

describe("Condition", () => {
  it("wakes a waiter with notifyAll() under using", async () => {
    const condition = new Condition();
    await withTaskGroup(async (tg) => {
      using _ = await condition.acquire();
      assert.ok(condition.locked());
      tg.startSoon(async () => {
        using _ = await condition.acquire();
        condition.notifyAll();
      });
      await condition.wait();
      assert.ok(condition.locked());
    });
    assert.equal(condition.locked(), false);
  });

  it("wakes a waiter with notifyAll() under manual acquire() and release()", async () => {
    const condition = new Condition();
    await withTaskGroup(async (tg) => {
      await condition.acquire();
      try {
        assert.ok(condition.locked());
        tg.startSoon(async () => {
          await condition.acquire();
          try {
            condition.notifyAll();
          } finally {
            condition.release();
          }
        });
        await condition.wait();
      } finally {
        condition.release();
      }
    });
  });

  it("resolves acquire() to the condition itself", async () => {
    const condition = new Condition();
    assert.equal(await condition.acquire(), condition);
    condition.release();
  });

  it("runs a callback holding the lock with run()", async () => {
    const condition = new Condition();
    assert.equal(await condition.run(() => condition.locked()), true);
    assert.equal(condition.locked(), false);
  });

  it("acquireNowait takes a free lock", () => {
    const condition = new Condition();
    condition.acquireNowait();
    assert.ok(condition.locked());
    condition.release();
  });

  it("acquireNowait throws WouldBlock in another task while the lock is held", async () => {
    const condition = new Condition();
    await withTaskGroup(async (tg) => {
      using _ = await condition.acquire();
      await tg.startSoon(() => assert.throws(() => condition.acquireNowait(), WouldBlock)).result();
    });
  });

  it("uses the lock it is given", async () => {
    const lock = new Lock();
    const condition = new Condition(lock);
    using _ = await condition.acquire();
    assert.ok(lock.locked());
    assert.throws(() => new Condition({} as Lock), TypeError);
  });

  it("does not notify a waiter whose scope was cancelled", async () => {
    const condition = new Condition();
    const event = new Event();
    let started = false;
    let notified = false;
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        started = true;
        using _ = await condition.acquire();
        event.set();
        await condition.wait();
        notified = true;
      });
      await event.wait();
      await waitAllTasksBlocked();
      tg.cancel();
    });
    assert.ok(started);
    assert.equal(notified, false);
    assert.equal(condition.locked(), false);
  });

  it("takes the lock back before it throws Cancelled, even when another task holds it", async () => {
    const condition = new Condition();
    const steps: string[] = [];
    await withTaskGroup(async (tg) => {
      const scope = new CancelScope();
      tg.startSoon(async () => {
        await scope.run(async () => {
          using _ = await condition.acquire();
          try {
            await condition.wait();
          } catch (e) {
            assert.ok(e instanceof Cancelled);
            assert.ok(condition.statistics().lockStatistics.owner !== null);
            steps.push("cancelled, holding the lock");
            throw e;
          }
        });
      });
      await waitAllTasksBlocked();
      await condition.run(async () => {
        scope.cancel();
        await waitAllTasksBlocked();
        steps.push("host releases");
      });
    });
    assert.deepEqual(steps, ["host releases", "cancelled, holding the lock"]);
    assert.equal(condition.locked(), false);
  });

  it("passes a notification on when the next waiter's scope was cancelled first", async () => {
    const condition = new Condition();
    await withTaskGroup(async (tg) => {
      const acquirer = async (scope: CancelScope) => {
        await scope.run(async () => {
          using _ = await condition.acquire();
          await condition.wait();
        });
      };
      const scope1 = new CancelScope();
      const scope2 = failAfter(3000);
      tg.startSoon(acquirer, scope1);
      tg.startSoon(acquirer, scope2);
      await waitAllTasksBlocked();
      using _ = await condition.acquire();
      scope1.cancel();
      condition.notify(1);
    });
  });

  it("passes a notification on when the waiter it would reach is cancelled just before", async () => {
    const condition = new Condition();
    const woke: string[] = [];
    await withTaskGroup(async (tg) => {
      const first = tg.startSoon(
        named("first", async () => {
          using _ = await condition.acquire();
          await condition.wait();
          woke.push("first");
        }),
      );
      await waitAllTasksBlocked();
      tg.startSoon(
        named("second", async () => {
          using _ = await condition.acquire();
          await failAfter(3000).run(() => condition.wait());
          woke.push("second");
        }),
      );
      await waitAllTasksBlocked();
      using _ = await condition.acquire();
      first.cancel();
      condition.notify(1);
      assert.equal(condition.statistics().tasksWaiting, 0);
    });
    assert.deepEqual(woke, ["second"]);
  });

  // As in AnyIO on both its backends: the notified waiter acts on it, the cancellation meets it
  // at its next checkpoint, and the other waiter is not woken by that notify().
  it("lets a waiter notified and then cancelled return from wait() as notified", async () => {
    const condition = new Condition();
    const woke: string[] = [];
    await withTaskGroup(async (tg) => {
      const first = tg.startSoon(
        named("first", async () => {
          using _ = await condition.acquire();
          await condition.wait();
          woke.push("first");
          await checkpoint();
          woke.push("first, past its next checkpoint");
        }),
      );
      await waitAllTasksBlocked();
      tg.startSoon(
        named("second", async () => {
          using _ = await condition.acquire();
          await condition.wait();
          woke.push("second");
        }),
      );
      await waitAllTasksBlocked();
      {
        using _ = await condition.acquire();
        condition.notify(1);
        first.cancel();
        assert.equal(condition.statistics().tasksWaiting, 1);
      }
      await first.wait();
      assert.equal(first.status, "cancelled");
      assert.deepEqual(woke, ["first"]);
      using _ = await condition.acquire();
      condition.notify(1);
    });
    assert.deepEqual(woke, ["first", "second"]);
  });

  it("refuses wait() from a task that does not hold the lock", async () => {
    const condition = new Condition();
    await assert.rejects(condition.wait(), {
      name: "InvalidStateError",
      message: "The current task is not holding the underlying lock",
    });
  });

  it("refuses notify() and notifyAll() from a task that does not hold the lock", async () => {
    const condition = new Condition();
    assert.throws(() => condition.notify(), InvalidStateError);
    assert.throws(() => condition.notifyAll(), InvalidStateError);
    await withTaskGroup(async (tg) => {
      using _ = await condition.acquire();
      await tg.startSoon(() => assert.throws(() => condition.notify(), InvalidStateError)).result();
    });
  });

  it("rejects a bad count for notify()", async () => {
    const condition = new Condition();
    using _ = await condition.acquire();
    assert.throws(() => condition.notify(-1), RangeError);
    assert.throws(() => condition.notify(1.5), TypeError);
  });

  it("wakes at most n waiters with notify(n), in FIFO order", async () => {
    const condition = new Condition();
    const woke: number[] = [];
    await withTaskGroup(async (tg) => {
      for (const n of [1, 2, 3]) {
        tg.startSoon(async () => {
          using _ = await condition.acquire();
          await condition.wait();
          woke.push(n);
        });
        await waitAllTasksBlocked();
      }
      await condition.run(() => condition.notify(2));
      await waitAllTasksBlocked();
      assert.deepEqual(woke, [1, 2]);
      assert.equal(condition.statistics().tasksWaiting, 1);
      await condition.run(() => condition.notify(5));
    });
    assert.deepEqual(woke, [1, 2, 3]);
  });

  it("counts waiters, and reports the lock, in its statistics", async () => {
    const condition = new Condition();
    await withTaskGroup(async (tg) => {
      assert.equal(condition.statistics().lockStatistics.locked, false);
      assert.equal(condition.statistics().tasksWaiting, 0);
      await condition.run(() => {
        assert.equal(condition.statistics().lockStatistics.locked, true);
        assert.equal(condition.statistics().tasksWaiting, 0);
      });
      for (let i = 1; i <= 2; i++) {
        tg.startSoon(() => condition.run(() => condition.wait()));
        await waitAllTasksBlocked();
        assert.equal(condition.statistics().tasksWaiting, i);
      }
      for (let i = 1; i >= 0; i--) {
        await condition.run(() => condition.notify(1));
        await waitAllTasksBlocked();
        assert.equal(condition.statistics().tasksWaiting, i);
      }
    });
    assert.equal(condition.statistics().lockStatistics.locked, false);
    assert.equal(condition.statistics().tasksWaiting, 0);
  });

  it("waits with waitFor() until the predicate holds, and returns its value", async () => {
    const condition = new Condition();
    let value: string | null = null;
    let result: string | null | undefined;
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        using _ = await condition.acquire();
        result = await condition.waitFor(() => value);
      });
      await waitAllTasksBlocked();
      await condition.run(() => condition.notifyAll());
      await waitAllTasksBlocked();
      assert.equal(result, undefined);
      value = "foo";
      await condition.run(() => condition.notifyAll());
    });
    assert.equal(result, "foo");
  });

  it("returns from waitFor() without waiting when the predicate already holds", async () => {
    const condition = new Condition();
    using _ = await condition.acquire();
    assert.equal(await condition.waitFor(() => 42), 42);
  });

  it("refuses an asynchronous predicate in waitFor()", async () => {
    const condition = new Condition();
    using _ = await condition.acquire();
    await assert.rejects(
      condition.waitFor(async () => true),
      TypeError,
    );
  });

  it("shows as Condition.wait in the task tree", async () => {
    const condition = new Condition();
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => condition.run(() => condition.wait()));
      await waitAllTasksBlocked();
      assert.match(formatTaskTree(), /waiting: Condition\.wait/);
      await condition.run(() => condition.notifyAll());
    });
  });

  it("can be made outside any task, with neutral statistics, and used under run()", async () => {
    assert.equal(topLevelCondition.statistics().tasksWaiting, 0);
    assert.equal(topLevelCondition.statistics().lockStatistics.locked, false);
    await run(async () => {
      using _ = await topLevelCondition.acquire();
      assert.ok(topLevelCondition.locked());
    });
    assert.equal(topLevelCondition.locked(), false);
  });
});
