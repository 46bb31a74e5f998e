import assert from "node:assert/strict";
import {
  Cancelled,
  CancelScope,
  checkpoint,
  failAfter,
  formatTaskTree,
  named,
  run,
  Semaphore,
  sleep,
  type TaskStatus,
  WouldBlock,
  waitAllTasksBlocked,
  withTaskGroup,
} from "../src/index.js";
import { describe, it } from "./harness.js";

// Made while the module loads, outside any task.
const topLevelSemaphore = new Semaphore(1, { maxValue: 3 });

describe("Semaphore", () => {
  it("is held to the end of a using block", async () => {
    const semaphore = new Semaphore(2);
    await withTaskGroup((tg) => {
      for (const name of ["task 1", "task 2"]) {
        tg.startSoon(
          named(name, async () => {
            using _ = await semaphore.acquire();
            assert.ok([0, 1].includes(semaphore.value));
          }),
        );
      }
    });
    assert.equal(semaphore.value, 2);
  });

  it("is held between a manual acquire() and release()", async () => {
    const semaphore = new Semaphore(2);
    await withTaskGroup((tg) => {
      for (let i = 0; i < 2; i++) {
        tg.startSoon(async () => {
          await semaphore.acquire();
          try {
            assert.ok([0, 1].includes(semaphore.value));
          } finally {
            semaphore.release();
          }
        });
      }
    });
    assert.equal(semaphore.value, 2);
  });

  it("runs a callback holding a slot and gives it back however it ends", async () => {
    const semaphore = new Semaphore(3);
    assert.equal(await semaphore.run(() => semaphore.value), 2);
    await assert.rejects(
      semaphore.run(async () => {
        throw new RangeError("boom");
      }),
      RangeError,
    );
    assert.equal(semaphore.value, 3);
  });

  it("never lets more tasks in than it has slots", async () => {
    const semaphore = new Semaphore(3);
    let inside = 0;
    let most = 0;
    await withTaskGroup((tg) => {
      for (let i = 0; i < 10; i++) {
        tg.startSoon(() =>
          semaphore.run(async () => {
            most = Math.max(most, ++inside);
            await sleep(0);
            inside--;
          }),
        );
      }
    });
    assert.ok(most >= 1 && most <= 3, `${most} tasks held a slot at once`);
    assert.equal(semaphore.value, 3);
  });

  it("wakes waiters in FIFO order", async () => {
    const semaphore = new Semaphore(0);
    const order: number[] = [];
    await withTaskGroup(async (tg) => {
      for (const n of [1, 2, 3]) {
        tg.startSoon(async () => {
          await semaphore.acquire();
          order.push(n);
        });
        await waitAllTasksBlocked();
      }
      for (let i = 0; i < 3; i++) semaphore.release();
    });
    assert.deepEqual(order, [1, 2, 3]);
  });

  it("with fastAcquire, takes a free slot without yielding to the event loop", async () => {
    const semaphore = new Semaphore(1, { fastAcquire: true });
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    const start = performance.now();
    while (performance.now() - start < 15) {
      using _ = await semaphore.acquire();
    }
    assert.equal(turned, false);
    await new Promise((resolve) => setImmediate(resolve));
  });

  it("still checks for cancellation with a free slot, with or without fastAcquire", async () => {
    for (const fastAcquire of [false, true]) {
      const semaphore = new Semaphore(1, { fastAcquire });
      const scope = new CancelScope();
      await scope.run(async () => {
        scope.cancel();
        await assert.rejects(semaphore.acquire(), Cancelled);
      });
      assert.equal(semaphore.value, 1);
    }
  });

  it("acquireNowait takes a slot, then throws WouldBlock when none is left", () => {
    const semaphore = new Semaphore(1);
    semaphore.acquireNowait();
    assert.equal(semaphore.value, 0);
    assert.throws(() => semaphore.acquireNowait(), WouldBlock);
  });

  for (const releaseFirst of [false, true]) {
    it(`keeps its value when a waiter is cancelled (released ${releaseFirst ? "first" : "last"})`, async () => {
      let acquired = false;
      const semaphore = new Semaphore(1);
      await withTaskGroup(async (tg) => {
        await semaphore.acquire();
        await tg.start(async (status: TaskStatus) => {
          status.started();
          using _ = await semaphore.acquire();
          acquired = true;
        });
        tg.cancel();
        await new CancelScope({ shield: true }).run(async () => {
          if (releaseFirst) {
            semaphore.release();
            await waitAllTasksBlocked();
          } else {
            await waitAllTasksBlocked();
            semaphore.release();
          }
        });
      });
      assert.equal(acquired, false);
      assert.equal(semaphore.value, 1);
    });
  }

  for (const maxValue of [2, null]) {
    it(`reports its maxValue (${maxValue})`, () => {
      assert.equal(new Semaphore(0, { maxValue }).maxValue, maxValue);
    });
  }

  it("has no maxValue unless given one", () => {
    assert.equal(new Semaphore(5).maxValue, null);
  });

  it("refuses a release past maxValue", () => {
    const semaphore = new Semaphore(1, { maxValue: 2 });
    semaphore.release();
    assert.throws(() => semaphore.release(), {
      name: "RangeError",
      message: "semaphore released too many times",
    });
    assert.equal(semaphore.value, 2);
  });

  it("rejects bad arguments, naming the value", () => {
    assert.throws(() => new Semaphore(1.5), {
      name: "TypeError",
      message: "initialValue must be an integer, got 1.5",
    });
    assert.throws(() => new Semaphore("2" as unknown as number), /got "2"/);
    assert.throws(() => new Semaphore(-1), {
      name: "RangeError",
      message: "initialValue must be >= 0, got -1",
    });
    assert.throws(() => new Semaphore(1, { maxValue: 1.5 }), TypeError);
    assert.throws(() => new Semaphore(3, { maxValue: 2 }), RangeError);
    assert.throws(() => new Semaphore(1, { fastAcquire: 1 as unknown as boolean }), TypeError);
  });

  it("counts waiters in its statistics", async () => {
    const semaphore = new Semaphore(1);
    await withTaskGroup(async (tg) => {
      assert.equal(semaphore.statistics().tasksWaiting, 0);
      using _ = await semaphore.acquire();
      assert.equal(semaphore.statistics().tasksWaiting, 0);
      for (let i = 1; i <= 2; i++) {
        tg.startSoon(async () => {
          using _ = await semaphore.acquire();
        });
        await waitAllTasksBlocked();
        assert.equal(semaphore.statistics().tasksWaiting, i);
      }
    });
    assert.equal(semaphore.statistics().tasksWaiting, 0);
  });

  it("hands a released slot straight to a waiter, so a racing acquireNowait gets WouldBlock", async () => {
    const semaphore = new Semaphore(1);
    await withTaskGroup(async (tg) => {
      semaphore.acquireNowait();
      tg.startSoon(() => semaphore.acquire());
      await waitAllTasksBlocked();
      semaphore.release();
      assert.equal(semaphore.value, 0);
      assert.throws(() => semaphore.acquireNowait(), WouldBlock);
    });
  });

  // As in AnyIO on both its backends (only a native asyncio Task.cancel() gives it back there).
  it("leaves a slot with a waiter cancelled right after the hand-over, until it releases it", async () => {
    const semaphore = new Semaphore(0, { maxValue: 1 });
    const seen: string[] = [];
    await withTaskGroup(async (tg) => {
      const task1 = tg.startSoon(async () => {
        using _ = await semaphore.acquire();
        seen.push("acquired");
        assert.equal(semaphore.value, 0);
        await checkpoint();
        seen.push("past its next checkpoint");
      });
      await waitAllTasksBlocked();
      semaphore.release();
      assert.equal(semaphore.value, 0);
      task1.cancel();
      await task1.wait();
      assert.equal(task1.status, "cancelled");
    });
    assert.deepEqual(seen, ["acquired"]);
    assert.equal(semaphore.value, 1);
    assert.equal(semaphore.statistics().tasksWaiting, 0);
    semaphore.acquireNowait();
  });

  it("gives the next waiter a slot once the cancelled one it was handed to releases it", async () => {
    const semaphore = new Semaphore(0);
    const got: string[] = [];
    await withTaskGroup(async (tg) => {
      const first = tg.startSoon(async () => {
        using _ = await semaphore.acquire();
        got.push("first");
        await checkpoint();
        got.push("first, past its next checkpoint");
      });
      await waitAllTasksBlocked();
      tg.startSoon(async () => {
        using _ = await semaphore.acquire();
        got.push("second");
      });
      await waitAllTasksBlocked();
      semaphore.release();
      first.cancel();
    });
    assert.deepEqual(got, ["first", "second"]);
    assert.equal(semaphore.value, 1);
  });

  it("can be acquired again at once after a cancelled waiter left", async () => {
    const semaphore = new Semaphore(1, { maxValue: 1 });
    semaphore.acquireNowait();
    await withTaskGroup(async (tg) => {
      const task1 = tg.startSoon(() => semaphore.acquire());
      await waitAllTasksBlocked();
      task1.cancel();
      semaphore.release();
      assert.equal(semaphore.statistics().tasksWaiting, 0);
      await failAfter(3000).run(() => semaphore.acquire());
    });
  });

  it("shows as Semaphore.acquire in the task tree", async () => {
    const semaphore = new Semaphore(0);
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => semaphore.acquire());
      await waitAllTasksBlocked();
      assert.match(formatTaskTree(), /waiting: Semaphore\.acquire/);
      semaphore.release();
    });
  });

  it("can be made outside any task, with neutral statistics, and used under run()", async () => {
    assert.equal(topLevelSemaphore.value, 1);
    assert.equal(topLevelSemaphore.maxValue, 3);
    assert.equal(topLevelSemaphore.statistics().tasksWaiting, 0);
    await run(async () => {
      using _ = await topLevelSemaphore.acquire();
      assert.equal(topLevelSemaphore.value, 0);
    });
    assert.equal(topLevelSemaphore.value, 1);
  });
});
