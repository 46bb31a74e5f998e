import assert from "node:assert/strict";
import {
  Cancelled,
  CancelScope,
  Event,
  formatTaskTree,
  moveOnAfter,
  run,
  waitAllTasksBlocked,
  withTaskGroup,
} from "../src/index.js";
import { describe, it } from "./harness.js";

// Made while the module loads, outside any task.
const topLevelEvent = new Event();

describe("Event", () => {
  it("wakes a waiter when another task sets it", async () => {
    const event = new Event();
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => {
        assert.equal(event.isSet(), false);
        event.set();
      });
      await event.wait();
    });
    assert.equal(event.isSet(), true);
  });

  it("wakes every waiter, in the order they started waiting", async () => {
    const event = new Event();
    const woke: number[] = [];
    await withTaskGroup(async (tg) => {
      for (const n of [1, 2, 3]) {
        tg.startSoon(async () => {
          await event.wait();
          woke.push(n);
        });
      }
      await waitAllTasksBlocked();
      event.set();
    });
    assert.deepEqual(woke, [1, 2, 3]);
  });

  it("does not wake a waiter whose scope was cancelled before the event was set", async () => {
    const event = new Event();
    let started = false;
    let woke = false;
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        started = true;
        await event.wait();
        woke = true;
      });
      await waitAllTasksBlocked();
      tg.cancel();
      event.set();
    });
    assert.ok(started);
    assert.equal(woke, false);
  });

  it("lets a waiter return normally when set before its scope is cancelled", async () => {
    const event = new Event();
    let setterStarted = false;
    let woke = false;
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => {
        setterStarted = true;
        assert.equal(event.isSet(), false);
        event.set();
        tg.cancel();
      });
      await event.wait();
      woke = true;
    });
    assert.ok(setterStarted);
    assert.ok(woke);
  });

  it("counts blocked waiters, and none once it is set", async () => {
    const event = new Event();
    await withTaskGroup(async (tg) => {
      assert.equal(event.statistics().tasksWaiting, 0);
      for (let i = 1; i <= 2; i++) {
        tg.startSoon(() => event.wait());
        await waitAllTasksBlocked();
        assert.equal(event.statistics().tasksWaiting, i);
      }
      event.set();
      assert.equal(event.statistics().tasksWaiting, 0);
    });
    assert.equal(event.statistics().tasksWaiting, 0);
  });

  it("forgets a cancelled waiter in its statistics", async () => {
    const event = new Event();
    const scope = moveOnAfter(1);
    await scope.run(() => event.wait());
    assert.ok(scope.cancelledCaught);
    assert.equal(event.statistics().tasksWaiting, 0);
  });

  it("still checks for cancellation in wait() when already set", async () => {
    const event = new Event();
    event.set();
    const scope = new CancelScope();
    await scope.run(async () => {
      scope.cancel();
      await assert.rejects(event.wait(), Cancelled);
    });
  });

  it("is a checkpoint when already set: wait() lets another ready task run", async () => {
    const event = new Event();
    event.set();
    const order: string[] = [];
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => {
        order.push("other");
      });
      order.push("before");
      await event.wait();
      order.push("after");
    });
    assert.deepEqual(order, ["before", "other", "after"]);
  });

  it("sets without a checkpoint, even in a cancelled scope, and only once", async () => {
    const event = new Event();
    const scope = new CancelScope();
    await scope.run(() => {
      scope.cancel();
      event.set();
      event.set();
    });
    assert.ok(event.isSet());
  });

  it("cannot be cleared", () => {
    assert.equal("clear" in new Event(), false);
  });

  it("shows as Event.wait in the task tree", async () => {
    const event = new Event();
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => event.wait());
      await waitAllTasksBlocked();
      assert.match(formatTaskTree(), /waiting: Event\.wait/);
      event.set();
    });
  });

  it("can be made and set outside any task, then waited on under run()", async () => {
    assert.equal(topLevelEvent.isSet(), false);
    assert.deepEqual(topLevelEvent.statistics(), { tasksWaiting: 0 });
    topLevelEvent.set();
    await run(() => topLevelEvent.wait());
  });
});
