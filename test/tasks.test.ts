import assert from "node:assert/strict";
import {
  CancelScope,
  formatTaskTree,
  getCurrentTask,
  getRunningTasks,
  moveOnAfter,
  named,
  sleep,
  sleepForever,
  waitAllTasksBlocked,
  withTaskGroup,
} from "../src/index.js";
import { describe, it } from "./harness.js";

describe("getCurrentTask", () => {
  it("is the root outside any group, and each task inside one", async () => {
    assert.equal(getCurrentTask().name, "<root>");
    assert.equal(getCurrentTask().parentId, null);
    await withTaskGroup(async (tg) => {
      const a = await tg.startSoon(named("a", () => getCurrentTask())).result();
      const b = await tg.startSoon(named("b", () => getCurrentTask())).result();
      assert.equal(a.name, "a");
      assert.notEqual(a.id, b.id);
      assert.equal(String(a), `TaskInfo(id=${a.id}, name="a")`);
    });
  });

  it("reports a pending cancellation", async () => {
    const scope = new CancelScope();
    await scope.run(() => {
      assert.equal(getCurrentTask().hasPendingCancellation(), false);
      scope.cancel();
      assert.equal(getCurrentTask().hasPendingCancellation(), true);
    });
  });
});

describe("getRunningTasks", () => {
  it("lists the children of a group with their names and parent", async () => {
    const host = getCurrentTask().id;
    await withTaskGroup(async (tg) => {
      tg.startSoon(named("sleeper-1", sleep), 20);
      tg.startSoon(named("sleeper-2", sleep), 20);
      await sleep(1);
      const mine = getRunningTasks().filter((t) => t.name.startsWith("sleeper"));
      assert.deepEqual(mine.map((t) => t.name).sort(), ["sleeper-1", "sleeper-2"]);
      assert.ok(mine.every((t) => t.parentId === host));
      tg.cancel();
    });
    assert.equal(getRunningTasks().filter((t) => t.name.startsWith("sleeper")).length, 0);
  });
});

describe("waitAllTasksBlocked", () => {
  it("returns once every other task is parked", async () => {
    const reached: string[] = [];
    await withTaskGroup(async (tg) => {
      for (const name of ["x", "y", "z"]) {
        tg.startSoon(async () => {
          for (let i = 0; i < 20; i++) await sleep(0);
          reached.push(name);
          await sleepForever();
        });
      }
      await waitAllTasksBlocked();
      assert.deepEqual(reached.sort(), ["x", "y", "z"]);
      tg.cancel();
    });
  });

  it("waits for a task that cancels itself with an expired deadline", async () => {
    let done = false;
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await moveOnAfter(-1).run(() => sleepForever());
        done = true;
      });
      await waitAllTasksBlocked();
      assert.ok(done);
    });
  });
});

describe("formatTaskTree", () => {
  it("shows each task, its scopes and what it waits on", async () => {
    await withTaskGroup(async (tg) => {
      tg.startSoon(named("napper", sleep), 5_000);
      const bounded = moveOnAfter(5_000, { shield: true });
      tg.startSoon(named("bounded", () => bounded.run(() => sleepForever())));
      await waitAllTasksBlocked();
      const tree = formatTaskTree();
      assert.match(tree, /task group/);
      assert.match(tree, /task "napper" #\d+\n\s+waiting: sleep 5000 ms/);
      assert.match(
        tree,
        /task "bounded" #\d+\n\s+shielded cancel scope with deadline\n\s+waiting: sleepForever/,
      );
      bounded.cancel();
      tg.cancel();
    });
  });
});
