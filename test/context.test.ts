/**
 * The context carrier (src/core/_internal/context.ts) and the user's own `AsyncLocalStorage`
 * stores: each sees its own values across awaits, timers, snapshots and each other's `run` and
 * `enterWith`. On Deno and Node 24 the carrier writes the runtime's async context value itself
 * instead of going through a store, so these tests are what shows the two keep out of each
 * other's way.
 */
import assert from "node:assert/strict";
import { AsyncLocalStorage, AsyncResource } from "node:async_hooks";
import { stat } from "node:fs";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { nodeVersion, runtimeName } from "../src/backends/runtime.js";
import { carrierKind } from "../src/core/_internal/context.js";
import {
  currentEffectiveDeadline,
  Event,
  getCurrentTask,
  moveOnAfter,
  sleep,
  withTaskGroup,
} from "../src/index.js";
import { collect, spawnFixture } from "./fixtures/spawn-runtime.js";
import { describe, it } from "./harness.js";

describe("context carrier", () => {
  it("writes the runtime's context value directly on Deno and Node 24, and uses AsyncLocalStorage on Bun and Node 20", () => {
    // If a release drops or changes the internals the fast carrier needs, the library falls
    // back to AsyncLocalStorage (and stays correct); this test says it happened.
    const expected =
      runtimeName === "deno"
        ? "deno-mapping"
        : runtimeName === "node" && nodeVersion[0] >= 24
          ? "node-frame"
          : "async-local-storage";
    assert.equal(carrierKind, expected);
  });

  it("leaves the runtime's context as it found it, and async hooks off, by being imported", async () => {
    // The carrier's self-test at load enters a store only where that costs nothing (a process
    // that imports the library and runs no task keeps Node 20's promises free of the hooks),
    // and puts Node 24's frame back as it was (none) rather than a copy of it.
    const { code, out } = await collect(spawnFixture("import-only"));
    assert.equal(code, 0, out);
    assert.match(out, /^frame after the import: (none|undefined)$/m);
    assert.match(out, /^reaction async id: 0$/m);
  });

  it("keeps a user's store visible in tasks and scopes, across awaits and timers", async () => {
    const user = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    await user.run("outer", () =>
      withTaskGroup(async (tg) => {
        tg.startSoon(async () => {
          seen.push(user.getStore());
          await sleep(1);
          seen.push(user.getStore());
          await moveOnAfter(1000).run(async () => {
            await delay(1);
            seen.push(user.getStore());
            // A timer's callback runs in the context it was set in: the user's and ours.
            const task = getCurrentTask().id;
            await new Promise<void>((resolve) =>
              setTimeout(() => {
                assert.equal(getCurrentTask().id, task);
                assert.notEqual(currentEffectiveDeadline(), Number.POSITIVE_INFINITY);
                resolve();
              }, 1),
            );
            seen.push(user.getStore());
          });
          seen.push(user.getStore());
        });
      }),
    );
    assert.deepEqual(seen, ["outer", "outer", "outer", "outer", "outer"]);
  });

  it("reaches callbacks of nextTick, setImmediate, queueMicrotask and fs inside a task", async () => {
    const seen: Record<string, string> = {};
    await withTaskGroup((tg) => {
      tg.startSoon(async function worker() {
        const name = () => getCurrentTask().name;
        await new Promise<void>((resolve) =>
          process.nextTick(() => {
            seen.nextTick = name();
            resolve();
          }),
        );
        await new Promise<void>((resolve) =>
          setImmediate(() => {
            seen.setImmediate = name();
            resolve();
          }),
        );
        await new Promise<void>((resolve) =>
          queueMicrotask(() => {
            seen.queueMicrotask = name();
            resolve();
          }),
        );
        await new Promise<void>((resolve) =>
          stat(".", () => {
            seen.fs = name();
            resolve();
          }),
        );
      });
    });
    assert.deepEqual(seen, {
      nextTick: "worker",
      setImmediate: "worker",
      queueMicrotask: "worker",
      fs: "worker",
    });
  });

  it("keeps the current task and scope inside a user's run and enterWith", async () => {
    const user = new AsyncLocalStorage<number>();
    await withTaskGroup(async (tg) => {
      tg.startSoon(async function worker() {
        const task = getCurrentTask();
        await moveOnAfter(5000).run(async () => {
          const deadline = currentEffectiveDeadline();
          await user.run(1, async () => {
            await sleep(1);
            assert.equal(user.getStore(), 1);
            assert.equal(getCurrentTask().id, task.id);
            assert.equal(currentEffectiveDeadline(), deadline);
          });
          user.enterWith(2);
          await sleep(1);
          assert.equal(user.getStore(), 2);
          assert.equal(getCurrentTask().name, "worker");
          assert.equal(currentEffectiveDeadline(), deadline);
        });
        assert.equal(currentEffectiveDeadline(), Number.POSITIVE_INFINITY);
      });
    });
  });

  it("keeps the current task when a user's store is disabled inside it, with or without a value", async () => {
    const user = new AsyncLocalStorage<number>();
    const seen: unknown[] = [];
    await withTaskGroup((tg) => {
      // Disabled where the store holds nothing (only our value is carried), then after entering.
      tg.startSoon(async function bare() {
        user.disable();
        await sleep(1);
        seen.push(getCurrentTask().name, user.getStore());
      });
      tg.startSoon(async function entered() {
        user.enterWith(1);
        await sleep(1);
        user.disable();
        seen.push(user.getStore());
        await sleep(1);
        seen.push(getCurrentTask().name, user.getStore());
      });
    });
    assert.deepEqual(seen, ["bare", undefined, undefined, "entered", undefined]);
  });

  it("keeps every store and the task when stores are entered and disabled in tasks started under a store", async () => {
    // Tasks started where a user's store holds a value: on Node 24 the carrier then reads the
    // user's frame through instead of copying it, and user stores copy it from there.
    const outer = new AsyncLocalStorage<string>();
    const inner = new AsyncLocalStorage<number>();
    const seen: unknown[] = [];
    await outer.run("outer", () =>
      withTaskGroup((tg) => {
        tg.startSoon(async function entering() {
          inner.enterWith(1);
          await sleep(1);
          seen.push([getCurrentTask().name, outer.getStore(), inner.getStore()]);
          await moveOnAfter(1000).run(async () => {
            await inner.run(2, async () => {
              await sleep(1);
              seen.push([getCurrentTask().name, outer.getStore(), inner.getStore()]);
            });
            assert.notEqual(currentEffectiveDeadline(), Number.POSITIVE_INFINITY);
          });
        });
        tg.startSoon(async function disabling() {
          // (A store of its own: on Node 20 and Deno `disable()` reaches every context.)
          const gone = new AsyncLocalStorage<number>();
          gone.enterWith(3);
          await sleep(1);
          gone.disable();
          seen.push([getCurrentTask().name, gone.getStore()]);
          await sleep(1);
          seen.push([getCurrentTask().name, outer.getStore()]);
        });
      }),
    );
    assert.deepEqual(seen.sort(), [
      ["disabling", undefined],
      ["disabling", "outer"],
      ["entering", "outer", 1],
      ["entering", "outer", 2],
    ]);
  });

  it("disables a store a task was started under for that task, and on Node 24 for it alone", async () => {
    const outer = new AsyncLocalStorage<string>();
    const seen: Record<string, unknown> = {};
    await outer.run("outer", async () => {
      await withTaskGroup((tg) => {
        tg.startSoon(async () => {
          outer.disable();
          seen.disabled = outer.getStore();
          await sleep(1);
          seen.disabledLater = outer.getStore();
        });
        tg.startSoon(async () => {
          await sleep(5);
          seen.sibling = outer.getStore();
        });
      });
      seen.spawner = outer.getStore();
    });
    assert.equal(seen.disabled, undefined);
    assert.equal(seen.disabledLater, undefined);
    // What `disable()` does to other contexts is each runtime's own: on Node 20, Bun and Deno
    // it turns the store off everywhere, on Node 24 it removes it from the current frame. The
    // carrier must not make Node 24's reach the frame its task shares with the others.
    if (carrierKind === "node-frame") {
      assert.equal(seen.sibling, "outer");
      assert.equal(seen.spawner, "outer");
    }
  });

  it("keeps its task beside a second copy of the carrier in the same process", async () => {
    // Two copies of the library (a dependency installed twice) each carry their own node. The
    // second is the carrier's compiled file copied elsewhere (Bun gives the same module for the
    // same path whatever its query string).
    const dir = await mkdtemp(join(tmpdir(), "anyio-ts-carrier-"));
    const copy = join(dir, "context.js");
    await copyFile(
      fileURLToPath(new URL("../src/core/_internal/context.js", import.meta.url)),
      copy,
    );
    const second = (await import(
      pathToFileURL(copy).href
    )) as typeof import("../src/core/_internal/context.js");
    await rm(dir, { recursive: true });
    assert.equal(second.carrierKind, carrierKind);
    const user = new AsyncLocalStorage<number>();
    const mark = {};
    await withTaskGroup((tg) => {
      tg.startSoon(async function ours() {
        await second.runCarrying(mark, async () => {
          // A store entered over the second copy's value, over ours.
          user.enterWith(1);
          await sleep(1);
          assert.equal(second.getCarried(), mark);
          assert.equal(getCurrentTask().name, "ours");
          assert.equal(user.getStore(), 1);
          await moveOnAfter(1000).run(async () => {
            await sleep(1);
            assert.equal(second.getCarried(), mark);
            assert.notEqual(currentEffectiveDeadline(), Number.POSITIVE_INFINITY);
          });
        });
        assert.equal(second.getCarried(), undefined);
      });
    });
  });

  it("leaves a user's store as it was after a task group whose task called enterWith", async () => {
    // (What enterWith in the synchronous part of a scope's body does to the caller is each
    // runtime's own AsyncLocalStorage semantics, so it is not pinned here.)
    const user = new AsyncLocalStorage<string>();
    await user.run("kept", async () => {
      await withTaskGroup((tg) => {
        tg.startSoon(() => user.enterWith("task"));
        tg.startSoon(async () => {
          await sleep(1);
          user.enterWith("async task");
        });
      });
      assert.equal(user.getStore(), "kept");
    });
    assert.equal(user.getStore(), undefined);
  });

  it("restores both the user's value and the scope through snapshots and AsyncResource", async () => {
    const user = new AsyncLocalStorage<string>();
    const read = () => [user.getStore(), currentEffectiveDeadline()];
    let snapshot: (<R>(fn: () => R) => R) | undefined;
    let bound: (() => unknown[]) | undefined;
    const captured = new Event();
    const used = new Event();
    let deadline = 0;
    await withTaskGroup(async (tg) => {
      tg.startSoon(() =>
        user.run("captured", () =>
          moveOnAfter(5000).run(async () => {
            deadline = currentEffectiveDeadline();
            snapshot = AsyncLocalStorage.snapshot();
            bound = AsyncResource.bind(read);
            captured.set();
            await used.wait();
          }),
        ),
      );
      tg.startSoon(async () => {
        await captured.wait();
        await sleep(1);
        assert.deepEqual(read(), [undefined, Number.POSITIVE_INFINITY]);
        assert.deepEqual(snapshot?.(read), ["captured", deadline]);
        assert.deepEqual(bound?.(), ["captured", deadline]);
        used.set();
      });
    });
    assert.ok(Number.isFinite(deadline));
  });
});
