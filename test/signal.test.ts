import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import {
  Cancelled,
  CancelScope,
  cancellable,
  currentSignal,
  moveOnAfter,
  sleep,
  withTaskGroup,
} from "../src/index.js";
import { describe, it } from "./harness.js";

describe("currentSignal", () => {
  it("aborts with the Cancelled error when the scope is cancelled", async () => {
    const scope = new CancelScope();
    let signal: AbortSignal | undefined;
    await scope.run(async () => {
      signal = currentSignal();
      assert.equal(signal.aborted, false);
      scope.cancel("stop");
      assert.ok(signal.aborted);
      assert.ok(signal.reason instanceof Cancelled);
      assert.match(String(signal.reason.message), /stop/);
    });
  });

  it("is made once per scope and is already aborted inside a cancelled one", async () => {
    const scope = new CancelScope();
    await scope.run(() => {
      assert.equal(currentSignal(), currentSignal());
      scope.cancel();
      const inner = new CancelScope();
      return inner.run(() => {
        assert.ok(currentSignal().aborted);
      });
    });
  });

  it("aborts the signal of a task when an enclosing scope is cancelled", async () => {
    const outer = new CancelScope();
    let aborted = false;
    await outer.run(() =>
      withTaskGroup(async (tg) => {
        tg.startSoon(async () => {
          const signal = currentSignal();
          await delay(60_000, undefined, { signal }).catch(() => {
            aborted = signal.aborted;
          });
        });
        await sleep(1);
        outer.cancel();
      }),
    );
    assert.ok(aborted);
  });

  it("stops a signal-aware API such as timers/promises", async () => {
    const scope = moveOnAfter(2);
    await scope.run(() => delay(60_000, undefined, { signal: currentSignal() }));
    assert.ok(scope.cancelledCaught);
  });

  it("is not aborted by a cancellation that a shield keeps out", async () => {
    const outer = new CancelScope();
    await outer.run(() =>
      new CancelScope({ shield: true }).run(() => {
        const signal = currentSignal();
        outer.cancel();
        assert.equal(signal.aborted, false);
      }),
    );
  });
});

describe("foreign promises", () => {
  it("hold their task group open until they settle when nothing bridges them", async () => {
    let release: () => void = () => {};
    const foreign = new Promise<void>((resolve) => {
      release = resolve;
    });
    const steps: string[] = [];
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await foreign; // ignores cancellation: JavaScript cannot interrupt this await
        steps.push("foreign settled");
      });
      await sleep(1);
      tg.cancel();
      await new CancelScope({ shield: true }).run(() => sleep(5));
      steps.push("group still waiting");
      release();
    });
    assert.deepEqual(steps, ["group still waiting", "foreign settled"]);
  });

  it("end promptly when wrapped in cancellable()", async () => {
    const foreign = new Promise<void>(() => {});
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => cancellable(foreign));
      await sleep(1);
      tg.cancel();
    });
  });
});

describe("cancellable", () => {
  it("returns the value of a promise", async () => {
    assert.equal(await cancellable(Promise.resolve(5)), 5);
  });

  it("stops waiting for a promise when cancelled", async () => {
    let resolveLater: (v: number) => void = () => {};
    const never = new Promise<number>((r) => {
      resolveLater = r;
    });
    const scope = moveOnAfter(2);
    await scope.run(() => cancellable(never));
    assert.ok(scope.cancelledCaught);
    resolveLater(1);
  });

  it("aborts the signal of a function and waits for it to settle", async () => {
    const steps: string[] = [];
    const scope = moveOnAfter(2);
    await scope.run(() =>
      cancellable(async (signal) => {
        try {
          await delay(60_000, undefined, { signal });
        } finally {
          steps.push("settled");
        }
      }),
    );
    assert.deepEqual(steps, ["settled"]);
    assert.ok(scope.cancelledCaught);
  });

  it("does not call the function in a cancelled scope", async () => {
    const scope = new CancelScope();
    let called = false;
    await scope.run(async () => {
      scope.cancel();
      await cancellable(() => {
        called = true;
      });
    });
    assert.equal(called, false);
  });

  it("passes on the rejection of the work", async () => {
    await assert.rejects(cancellable(Promise.reject(new RangeError("x"))), RangeError);
    await assert.rejects(
      cancellable(() => {
        throw new TypeError("sync");
      }),
      TypeError,
    );
  });

  it("rejects what is neither a promise nor a function", async () => {
    await assert.rejects(cancellable(5 as never), /needs a promise or a function, got 5/);
  });
});
