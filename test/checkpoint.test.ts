import assert from "node:assert/strict";
import {
  Cancelled,
  CancelScope,
  cancelShieldedCheckpoint,
  checkpoint,
  checkpointIfCancelled,
  currentTime,
  moveOnAfter,
  sleep,
  sleepForever,
  sleepUntil,
  withTaskGroup,
} from "../src/index.js";
import { describe, it } from "./harness.js";

describe("checkpoint", () => {
  it("lets another ready task run", async () => {
    const order: string[] = [];
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => {
        order.push("other");
      });
      order.push("before");
      await checkpoint();
      order.push("after");
    });
    assert.deepEqual(order, ["before", "other", "after"]);
  });

  it("throws Cancelled in a cancelled scope", async () => {
    const scope = new CancelScope();
    await scope.run(async () => {
      scope.cancel();
      await assert.rejects(checkpoint(), Cancelled);
    });
  });

  it("lets timers fire during a loop of checkpoints", async () => {
    // Loops on checkpoints alone until an interval timer has ticked three times. If checkpoints
    // starved the event loop, the timer would never fire and the loop would hit its limit.
    let fired = 0;
    const timer = setInterval(() => fired++, 1);
    try {
      const start = performance.now();
      while (fired < 3 && performance.now() - start < 2_000) await checkpoint();
    } finally {
      clearInterval(timer);
    }
    assert.ok(fired >= 3, `only ${fired} timer ticks in 2 s of checkpoints`);
  });
});

describe("checkpointIfCancelled", () => {
  it("does not yield when not cancelled", async () => {
    const order: string[] = [];
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => {
        order.push("other");
      });
      await cancelShieldedCheckpoint();
      tg.startSoon(() => {
        order.push("other 2");
      });
      checkpointIfCancelled();
      order.push("mine");
    });
    assert.deepEqual(order, ["other", "mine", "other 2"]);
  });

  it("throws synchronously in a cancelled scope", async () => {
    const scope = new CancelScope();
    await scope.run(() => {
      scope.cancel();
      assert.throws(() => checkpointIfCancelled(), Cancelled);
    });
  });
});

describe("cancelShieldedCheckpoint", () => {
  it("yields and never throws, even when cancelled", async () => {
    const scope = new CancelScope();
    await scope.run(async () => {
      scope.cancel();
      await cancelShieldedCheckpoint();
    });
    assert.equal(scope.cancelledCaught, false);
  });
});

describe("sleep", () => {
  it("sleeps at least the given time", async () => {
    const start = currentTime();
    await sleep(15);
    assert.ok(currentTime() - start >= 15);
  });

  it("is a checkpoint for 0", async () => {
    const scope = new CancelScope();
    await scope.run(async () => {
      scope.cancel();
      await assert.rejects(sleep(0), Cancelled);
    });
  });

  it("clears its timer when cancelled", async () => {
    const scope = moveOnAfter(2);
    await scope.run(() => sleep(60_000));
    assert.ok(scope.cancelledCaught);
    // The harness checks after every test that no timer is left armed.
  });

  it("rejects bad durations with a clear error", async () => {
    await assert.rejects(sleep(-1), /non-negative, got -1/);
    await assert.rejects(sleep(Number.NaN), RangeError);
    await assert.rejects(sleep("5" as unknown as number), TypeError);
  });

  it("handles a delay longer than setTimeout can take", async () => {
    const scope = moveOnAfter(2);
    await scope.run(() => sleep(2 ** 33));
    assert.ok(scope.cancelledCaught);
  });

  it("sleepUntil waits until the clock reaches the deadline, or checkpoints if past", async () => {
    const deadline = currentTime() + 10;
    await sleepUntil(deadline);
    assert.ok(currentTime() >= deadline);
    await sleepUntil(currentTime() - 100);
  });

  it("sleepForever ends only through cancellation", async () => {
    const scope = moveOnAfter(3);
    await scope.run(() => sleepForever());
    assert.ok(scope.cancelledCaught);
  });

  it("does not leave the timer of a sleep that lost a Promise.race", async () => {
    const scope = new CancelScope();
    await scope.run(async () => {
      const lost = sleep(60_000);
      await Promise.race([lost, sleep(1)]);
    });
    // The lost sleep was parked in the scope; leaving the scope aborted it (no timer left).
  });
});

describe("cleanup after cancellation", () => {
  it("needs a shielded scope for cleanup that awaits: without one the await throws", async () => {
    const steps: string[] = [];
    const scope = new CancelScope();
    await scope.run(async () => {
      try {
        scope.cancel();
        await sleepForever();
      } finally {
        try {
          await sleep(1);
          steps.push("unshielded cleanup ran");
        } catch (e) {
          steps.push(e instanceof Cancelled ? "unshielded cleanup cancelled" : "other");
        }
        await new CancelScope({ shield: true }).run(async () => {
          await sleep(1);
          steps.push("shielded cleanup ran");
        });
      }
    });
    assert.deepEqual(steps, ["unshielded cleanup cancelled", "shielded cleanup ran"]);
  });

  it("bounds shielded cleanup with its own deadline", async () => {
    const scope = new CancelScope();
    const cleanup = moveOnAfter(3, { shield: true });
    await scope.run(async () => {
      try {
        scope.cancel();
        await sleepForever();
      } finally {
        await cleanup.run(() => sleepForever());
      }
    });
    assert.ok(cleanup.cancelledCaught);
  });
});
