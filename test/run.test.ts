import assert from "node:assert/strict";
import {
  type Clock,
  currentTime,
  getCurrentTask,
  realClock,
  run,
  sleep,
  type TimerTarget,
  withTaskGroup,
} from "../src/index.js";
import { collect, spawnFixture } from "./fixtures/spawn-runtime.js";
import { describe, it } from "./harness.js";

describe("run", () => {
  it("returns main's value and names the root task after main", async () => {
    const value = await run(async function mainTask() {
      assert.equal(getCurrentTask().name, "mainTask");
      await sleep(1);
      return 9;
    });
    assert.equal(value, 9);
  });

  it("passes main's error through", async () => {
    await assert.rejects(
      run(() => {
        throw new RangeError("main failed");
      }),
      RangeError,
    );
  });

  it("rejects a main that is not a function", async () => {
    await assert.rejects(run(7 as never), TypeError);
  });

  it("drives every sleep and deadline under it with the given clock", async () => {
    let offset = 1_000_000;
    const armed: number[] = [];
    const clock: Clock = {
      now: () => realClock.now() + offset,
      setTimer(target: TimerTarget, delay: number) {
        armed.push(delay);
        realClock.setTimer(target, 0);
      },
      clearTimer: (target) => realClock.clearTimer(target),
    };
    await run(
      async () => {
        assert.ok(currentTime() >= 1_000_000);
        await withTaskGroup((tg) => {
          tg.startSoon(sleep, 50_000);
        });
        offset = 0;
      },
      { clock },
    );
    assert.deepEqual(armed, [50_000]);
  });

  it(
    "turns SIGINT into an orderly cancel of everything, then exits with 130",
    async () => {
      const child = spawnFixture("graceful-main");
      const done = collect(child);
      await new Promise<void>((resolve) => {
        let seen = "";
        child.stdout?.on("data", (d) => {
          seen += String(d);
          if (seen.includes("ready")) resolve();
        });
      });
      // process.kill, not child.kill: Deno's node:child_process reports a child that we killed
      // with child.kill() as ended by the signal (code null), whatever code it exited with.
      process.kill(child.pid as number, "SIGINT");
      const { code, out } = await done;
      assert.equal(code, 130, out);
      assert.match(out, /cleanup a/);
      assert.match(out, /cleanup b/);
    },
    { timeout: 20_000 },
  );

  it(
    "exits with 143 on SIGTERM",
    async () => {
      const child = spawnFixture("graceful-main");
      const done = collect(child);
      await new Promise<void>((resolve) => {
        child.stdout?.on("data", (d) => {
          if (String(d).includes("ready")) resolve();
        });
      });
      process.kill(child.pid as number, "SIGTERM");
      const { code, out } = await done;
      assert.equal(code, 143, out);
      assert.match(out, /cleanup a/);
    },
    { timeout: 20_000 },
  );
});
