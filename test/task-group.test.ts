import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import {
  Cancelled,
  CancelScope,
  catchGroup,
  checkpoint,
  ExceptionGroup,
  getCurrentTask,
  InvalidStateError,
  moveOnAfter,
  named,
  sleep,
  sleepForever,
  TASK_STATUS_IGNORED,
  TaskCancelled,
  TaskFailed,
  type TaskGroup,
  TaskNotFinished,
  type TaskStatus,
  withTaskGroup,
} from "../src/index.js";
import { rejectsWithGroup } from "./_support/helpers.js";
import { describe, it } from "./harness.js";

describe("withTaskGroup", () => {
  it("waits for every task, including tasks started by tasks", async () => {
    const done: string[] = [];
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await sleep(2);
        tg.startSoon(async () => {
          await sleep(2);
          done.push("grandchild");
        });
        done.push("child");
      });
    });
    assert.deepEqual(done, ["child", "grandchild"]);
  });

  it("returns the body's value", async () => {
    assert.equal(await withTaskGroup(async () => 5), 5);
  });

  it("does not run a task before the spawner yields", async () => {
    let ran = false;
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => {
        ran = true;
      });
      assert.equal(ran, false);
      await checkpoint();
      assert.equal(ran, true);
    });
  });

  it("starts tasks in the order they were spawned, also while started tasks spawn more", async () => {
    // Thousands spawned at once, and each of the first ones spawns another as it starts: the
    // queue of tasks waiting to start is refilled while it is being emptied.
    const order: number[] = [];
    await withTaskGroup((tg) => {
      let next = 0;
      const task = (n: number): void => {
        order.push(n);
        if (n < 6_000) tg.startSoon(task, next++);
      };
      for (let i = 0; i < 3_000; i++) tg.startSoon(task, next++);
    });
    assert.equal(order.length, 9_000);
    assert.ok(
      order.every((n, i) => n === i),
      "a task started out of spawn order",
    );
  });

  it("fails a task whose thenable throws in `then`, and still starts the tasks after it", async () => {
    const ran: string[] = [];
    const bad = new RangeError("then threw");
    await rejectsWithGroup(
      withTaskGroup((tg) => {
        tg.startSoon(() => ran.push("before"));
        tg.startSoon(() => ({
          // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose
          then() {
            throw bad;
          },
        }));
        tg.startSoon(() => ran.push("after"));
      }),
      (e) => assert.deepEqual(e.exceptions, [bad]),
    );
    assert.deepEqual(ran, ["before", "after"]);
  });

  it("starts a task spawned by a starting task after what that task queued before it", async () => {
    // On Deno the tasks spawned in one stretch start from one microtask; one that such a task
    // spawns must still wait for its own turn, behind the microtask its spawner queued first,
    // as it does where every task has a microtask of its own.
    const order: string[] = [];
    await withTaskGroup((tg) => {
      for (const name of ["a", "b"]) {
        tg.startSoon(() => {
          order.push(name);
          queueMicrotask(() => order.push(`${name} queued`));
          tg.startSoon(() => order.push(`${name}'s child`));
        });
      }
    });
    assert.deepEqual(order, ["a", "b", "a queued", "a's child", "b queued", "b's child"]);
  });

  it("runs a task cancelled right after spawning up to its first checkpoint", async () => {
    const steps: string[] = [];
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        steps.push("started");
        await checkpoint();
        steps.push("not reached");
      });
      tg.cancel();
    });
    assert.deepEqual(steps, ["started"]);
  });

  it("wraps a single failure in an ExceptionGroup and cancels the others", async () => {
    let siblingCancelled = false;
    await rejectsWithGroup(
      withTaskGroup(async (tg) => {
        tg.startSoon(async () => {
          try {
            await sleepForever();
          } catch (e) {
            siblingCancelled = e instanceof Cancelled;
            throw e;
          }
        });
        tg.startSoon(async () => {
          await sleep(1);
          throw new RangeError("bad");
        });
      }),
      (e) => {
        assert.equal(e.exceptions.length, 1);
        assert.ok(e.exceptions[0] instanceof RangeError);
      },
    );
    assert.ok(siblingCancelled);
  });

  it("cancels the body's wait when a task fails", async () => {
    let bodyCancelled = false;
    await rejectsWithGroup(
      withTaskGroup(async (tg) => {
        tg.startSoon(async () => {
          throw new Error("child");
        });
        try {
          await sleepForever();
        } catch (e) {
          bodyCancelled = e instanceof Cancelled;
          throw e;
        }
      }),
      (e) => assert.equal(e.exceptions.length, 1),
    );
    assert.ok(bodyCancelled);
  });

  it("cancels the tasks when the body fails, and collects both failures in order", async () => {
    await rejectsWithGroup(
      withTaskGroup(async (tg) => {
        tg.startSoon(async () => {
          try {
            await sleepForever();
          } finally {
            // biome-ignore lint/correctness/noUnsafeFinally: a cleanup error is the point here
            throw new TypeError("child cleanup");
          }
        });
        await sleep(1);
        throw new RangeError("body");
      }),
      (e) => {
        assert.deepEqual(
          e.exceptions.map((x) => (x as Error).message),
          ["body", "child cleanup"],
        );
      },
    );
  });

  it("records the body's error after errors raised by tasks before it exited", async () => {
    await rejectsWithGroup(
      withTaskGroup(async (tg) => {
        tg.startSoon(async () => {
          throw new Error("first");
        });
        try {
          await sleepForever();
        } catch {
          throw new Error("second");
        }
      }),
      (e) => {
        assert.deepEqual(
          e.exceptions.map((x) => (x as Error).message),
          ["first", "second"],
        );
      },
    );
  });

  it("lets exactly one Cancelled escape when cancelled from outside", async () => {
    const outer = new CancelScope();
    let escaped: unknown;
    await outer.run(async () => {
      try {
        await withTaskGroup(async (tg) => {
          for (let i = 0; i < 3; i++) tg.startSoon(sleepForever);
          await sleep(1);
          outer.cancel();
          await sleepForever();
        });
      } catch (e) {
        escaped = e;
        throw e;
      }
    });
    assert.ok(escaped instanceof Cancelled);
    assert.ok(outer.cancelledCaught);
  });

  it("raises Cancelled when the host returns but its tasks were cancelled from outside", async () => {
    const outer = new CancelScope();
    let escaped: unknown;
    await outer.run(async () => {
      try {
        await withTaskGroup(async (tg) => {
          tg.startSoon(async () => {
            await sleep(1);
            outer.cancel();
            await sleepForever();
          });
        });
      } catch (e) {
        escaped = e;
        throw e;
      }
    });
    assert.ok(escaped instanceof Cancelled);
  });

  it("swallows its own cancellation and returns normally", async () => {
    let scope: CancelScope | undefined;
    const value = await withTaskGroup(async (tg) => {
      scope = tg.cancelScope;
      tg.startSoon(sleepForever);
      await sleep(1);
      tg.cancel();
      await sleepForever();
    });
    assert.equal(value, undefined);
    assert.ok(scope?.cancelledCaught);
  });

  it("raises a task's failure even when an outer scope was cancelled meanwhile", async () => {
    const outer = new CancelScope();
    await rejectsWithGroup(
      outer.run(() =>
        withTaskGroup(async (tg) => {
          tg.startSoon(async () => {
            try {
              await sleepForever();
            } catch {
              throw new Error("failed while cancelled");
            }
          });
          await sleep(1);
          outer.cancel();
        }),
      ),
      (e) => assert.equal((e.exceptions[0] as Error).message, "failed while cancelled"),
    );
  });

  it("nests the ExceptionGroups of nested groups", async () => {
    await rejectsWithGroup(
      withTaskGroup(async (outer) => {
        outer.startSoon(() =>
          withTaskGroup(async (inner) => {
            inner.startSoon(async () => {
              throw new Error("deep");
            });
          }),
        );
      }),
      (e) => {
        const inner = e.exceptions[0];
        assert.ok(inner instanceof ExceptionGroup);
        assert.equal((inner.exceptions[0] as Error).message, "deep");
      },
    );
  });

  it("waits for its tasks when the host is cancelled at exit, cancelling them", async () => {
    const outer = moveOnAfter(5);
    let cleanedUp = false;
    await outer.run(() =>
      withTaskGroup(async (tg) => {
        tg.startSoon(async () => {
          try {
            await sleepForever();
          } finally {
            await new CancelScope({ shield: true }).run(() => sleep(2));
            cleanedUp = true;
          }
        });
      }),
    );
    assert.ok(cleanedUp);
    assert.ok(outer.cancelledCaught);
  });

  it("yields once at exit when empty, without raising in a cancelled scope", async () => {
    const scope = new CancelScope();
    await scope.run(async () => {
      scope.cancel();
      await withTaskGroup(() => undefined);
    });
    assert.equal(scope.cancelledCaught, false);
    let other = false;
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => {
        other = true;
      });
    });
    assert.ok(other);
  });

  it("refuses new tasks once it has exited or its body has failed", async () => {
    let saved: TaskGroup | undefined;
    await withTaskGroup((tg) => {
      saved = tg;
    });
    assert.throws(() => saved?.startSoon(sleep, 1), InvalidStateError);
    await assert.rejects((saved as TaskGroup).start(sleep as never), /not active/);
    await rejectsWithGroup(
      withTaskGroup(async (tg) => {
        tg.startSoon(async () => {
          await sleep(1);
          assert.throws(() => tg.startSoon(sleep, 1), /not active/);
        });
        throw new Error("body failed");
      }),
      (e) => assert.equal(e.exceptions.length, 1),
    );
  });

  it("rejects a task that is not a function", async () => {
    await withTaskGroup((tg) => {
      assert.throws(() => tg.startSoon(42 as never), TypeError);
    });
    await assert.rejects(withTaskGroup(undefined as never), TypeError);
  });

  it("lets a task cancel its own inner scope without cancelling the group", async () => {
    let groupScope: CancelScope | undefined;
    await withTaskGroup(async (tg) => {
      groupScope = tg.cancelScope;
      tg.startSoon(async () => {
        const inner = new CancelScope();
        await inner.run(async () => {
          inner.cancel();
          await sleepForever();
        });
      });
    });
    assert.equal(groupScope?.cancelCalled, false);
  });

  it("gives each task the AsyncLocalStorage values of the code that spawned it", async () => {
    const requestId = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    await withTaskGroup((tg) => {
      requestId.run("A", () => tg.startSoon(() => seen.push(requestId.getStore())));
      requestId.run("B", () => tg.startSoon(() => seen.push(requestId.getStore())));
      tg.startSoon(() => seen.push(requestId.getStore()));
    });
    assert.deepEqual(seen, ["A", "B", undefined]);
  });

  it("cancels with a reason seen in the message", async () => {
    let message = "";
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        try {
          await sleepForever();
        } catch (e) {
          message = (e as Error).message;
          throw e;
        }
      });
      await sleep(1);
      tg.cancel("test reason");
    });
    assert.match(message, /test reason/);
  });
});

describe("TaskGroup.start", () => {
  async function ready<T>(value: T, status: TaskStatus<T> = TASK_STATUS_IGNORED) {
    await sleep(1);
    status.started(value);
    await sleep(1);
  }

  it("returns the value given to started(), or undefined", async () => {
    await withTaskGroup(async (tg) => {
      assert.equal(await tg.start(ready, "hello"), "hello");
      assert.equal(await tg.start(async (status: TaskStatus) => status.started()), undefined);
    });
  });

  it("lets one function serve both start() and startSoon()", async () => {
    await withTaskGroup(async (tg) => {
      tg.startSoon(ready, 1);
      assert.equal(await tg.start(ready, 2), 2);
    });
  });

  it("throws an error raised before started() out of start(), not the group", async () => {
    await withTaskGroup(async (tg) => {
      await assert.rejects(
        tg.start(async (_status: TaskStatus) => {
          throw new RangeError("early");
        }),
        RangeError,
      );
      assert.equal(tg.cancelScope.cancelCalled, false);
    });
  });

  it("sends an error raised after started() to the group, and still returns the value", async () => {
    let value: unknown;
    await rejectsWithGroup(
      withTaskGroup(async (tg) => {
        value = await tg.start(async (status: TaskStatus<string>) => {
          status.started("up");
          await sleep(1);
          throw new Error("late");
        });
      }),
      (e) => assert.equal((e.exceptions[0] as Error).message, "late"),
    );
    assert.equal(value, "up");
  });

  it("fails when the task returns without calling started()", async () => {
    await withTaskGroup(async (tg) => {
      await assert.rejects(
        tg.start(async (_status: TaskStatus) => {}),
        /hild exited without calling taskStatus.started\(\)/,
      );
    });
  });

  it("refuses a second started()", async () => {
    await withTaskGroup(async (tg) => {
      await tg.start(async (status: TaskStatus) => {
        status.started();
        assert.throws(() => status.started(), /called 'started' twice/);
      });
    });
  });

  it("cancels the starting task with its caller, without cancelling the group", async () => {
    await withTaskGroup(async (tg) => {
      const scope = new CancelScope();
      let childCancelled = false;
      await scope.run(async () => {
        const starting = tg.start(async (_status: TaskStatus) => {
          try {
            await sleepForever();
          } catch (e) {
            childCancelled = e instanceof Cancelled;
            throw e;
          }
        });
        await sleep(1);
        scope.cancel();
        await starting;
      });
      assert.ok(childCancelled);
      assert.ok(scope.cancelledCaught);
      assert.equal(tg.cancelScope.cancelCalled, false);
    });
  });

  it("in a cancelled group raises Cancelled in the caller after the task's first checkpoint", async () => {
    const steps: string[] = [];
    await withTaskGroup(async (tg) => {
      tg.cancel();
      await assert.rejects(
        tg.start(async (status: TaskStatus) => {
          steps.push("ran");
          await checkpoint();
          status.started();
        }),
        Cancelled,
      );
    });
    assert.deepEqual(steps, ["ran"]);
  });

  it("protects a starting task that shields itself from its caller's cancellation", async () => {
    await withTaskGroup(async (tg) => {
      const scope = new CancelScope();
      let finished = false;
      await scope.run(async () => {
        const started = tg.start(async (status: TaskStatus) => {
          await new CancelScope({ shield: true }).run(async () => {
            await sleep(3);
            finished = true;
          });
          status.started();
        });
        await sleep(1);
        scope.cancel();
        await started;
      });
      assert.ok(finished);
    });
  });

  it("reports the starter as parent before started() and the group host after", async () => {
    const host = getCurrentTask().id;
    await withTaskGroup(async (tg) => {
      let before: number | null = null;
      let after: number | null = null;
      await withTaskGroup(async (starterGroup) => {
        starterGroup.startSoon(
          named("starter", async () => {
            const starterId = getCurrentTask().id;
            await tg.start(async (status: TaskStatus) => {
              before = getCurrentTask().parentId;
              status.started();
              after = getCurrentTask().parentId;
            });
            assert.equal(before, starterId);
          }),
        );
      });
      assert.equal(after, host);
    });
  });
});

describe("TaskHandle", () => {
  it("reports pending, then finished with the value", async () => {
    await withTaskGroup(async (tg) => {
      const handle = tg.startSoon(async () => {
        await sleep(1);
        return 3;
      });
      assert.equal(handle.status, "pending");
      assert.throws(() => handle.returnValue, TaskNotFinished);
      assert.equal(await handle.result(), 3);
      assert.equal(handle.status, "finished");
      assert.equal(handle.exception, undefined);
    });
  });

  it("cancels its task alone, and the group hears nothing of it", async () => {
    await withTaskGroup(async (tg) => {
      const victim = tg.startSoon(sleepForever);
      const bystander = tg.startSoon(sleep, 3);
      await sleep(1);
      victim.cancel();
      assert.equal(victim.status, "cancelling");
      await victim.wait();
      assert.equal(victim.status, "cancelled");
      await assert.rejects(victim.result(), (e: unknown) => {
        assert.ok(e instanceof TaskCancelled);
        assert.ok(e.cause instanceof Cancelled);
        return true;
      });
      assert.throws(() => victim.exception, TaskCancelled);
      await bystander.result();
      assert.equal(tg.cancelScope.cancelCalled, false);
    });
  });

  it("reports a failure as TaskFailed with the error as cause, which also reaches the group", async () => {
    const boom = new Error("boom");
    await rejectsWithGroup(
      withTaskGroup(async (tg) => {
        const handle = tg.startSoon(async () => {
          throw boom;
        });
        await handle.wait();
        assert.equal(handle.status, "failed");
        assert.equal(handle.exception, boom);
        assert.throws(
          () => handle.returnValue,
          (e: unknown) => e instanceof TaskFailed && e.cause === boom,
        );
      }),
      (e) => assert.deepEqual(e.exceptions, [boom]),
    );
  });

  it("does nothing when cancelled after it ended", async () => {
    await withTaskGroup(async (tg) => {
      const handle = tg.startSoon(() => 1);
      await handle.wait();
      handle.cancel();
      assert.equal(handle.status, "finished");
    });
  });

  it("names tasks after their function, or as named()", async () => {
    await withTaskGroup(async (tg) => {
      async function worker() {
        return getCurrentTask().name;
      }
      assert.equal(await tg.startSoon(worker).result(), "worker");
      assert.equal(await tg.startSoon(named("custom", worker)).result(), "custom");
      assert.equal(tg.startSoon(named("", worker)).name, "anonymous");
    });
  });

  it("lets a cancelled waiter stop waiting without affecting the task", async () => {
    await withTaskGroup(async (tg) => {
      const handle = tg.startSoon(sleepForever);
      const scope = moveOnAfter(1);
      await scope.run(() => handle.wait());
      assert.ok(scope.cancelledCaught);
      assert.equal(handle.status, "pending");
      handle.cancel();
      await handle.wait();
      assert.equal(handle.status, "cancelled");
    });
  });

  it("gives each task the parent id of the host that owns the group", async () => {
    const host = getCurrentTask().id;
    await withTaskGroup(async (tg) => {
      const parent = await tg.startSoon(() => getCurrentTask().parentId).result();
      assert.equal(parent, host);
    });
  });
});

describe("catchGroup", () => {
  it("handles one type of error from a group and rethrows the rest", async () => {
    let handled = 0;
    await assert.rejects(
      (async () => {
        try {
          await withTaskGroup(async (tg) => {
            tg.startSoon(async () => {
              throw new RangeError("a");
            });
            tg.startSoon(async () => {
              throw new TypeError("b");
            });
          });
        } catch (e) {
          catchGroup(e, RangeError, (group) => {
            handled = group.exceptions.length;
          });
        }
      })(),
      (e: unknown) => e instanceof ExceptionGroup && e.exceptions[0] instanceof TypeError,
    );
    assert.equal(handled, 1);
  });
});
