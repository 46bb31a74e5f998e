import assert from "node:assert/strict";
import {
  Cancelled,
  CancelScope,
  checkpoint,
  currentEffectiveDeadline,
  currentTime,
  ExceptionGroup,
  failAfter,
  failAt,
  InvalidStateError,
  moveOnAfter,
  moveOnAt,
  sleep,
  sleepForever,
  TimeoutError,
  withTaskGroup,
} from "../src/index.js";
import { describe, it } from "./harness.js";

describe("CancelScope", () => {
  it("throws Cancelled at every checkpoint while cancelled (level-triggered)", async () => {
    const scope = new CancelScope();
    let caught = 0;
    await scope.run(async () => {
      scope.cancel();
      for (let i = 0; i < 3; i++) {
        try {
          await checkpoint();
        } catch (e) {
          assert.ok(e instanceof Cancelled);
          caught++;
        }
      }
      await checkpoint(); // this one propagates to the scope
    });
    assert.equal(caught, 3);
    assert.ok(scope.cancelledCaught);
  });

  it("honours cancel() called before run(): the first checkpoint inside throws", async () => {
    const scope = new CancelScope();
    scope.cancel();
    let reached = false;
    await scope.run(async () => {
      await checkpoint();
      reached = true;
    });
    assert.equal(reached, false);
    assert.ok(scope.cancelCalled && scope.cancelledCaught);
  });

  it("keeps the first reason and names the cancelling task in the message", async () => {
    const scope = new CancelScope();
    let message = "";
    await scope.run(async () => {
      scope.cancel("first reason");
      scope.cancel("second reason");
      try {
        await checkpoint();
      } catch (e) {
        message = (e as Error).message;
        throw e;
      }
    });
    assert.match(message, /first reason/);
    assert.doesNotMatch(message, /second reason/);
    assert.match(message, /<root>/);
  });

  it("reports cancelCalled without cancelledCaught when the body never checkpoints", async () => {
    const scope = new CancelScope();
    const value = await scope.run(() => {
      scope.cancel();
      return 42;
    });
    assert.equal(value, 42);
    assert.ok(scope.cancelCalled);
    assert.equal(scope.cancelledCaught, false);
  });

  it("lets the outermost cancelled scope catch when nested scopes are both cancelled", async () => {
    const outer = new CancelScope();
    const inner = new CancelScope();
    await outer.run(() =>
      inner.run(async () => {
        inner.cancel();
        outer.cancel();
        await checkpoint();
      }),
    );
    assert.equal(inner.cancelledCaught, false);
    assert.ok(outer.cancelledCaught);
  });

  it("lets a shielded inner scope swallow its own cancellation, and code after it run", async () => {
    const outer = new CancelScope();
    const inner = new CancelScope({ shield: true });
    let ranBetween = false;
    await outer.run(async () => {
      await inner.run(async () => {
        inner.cancel();
        outer.cancel();
        await checkpoint();
      });
      ranBetween = true;
    });
    assert.ok(inner.cancelledCaught);
    assert.ok(ranBetween);
    assert.equal(outer.cancelledCaught, false);
  });

  it("removes its cancellations from an ExceptionGroup and rethrows the rest", async () => {
    const scope = new CancelScope();
    const boom = new TypeError("boom");
    await assert.rejects(
      scope.run(async () => {
        scope.cancel();
        let cancelled: unknown;
        try {
          await checkpoint();
        } catch (e) {
          cancelled = e;
        }
        throw new ExceptionGroup("mixed", [cancelled, boom], { cause: "why" });
      }),
      (e: unknown) => {
        assert.ok(e instanceof ExceptionGroup);
        assert.deepEqual(e.exceptions, [boom]);
        assert.equal(e.cause, "why");
        return true;
      },
    );
  });

  it("swallows an ExceptionGroup made only of its cancellations, nested too", async () => {
    const scope = new CancelScope();
    await scope.run(async () => {
      scope.cancel();
      const errors: unknown[] = [];
      for (let i = 0; i < 2; i++) {
        try {
          await checkpoint();
        } catch (e) {
          errors.push(e);
        }
      }
      throw new ExceptionGroup("outer", [errors[0], new ExceptionGroup("inner", [errors[1]])]);
    });
    assert.ok(scope.cancelledCaught);
  });

  it("refuses to run twice", async () => {
    const scope = new CancelScope();
    await scope.run(() => undefined);
    await assert.rejects(
      scope.run(() => undefined),
      InvalidStateError,
    );
  });

  it("redelivers an outer cancellation when its shield is turned off", async () => {
    const outer = new CancelScope();
    const inner = new CancelScope({ shield: true });
    const steps: string[] = [];
    await outer.run(() =>
      inner.run(async () => {
        outer.cancel();
        await checkpoint();
        steps.push("shielded checkpoint passed");
        inner.shield = false;
        await checkpoint();
        steps.push("not reached");
      }),
    );
    assert.deepEqual(steps, ["shielded checkpoint passed"]);
    assert.ok(outer.cancelledCaught);
  });

  it("wakes a parked sleep when its shield is turned off under a cancelled parent", async () => {
    const outer = new CancelScope();
    const inner = new CancelScope({ shield: true });
    await outer.run(() =>
      withTaskGroup(async (tg) => {
        tg.startSoon(() => inner.run(() => sleepForever()));
        await sleep(1);
        outer.cancel();
        inner.shield = false; // without redelivery the child would sleep forever
      }),
    );
    assert.ok(outer.cancelledCaught);
  });

  it("reschedules when the deadline of a running scope changes", async () => {
    const scope = new CancelScope();
    const start = currentTime();
    await scope.run(async () => {
      scope.deadline = currentTime() + 5;
      await sleep(5_000);
    });
    assert.ok(scope.cancelledCaught);
    assert.ok(currentTime() - start < 2_000);
  });

  it("cancels at the first checkpoint when the deadline is already past", async () => {
    for (const delay of [0, -1]) {
      const scope = moveOnAfter(delay);
      let reached = false;
      await scope.run(async () => {
        await checkpoint();
        reached = true;
      });
      assert.equal(reached, false);
      assert.ok(scope.cancelledCaught);
    }
  });

  it("lets a scope cancel code running in another task", async () => {
    const scope = new CancelScope();
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => scope.run(() => sleepForever()));
      await sleep(1);
      scope.cancel();
    });
    assert.ok(scope.cancelledCaught);
  });

  it("cascades into task groups nested inside it, even while their host is shielded", async () => {
    const scope = new CancelScope();
    let childCancelled = false;
    await scope.run(() =>
      withTaskGroup(async (tg) => {
        tg.startSoon(async () => {
          try {
            await sleepForever();
          } catch (e) {
            childCancelled = e instanceof Cancelled;
            throw e;
          }
        });
        await new CancelScope({ shield: true }).run(async () => {
          await sleep(1);
          scope.cancel();
          await sleep(1);
        });
      }),
    );
    assert.ok(childCancelled);
    assert.ok(scope.cancelledCaught);
  });

  it("leaves no cancellation behind once it has exited", async () => {
    const scope = moveOnAfter(0);
    await scope.run(() => checkpoint());
    await sleep(1);
    await failAfter(1_000).run(() => sleep(1));
  });

  it("rejects a deadline that is not a number", () => {
    assert.throws(() => new CancelScope({ deadline: "5" as unknown as number }), TypeError);
    assert.throws(() => new CancelScope({ deadline: Number.NaN }), RangeError);
    assert.throws(() => moveOnAfter("1" as unknown as number), /delay must be a number/);
  });

  it("lets a cancelled scope reach nothing once it has ended", async () => {
    const scope = new CancelScope();
    await scope.run(() => undefined);
    scope.cancel();
    assert.equal(scope.cancelCalled, false);
  });
});

describe("moveOnAfter / moveOnAt", () => {
  it("exits silently when the deadline passes", async () => {
    const scope = moveOnAfter(5);
    const value = await scope.run(async () => {
      await sleep(5_000);
      return "finished";
    });
    assert.equal(value, undefined);
    assert.ok(scope.cancelCalled && scope.cancelledCaught);
  });

  it("returns the body's value when it finishes in time", async () => {
    const scope = moveOnAfter(1_000);
    assert.equal(await scope.run(() => 7), 7);
    assert.equal(scope.cancelCalled, false);
  });

  it("treats null as no deadline", async () => {
    assert.equal(moveOnAfter(null).deadline, Number.POSITIVE_INFINITY);
    assert.equal(moveOnAt(undefined).deadline, Number.POSITIVE_INFINITY);
  });

  it("uses an absolute deadline for moveOnAt", async () => {
    const deadline = currentTime() + 5;
    const scope = moveOnAt(deadline);
    await scope.run(() => sleep(5_000));
    assert.ok(scope.cancelledCaught);
    assert.ok(currentTime() >= deadline);
  });

  it("lets the earlier outer deadline win over a later inner one", async () => {
    const outer = moveOnAfter(5);
    const inner = moveOnAfter(5_000);
    await outer.run(() =>
      inner.run(async () => {
        assert.equal(currentEffectiveDeadline(), outer.deadline);
        await sleep(10_000);
      }),
    );
    assert.ok(outer.cancelledCaught);
    assert.equal(inner.cancelCalled, false);
  });
});

describe("failAfter / failAt", () => {
  it("throws TimeoutError with the given reason when the deadline passes", async () => {
    await assert.rejects(
      failAfter(5, { reason: "too slow" }).run(() => sleep(5_000)),
      (e) => {
        assert.ok(e instanceof TimeoutError);
        assert.equal(e.message, "too slow");
        return true;
      },
    );
    await assert.rejects(
      failAt(currentTime() + 1).run(() => sleep(5_000)),
      TimeoutError,
    );
  });

  it("exits silently on a manual cancel before the deadline", async () => {
    const scope = failAfter(5_000);
    await scope.run(async () => {
      scope.cancel();
      await checkpoint();
    });
    assert.ok(scope.cancelledCaught);
  });

  it("does not throw TimeoutError when an outer scope cancelled it", async () => {
    const outer = new CancelScope();
    await outer.run(() =>
      failAfter(5_000).run(async () => {
        outer.cancel();
        await checkpoint();
      }),
    );
    assert.ok(outer.cancelledCaught);
  });

  it("still fires when nested in a shield inside a cancelled scope", async () => {
    const outer = new CancelScope();
    await assert.rejects(
      outer.run(() =>
        new CancelScope({ shield: true }).run(async () => {
          outer.cancel();
          await failAfter(5).run(() => sleep(5_000));
        }),
      ),
      TimeoutError,
    );
  });

  it("returns the body's value with no deadline", async () => {
    assert.equal(await failAfter(null).run(async () => "ok"), "ok");
  });
});

describe("currentEffectiveDeadline", () => {
  it("is Infinity with no deadline, -Infinity in a cancelled scope", async () => {
    assert.equal(currentEffectiveDeadline(), Number.POSITIVE_INFINITY);
    const scope = new CancelScope();
    await scope.run(async () => {
      scope.cancel();
      assert.equal(currentEffectiveDeadline(), Number.NEGATIVE_INFINITY);
    });
  });

  it("ignores the scopes outside a shield", async () => {
    const outer = moveOnAfter(1_000);
    await outer.run(async () => {
      outer.cancel();
      await new CancelScope({ shield: true }).run(() => {
        assert.equal(currentEffectiveDeadline(), Number.POSITIVE_INFINITY);
      });
      const shielded = new CancelScope({ shield: true, deadline: currentTime() + 500 });
      await shielded.run(() => {
        assert.equal(currentEffectiveDeadline(), shielded.deadline);
      });
    });
  });
});
