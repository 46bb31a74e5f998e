import assert from "node:assert/strict";
import {
  BusyResourceError,
  isAnyioError,
  ResourceGuard,
  sleep,
  withTaskGroup,
} from "../src/index.js";
import { describe, it } from "./harness.js";

describe("ResourceGuard", () => {
  it("refuses a second entry with BusyResourceError naming the action", () => {
    const guard = new ResourceGuard("reading from");
    using _ = guard.enter();
    assert.throws(
      () => guard.enter(),
      (e: unknown) =>
        e instanceof BusyResourceError &&
        isAnyioError(e, "ANYIO_BUSY") &&
        e.message === "Another task is already reading from this resource",
    );
  });

  it("says 'using' by default", () => {
    const guard = new ResourceGuard();
    guard.enter();
    assert.throws(() => guard.enter(), /Another task is already using this resource/);
    guard.exit();
  });

  it("is free again after exit() or the end of a using block", () => {
    const guard = new ResourceGuard();
    guard.enter();
    guard.exit();
    {
      using _ = guard.enter();
    }
    guard.enter().exit();
  });

  it("catches two tasks using the resource at once", async () => {
    const guard = new ResourceGuard();
    const use = async () => {
      using _ = guard.enter();
      await sleep(1);
    };
    await use();
    await assert.rejects(
      withTaskGroup((tg) => {
        tg.startSoon(use);
        tg.startSoon(use);
      }),
      (e: unknown) =>
        e instanceof AggregateError && e.errors.every((x) => x instanceof BusyResourceError),
    );
    assert.doesNotThrow(() => guard.enter().exit());
  });

  it("is synchronous: entering and exiting need no await", () => {
    const guard = new ResourceGuard();
    assert.equal(guard.enter(), guard);
    assert.equal(guard.exit(), undefined);
  });

  it("rejects an action that is not a string", () => {
    assert.throws(() => new ResourceGuard(5 as unknown as string), TypeError);
  });
});
