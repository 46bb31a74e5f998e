import assert from "node:assert/strict";
import {
  Cancelled,
  CancelScope,
  checkpoint,
  Future,
  FutureAlreadyFinished,
  FutureCancelled,
  FutureFailed,
  FutureNotFinished,
  formatTaskTree,
  getRunningTasks,
  isAnyioError,
  moveOnAfter,
  TaskCancelled,
  waitAllTasksBlocked,
  withTaskGroup,
} from "../src/index.js";
import type { Equal } from "./_support/helpers.js";
import { describe, it } from "./harness.js";

function isError(type: new (...args: never[]) => Error, message: string) {
  return (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${e}`);
    assert.equal(e.message, message);
    return true;
  };
}

describe("Future", () => {
  it("holds one result, readable by awaiting result() or from returnValue", async () => {
    const future = new Future<number>();
    assert.equal(future.status, "pending");
    future.setResult(1);
    assert.equal(future.status, "finished");
    const value = await future.result();
    const typed: Equal<typeof value, number> = true;
    assert.ok(typed);
    assert.equal(value, 1);
    assert.equal(future.returnValue, 1);
    assert.equal(future.exception, undefined);
  });

  it("refuses a second result or error", () => {
    const future = new Future<number>();
    future.setResult(1);
    assert.throws(
      () => future.setResult(0),
      isError(FutureAlreadyFinished, "the future has already finished"),
    );
    assert.throws(
      () => future.setException(new Error("late")),
      isError(FutureAlreadyFinished, "the future has already finished"),
    );
    assert.equal(future.returnValue, 1);
    const failed = new Future<number>();
    failed.setException(new Error("first"));
    assert.throws(
      () => failed.setResult(2),
      isError(FutureAlreadyFinished, "the future has already failed"),
    );
  });

  it("wakes a task waiting for a result set by another task", async () => {
    const future = new Future<number>();
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await checkpoint();
        future.setResult(2);
      });
      assert.equal(await future.result(), 2);
    });
  });

  it("wait() returns once it ends, however it ends", async () => {
    for (const end of ["finished", "failed", "cancelled"] as const) {
      const future = new Future<number>();
      await withTaskGroup(async (tg) => {
        tg.startSoon(async () => {
          await checkpoint();
          if (end === "finished") future.setResult(2);
          else if (end === "failed") future.setException(new Error("x"));
          else future.cancel();
        });
        await future.wait();
        assert.equal(future.status, end);
      });
    }
  });

  it("makes result() throw FutureFailed, caused by the error it was given", async () => {
    const future = new Future<number>();
    const error = new RangeError("testing");
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await checkpoint();
        future.setException(error);
      });
      await assert.rejects(future.result(), (e: unknown) => {
        assert.ok(e instanceof FutureFailed && !(e instanceof FutureCancelled));
        assert.equal(e.message, "the future raised an exception");
        assert.equal(e.cause, error);
        return true;
      });
    });
    assert.equal(future.status, "failed");
    assert.equal(future.exception, error);
    assert.throws(() => future.returnValue, FutureFailed);
  });

  it("accepts any value as the error, undefined included", async () => {
    const future = new Future();
    future.setException(undefined);
    assert.equal(future.status, "failed");
    await assert.rejects(future.result(), FutureFailed);
  });

  it("can be cancelled while pending: then it refuses results and result() throws", async () => {
    const future = new Future<number>();
    future.cancel();
    assert.equal(future.status, "cancelled");
    assert.throws(() => future.setResult(1), isError(FutureCancelled, "the future was cancelled"));
    assert.throws(() => future.setException(new Error()), FutureCancelled);
    await assert.rejects(future.result(), isError(FutureCancelled, "the future was cancelled"));
    assert.throws(() => future.exception, FutureCancelled);
    assert.throws(() => future.returnValue, FutureCancelled);
    future.cancel(); // again: nothing happens
    assert.equal(future.status, "cancelled");
  });

  it("ignores cancel() once it has a result or an error", async () => {
    const done = new Future<string>();
    done.setResult("item");
    done.cancel();
    assert.equal(done.status, "finished");
    assert.equal(await done.result(), "item");
    const failed = new Future<string>();
    failed.setException(new Error("failed"));
    failed.cancel();
    await assert.rejects(failed.result(), isError(FutureFailed, "the future raised an exception"));
  });

  it("throws FutureNotFinished when read while pending", () => {
    const future = new Future<number>();
    assert.throws(
      () => future.returnValue,
      isError(FutureNotFinished, "the future has not finished yet"),
    );
    assert.throws(
      () => future.exception,
      isError(FutureNotFinished, "the future has not finished yet"),
    );
  });

  it("has stable error codes", () => {
    const future = new Future();
    future.cancel();
    assert.throws(
      () => future.returnValue,
      (e) => isAnyioError(e, "ANYIO_FUTURE_CANCELLED"),
    );
    assert.throws(
      () => new Future().returnValue,
      (e) => isAnyioError(e, "ANYIO_FUTURE_NOT_FINISHED"),
    );
    const finished = new Future();
    finished.setResult(1);
    assert.throws(
      () => finished.setResult(2),
      (e) => isAnyioError(e, "ANYIO_FUTURE_ALREADY_FINISHED"),
    );
    const failed = new Future();
    failed.setException(1);
    assert.throws(
      () => failed.returnValue,
      (e) => isAnyioError(e, "ANYIO_FUTURE_FAILED"),
    );
  });

  it("describes itself", () => {
    assert.equal(String(new Future({ name: "name" })), '<Future pending name="name">');
    const done = new Future();
    done.setResult(1);
    assert.equal(String(done), "<Future finished>");
    assert.equal(new Future({ name: "x" }).name, "x");
    assert.throws(() => new Future({ name: 5 as unknown as string }), TypeError);
  });

  it("wakes every waiter", async () => {
    const future = new Future<string>();
    await withTaskGroup(async (tg) => {
      const handles = [1, 2, 3].map(() => tg.startSoon(() => future.result()));
      await waitAllTasksBlocked();
      future.setResult("finished");
      for (const h of handles) assert.equal(await h.result(), "finished");
    });
  });

  it("fails every waiter when it fails", async () => {
    const future = new Future<string>();
    await withTaskGroup(async (tg) => {
      const handles = [1, 2].map(() =>
        tg.startSoon(async () => {
          try {
            return await future.result();
          } catch (e) {
            return e;
          }
        }),
      );
      await waitAllTasksBlocked();
      future.setException(new Error("for all"));
      for (const h of handles) assert.ok((await h.result()) instanceof FutureFailed);
    });
  });

  it("keeps other waiters waiting when one waiter is cancelled", async () => {
    const future = new Future<string>();
    await withTaskGroup(async (tg) => {
      const first = tg.startSoon(() => future.result());
      const second = tg.startSoon(() => future.result());
      await waitAllTasksBlocked();
      first.cancel();
      await assert.rejects(first.result(), TaskCancelled);
      assert.equal(future.status, "pending");
      future.setResult("finished");
      assert.equal(await second.result(), "finished");
    });
  });

  it("stops waiting when the waiting scope is cancelled from outside, and stays pending", async () => {
    const future = new Future<number>({ name: "never" });
    const scope = moveOnAfter(2);
    let escaped: unknown;
    await scope.run(async () => {
      try {
        await future.result();
      } catch (e) {
        escaped = e;
        throw e;
      }
    });
    assert.ok(escaped instanceof Cancelled);
    assert.ok(scope.cancelledCaught);
    assert.equal(future.status, "pending");
    future.setResult(1); // nobody is waiting any more; nothing is left parked
    assert.equal(future.returnValue, 1);
  });

  it("shows its waiters in the task tree", async () => {
    const future = new Future<number>({ name: "answer" });
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => future.wait());
      await waitAllTasksBlocked();
      assert.match(formatTaskTree(), /waiting: Future\.wait \(answer\)/);
      future.cancel();
    });
    assert.deepEqual(getRunningTasks(), []);
  });

  it("is a checkpoint even when it has already ended", async () => {
    const future = new Future<number>();
    future.setResult(1);
    const scope = new CancelScope();
    scope.cancel();
    let reached = false;
    await scope.run(async () => {
      await future.result();
      reached = true;
    });
    assert.equal(reached, false);
  });

  it("can be completed from a callback outside any task", async () => {
    const future = new Future<string>();
    setTimeout(() => future.setResult("from a timer"), 1);
    assert.equal(await future.result(), "from a timer");
  });

  it("is not a thenable: returning it from an async function does not wait for it", async () => {
    const future = new Future<number>();
    const make = async () => future;
    const got = await make();
    assert.equal(got, future);
    assert.equal("then" in future, false);
    future.cancel();
  });
});
