import assert from "node:assert/strict";
import {
  Cancelled,
  CancelScope,
  CapacityLimiter,
  checkpoint,
  Event,
  ExceptionGroup,
  failAfter,
  formatTaskTree,
  getCurrentTask,
  InvalidStateError,
  moveOnAfter,
  run,
  TaskInfo,
  type TaskStatus,
  WouldBlock,
  waitAllTasksBlocked,
  withTaskGroup,
} from "../src/index.js";
import { describe, it } from "./harness.js";

// Made while the module loads, outside any task.
const topLevelLimiter = new CapacityLimiter(1);

describe("CapacityLimiter", () => {
  it("rejects a totalTokens that is not an integer or Infinity, naming it", () => {
    assert.throws(() => new CapacityLimiter(1.5), {
      name: "TypeError",
      message: "totalTokens must be an integer or Infinity, got 1.5",
    });
    assert.throws(() => new CapacityLimiter("2" as unknown as number), /got "2"/);
    assert.throws(() => new CapacityLimiter(Number.NaN), TypeError);
    const limiter = new CapacityLimiter(2);
    assert.throws(() => {
      limiter.totalTokens = 3.5;
    }, TypeError);
    assert.equal(limiter.totalTokens, 2);
  });

  it("rejects a negative totalTokens", () => {
    assert.throws(() => new CapacityLimiter(-1), {
      name: "RangeError",
      message: "totalTokens must be >= 0, got -1",
    });
    assert.throws(() => new CapacityLimiter(Number.NEGATIVE_INFINITY), RangeError);
  });

  it("accepts zero tokens and Infinity", () => {
    assert.equal(new CapacityLimiter(0).totalTokens, 0);
    assert.equal(new CapacityLimiter(Number.POSITIVE_INFINITY).totalTokens, Infinity);
    const limiter = new CapacityLimiter(1);
    limiter.totalTokens = 0;
    assert.equal(limiter.totalTokens, 0);
    assert.throws(() => limiter.acquireNowait(), WouldBlock);
  });

  it("counts borrowed and available tokens", async () => {
    const limiter = new CapacityLimiter(2);
    assert.equal(limiter.totalTokens, 2);
    assert.equal(limiter.availableTokens, 2);
    assert.equal(limiter.borrowedTokens, 0);
    {
      using _ = await limiter.acquire();
      assert.equal(limiter.totalTokens, 2);
      assert.equal(limiter.availableTokens, 1);
      assert.equal(limiter.borrowedTokens, 1);
    }
    assert.equal(limiter.borrowedTokens, 0);
  });

  it("lets one task at a time in with one token", async () => {
    const limiter = new CapacityLimiter(1);
    let value = 0;
    await withTaskGroup((tg) => {
      for (let i = 0; i < 3; i++) {
        tg.startSoon(async () => {
          for (let j = 0; j < 5; j++) {
            using _ = await limiter.acquire();
            assert.equal(value, 0);
            value = 1;
            await waitAllTasksBlocked();
            value = 0;
          }
        });
      }
    });
  });

  it("runs a callback holding a token with run()", async () => {
    const limiter = new CapacityLimiter(4);
    assert.equal(await limiter.run(() => limiter.borrowedTokens), 1);
    await assert.rejects(
      limiter.run(() => Promise.reject(new RangeError("boom"))),
      RangeError,
    );
    assert.equal(limiter.borrowedTokens, 0);
  });

  it("refuses a second token for the same borrower", async () => {
    const limiter = new CapacityLimiter(1);
    await limiter.acquire();
    await assert.rejects(limiter.acquire(), {
      name: "InvalidStateError",
      message: "this borrower is already holding one of this CapacityLimiter's tokens",
    });
    assert.throws(() => limiter.acquireNowait(), InvalidStateError);
    limiter.release();
  });

  it("refuses a release by a borrower holding no token", () => {
    const limiter = new CapacityLimiter(1);
    assert.throws(() => limiter.release(), {
      name: "InvalidStateError",
      message: "this borrower isn't holding any of this CapacityLimiter's tokens",
    });
    assert.throws(() => limiter.releaseOnBehalfOf("nobody"), InvalidStateError);
  });

  it("refuses a borrower that waited twice a second token when its turn comes", async () => {
    const limiter = new CapacityLimiter(0);
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => limiter.acquireOnBehalfOf("job"));
      await waitAllTasksBlocked();
      const second = limiter.acquireOnBehalfOf("job");
      assert.equal(limiter.statistics().tasksWaiting, 2);
      limiter.totalTokens = 2;
      await assert.rejects(second, {
        name: "InvalidStateError",
        message: "this borrower is already holding one of this CapacityLimiter's tokens",
      });
      assert.deepEqual(limiter.statistics().borrowers, ["job"]);
      assert.equal(limiter.statistics().tasksWaiting, 0);
    });
    limiter.releaseOnBehalfOf("job");
    assert.equal(limiter.borrowedTokens, 0);
  });

  it("admits a waiter when totalTokens is raised", async () => {
    const limiter = new CapacityLimiter(1);
    const event1 = new Event();
    const event2 = new Event();
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await event1.wait();
        using _ = await limiter.acquire();
        event2.set();
      });
      tg.startSoon(async () => {
        using _ = await limiter.acquire();
        event1.set();
        await event2.wait();
      });
      await waitAllTasksBlocked();
      assert.ok(event1.isSet());
      assert.equal(event2.isSet(), false);
      limiter.totalTokens = 2;
    });
    assert.ok(event2.isSet());
  });

  it("admits as many waiters as tokens were added, and more borrowers later", async () => {
    const limiter = new CapacityLimiter(1);
    const entered = [new Event(), new Event(), new Event()];
    const proceed = new Event();
    const worker = async (event: Event) => {
      using _ = await limiter.acquire();
      event.set();
      await proceed.wait();
    };
    await withTaskGroup(async (tg) => {
      for (const event of entered.slice(0, 2)) tg.startSoon(worker, event);
      await waitAllTasksBlocked();
      assert.equal(entered.filter((e) => e.isSet()).length, 1);
      limiter.totalTokens = 3;
      tg.startSoon(worker, entered[2] as Event);
      await failAfter(1000).run(async () => {
        for (const event of entered.slice(1)) await event.wait();
      });
      proceed.set();
    });
  });

  it("takes no token away when totalTokens is lowered, and admits nobody until below it", async () => {
    const limiter = new CapacityLimiter(2);
    limiter.acquireOnBehalfOfNowait("a");
    limiter.acquireOnBehalfOfNowait("b");
    limiter.totalTokens = 1;
    assert.equal(limiter.availableTokens, -1);
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => limiter.acquireOnBehalfOf("c"));
      await waitAllTasksBlocked();
      limiter.releaseOnBehalfOf("a");
      assert.deepEqual(limiter.statistics().borrowers, ["b"]);
      limiter.releaseOnBehalfOf("b");
      assert.deepEqual(limiter.statistics().borrowers, ["c"]);
    });
    limiter.releaseOnBehalfOf("c");
  });

  it("reports borrowers, tokens and waiters in its statistics", async () => {
    const limiter = new CapacityLimiter(1);
    assert.deepEqual(limiter.statistics(), {
      borrowedTokens: 0,
      totalTokens: 1,
      borrowers: [],
      tasksWaiting: 0,
    });
    await withTaskGroup(async (tg) => {
      using _ = await limiter.acquire();
      const stats = limiter.statistics();
      assert.equal(stats.borrowedTokens, 1);
      assert.equal(stats.tasksWaiting, 0);
      assert.ok(stats.borrowers[0] instanceof TaskInfo);
      assert.equal((stats.borrowers[0] as TaskInfo).id, getCurrentTask().id);
      for (let i = 1; i <= 2; i++) {
        tg.startSoon(async () => {
          using _ = await limiter.acquire();
        });
        await waitAllTasksBlocked();
        assert.equal(limiter.statistics().tasksWaiting, i);
      }
    });
    assert.equal(limiter.statistics().tasksWaiting, 0);
    assert.equal(limiter.statistics().borrowedTokens, 0);
  });

  it("serves waiters in FIFO order", async () => {
    const limiter = new CapacityLimiter(1);
    const results: number[] = [];
    const event = new Event();
    await withTaskGroup(async (tg) => {
      for (const i of [0, 1, 2]) {
        await tg.start(async (n: number, status: TaskStatus) => {
          status.started();
          using _ = await limiter.acquire();
          await event.wait();
          results.push(n);
        }, i);
      }
      event.set();
    });
    assert.deepEqual(results, [0, 1, 2]);
  });

  it("passes the token on when a waiting borrower is cancelled just before the release", async () => {
    const limiter = new CapacityLimiter(1);
    const borrower = async (event: Event, status: TaskStatus<CancelScope>) => {
      const scope = new CancelScope();
      await scope.run(async () => {
        status.started(scope);
        using _ = await limiter.acquire();
        event.set();
        await checkpoint();
      });
    };
    await withTaskGroup(async (tg) => {
      const event1 = new Event();
      const event2 = new Event();
      {
        using _ = await limiter.acquire();
        const scope1 = await tg.start(borrower, event1);
        await tg.start(borrower, event2);
        scope1.cancel();
      }
      const timeout = moveOnAfter(1000);
      await timeout.run(() => event2.wait());
      assert.equal(timeout.cancelledCaught, false, "the second borrower never got the token");
      assert.equal(event1.isSet(), false);
    });
    assert.equal(limiter.borrowedTokens, 0);
  });

  // As in AnyIO on both its backends (only a native asyncio Task.cancel() gives it back there).
  it("leaves the token with a waiter cancelled after the release that woke it, until it releases it", async () => {
    const limiter = new CapacityLimiter(1);
    const seen: string[] = [];
    limiter.acquireOnBehalfOfNowait("A");
    await withTaskGroup(async (tg) => {
      const task = tg.startSoon(async () => {
        using _ = await limiter.acquire();
        seen.push("acquired");
        await checkpoint();
        seen.push("past its next checkpoint");
      });
      await waitAllTasksBlocked();
      limiter.releaseOnBehalfOf("A");
      assert.equal(limiter.borrowedTokens, 1);
      task.cancel();
      assert.equal(limiter.borrowedTokens, 1);
      await task.wait();
      assert.equal(task.status, "cancelled");
    });
    assert.deepEqual(seen, ["acquired"]);
    assert.deepEqual(limiter.statistics().borrowers, []);
  });

  it("surfaces WouldBlock from acquireNowait() in a task through its group", async () => {
    const limiter = new CapacityLimiter(1);
    limiter.acquireNowait();
    await assert.rejects(
      withTaskGroup((tg) => {
        tg.startSoon(() => limiter.acquireNowait());
      }),
      (e: unknown) =>
        e instanceof ExceptionGroup &&
        e.exceptions.length === 1 &&
        e.exceptions[0] instanceof WouldBlock,
    );
    limiter.release();
  });

  it("borrows on behalf of any value, without waiting", () => {
    const borrower1 = {};
    const borrower2 = {};
    const limiter = new CapacityLimiter(1);
    limiter.acquireOnBehalfOfNowait(borrower1);
    assert.throws(() => limiter.acquireOnBehalfOfNowait(borrower2), WouldBlock);
    assert.throws(() => limiter.acquireOnBehalfOfNowait(borrower1), InvalidStateError);
    assert.deepEqual(limiter.statistics().borrowers, [borrower1]);
    limiter.releaseOnBehalfOf(borrower1);
    assert.throws(() => limiter.acquireOnBehalfOfNowait(null), TypeError);
  });

  it("resolves acquireOnBehalfOf() to a disposable that releases that borrower", async () => {
    const limiter = new CapacityLimiter(2);
    const connection = { id: 1 };
    {
      using _ = await limiter.acquireOnBehalfOf(connection);
      assert.deepEqual(limiter.statistics().borrowers, [connection]);
    }
    assert.equal(limiter.borrowedTokens, 0);
    await assert.rejects(limiter.acquireOnBehalfOf(undefined), TypeError);
  });

  it("does not over-subscribe when a nowait acquire follows a release (AnyIO #1170)", async () => {
    const limiter = new CapacityLimiter(1);
    limiter.acquireOnBehalfOfNowait("A");
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => limiter.acquireOnBehalfOf("B"));
      await waitAllTasksBlocked();
      assert.equal(limiter.statistics().tasksWaiting, 1);
      limiter.releaseOnBehalfOf("A");
      assert.throws(() => limiter.acquireOnBehalfOfNowait("X"), WouldBlock);
    });
    assert.ok(limiter.borrowedTokens <= limiter.totalTokens);
    assert.ok(limiter.availableTokens >= 0);
    assert.deepEqual(limiter.statistics().borrowers, ["B"]);
    limiter.releaseOnBehalfOf("B");
  });

  it("fails a waiter cleanly when its scope is cancelled before a token comes", async () => {
    const limiter = new CapacityLimiter(0);
    const scope = moveOnAfter(1);
    await scope.run(() => limiter.acquire());
    assert.ok(scope.cancelledCaught);
    assert.equal(limiter.statistics().tasksWaiting, 0);
    const cancelled = new CancelScope();
    await cancelled.run(async () => {
      cancelled.cancel();
      limiter.totalTokens = 1;
      await assert.rejects(limiter.acquire(), Cancelled);
    });
    assert.equal(limiter.borrowedTokens, 0);
  });

  it("shows as CapacityLimiter.acquire in the task tree", async () => {
    const limiter = new CapacityLimiter(0);
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => limiter.acquire());
      await waitAllTasksBlocked();
      assert.match(formatTaskTree(), /waiting: CapacityLimiter\.acquire/);
      tg.cancel();
    });
  });

  it("can be made outside any task, with neutral statistics, and used under run()", async () => {
    topLevelLimiter.totalTokens = 2;
    assert.throws(() => {
      topLevelLimiter.totalTokens = "2" as unknown as number;
    }, TypeError);
    assert.equal(topLevelLimiter.totalTokens, 2);
    assert.deepEqual(topLevelLimiter.statistics(), {
      borrowedTokens: 0,
      totalTokens: 2,
      borrowers: [],
      tasksWaiting: 0,
    });
    await run(async () => {
      using _ = await topLevelLimiter.acquire();
      assert.equal(topLevelLimiter.borrowedTokens, 1);
    });
    assert.equal(topLevelLimiter.borrowedTokens, 0);
  });
});
