import assert from "node:assert/strict";
import {
  amap,
  Cancelled,
  CancelScope,
  checkpoint,
  type ExceptionGroup,
  Future,
  formatTaskTree,
  getRunningTasks,
  sleep,
  sleepForever,
  waitAllTasksBlocked,
  withTaskGroup,
} from "../src/index.js";
import { type Equal, rejectsWithGroup } from "./_support/helpers.js";
import { describe, it } from "./harness.js";

function messages(e: ExceptionGroup): string[] {
  return e.exceptions.map((x) => (x as Error).message).sort();
}

async function* asyncRange(n: number, log?: string[]): AsyncGenerator<number> {
  try {
    for (let i = 0; i < n; i++) {
      log?.push(`pull ${i}`);
      await checkpoint();
      yield i;
    }
  } finally {
    log?.push("closed");
  }
}

function* syncRange(n: number, log?: string[]): Generator<number> {
  try {
    for (let i = 0; i < n; i++) {
      log?.push(`pull ${i}`);
      yield i;
    }
  } finally {
    log?.push("closed");
  }
}

/**
 * Counts how many calls run at once. Each call waits until `fullAt` calls are running together
 * (so the test proves that many ran at once without depending on timing), then returns.
 */
function concurrency(fullAt: number) {
  const state = { running: 0, most: 0 };
  const full = new Future<void>();
  const fn = async (x: number) => {
    state.most = Math.max(state.most, ++state.running);
    if (state.running === fullAt && full.status === "pending") full.setResult();
    try {
      await full.wait();
      await checkpoint();
      return x * 2;
    } finally {
      state.running--;
    }
  };
  return { state, fn };
}

describe("amap", () => {
  it("returns results in input order, not completion order", async () => {
    const done = [new Future<void>(), new Future<void>(), new Future<void>()];
    const finished: number[] = [];
    const results = await amap(
      async (n: number) => {
        if (n < 3) await (done[n] as Future<void>).result();
        finished.push(n);
        (done[n - 1] as Future<void>).setResult();
        return n * 2;
      },
      [1, 2, 3],
    );
    assert.deepEqual(results, [2, 4, 6]);
    assert.deepEqual(finished, [3, 2, 1]);
  });

  it("is typed after the function's awaited return type", async () => {
    const strings = await amap(async (n: number) => String(n), [1, 2]);
    const typed: Equal<typeof strings, string[]> = true;
    assert.ok(typed);
    const fromAsync = await amap((n: number) => n > 0, asyncRange(2));
    const typedAsync: Equal<typeof fromAsync, boolean[]> = true;
    assert.ok(typedAsync);
    assert.deepEqual(
      [strings, fromAsync],
      [
        ["1", "2"],
        [false, true],
      ],
    );
  });

  it("passes each item's index", async () => {
    assert.deepEqual(await amap((s: string, i: number) => `${i}${s}`, ["a", "b"]), ["0a", "1b"]);
    assert.deepEqual(await amap((_: string, i: number) => i, ["a", "b"], { limit: 1 }), [0, 1]);
  });

  it("runs everything at once by default", async () => {
    const { state, fn } = concurrency(5);
    assert.deepEqual(await amap(fn, [1, 2, 3, 4, 5]), [2, 4, 6, 8, 10]);
    assert.equal(state.most, 5);
  });

  for (const limit of [1, 2, 3]) {
    it(`runs at most ${limit} at a time with limit ${limit}, for every kind of source`, async () => {
      for (const source of [() => [0, 1, 2, 3, 4, 5, 6], () => syncRange(7), () => asyncRange(7)]) {
        const { state, fn } = concurrency(limit);
        assert.deepEqual(await amap(fn, source(), { limit }), [0, 2, 4, 6, 8, 10, 12]);
        assert.equal(state.most, limit);
      }
    });
  }

  it("runs an async source with no limit, one task per item", async () => {
    const { state, fn } = concurrency(4);
    assert.deepEqual(await amap(fn, asyncRange(4)), [0, 2, 4, 6]);
    assert.equal(state.most, 4);
  });

  it("pulls a lazy source only as slots free up", async () => {
    for (const make of [syncRange, asyncRange]) {
      const log: string[] = [];
      const gate = new Future<void>();
      await withTaskGroup(async (tg) => {
        const mapped = tg.startSoon(() =>
          amap(
            async (n: number) => {
              log.push(`run ${n}`);
              await gate.result();
            },
            make(5, log),
            { limit: 2 },
          ),
        );
        await waitAllTasksBlocked();
        assert.deepEqual(log, ["pull 0", "pull 1", "run 0", "run 1"]);
        gate.setResult();
        await mapped.wait();
      });
      assert.equal(log.filter((l) => l.startsWith("run")).length, 5);
      assert.ok(log.includes("closed"));
    }
  });

  it("returns [] for empty input of every kind, after a checkpoint", async () => {
    const empty = async function* () {};
    for (const options of [{}, { limit: 2 }]) {
      assert.deepEqual(await amap(() => 1, [], options), []);
      assert.deepEqual(await amap(() => 1, syncRange(0), options), []);
      assert.deepEqual(await amap(() => 1, empty(), options), []);
      const scope = new CancelScope();
      scope.cancel();
      let reached = false;
      await scope.run(async () => {
        await amap(() => 1, [], options);
        reached = true;
      });
      assert.equal(reached, false);
    }
  });

  it("checks its arguments", async () => {
    for (const limit of [0, -1, 1.5, Number.NaN, Number.NEGATIVE_INFINITY]) {
      await assert.rejects(
        amap(() => 1, [1], { limit }),
        RangeError,
        `limit ${limit}`,
      );
    }
    await assert.rejects(
      amap(() => 1, [1], { limit: "2" as unknown as number }),
      TypeError,
    );
    await assert.rejects(
      amap(() => 1, 5 as unknown as number[]),
      TypeError,
    );
    await assert.rejects(amap(5 as unknown as () => number, [1]), TypeError);
    assert.deepEqual(await amap((x: number) => x, [1], { limit: Number.POSITIVE_INFINITY }), [1]);
  });

  it("reports every failure when several calls fail at once, and cancels the rest", async () => {
    for (const options of [{}, { limit: 3 }]) {
      const cancelled: number[] = [];
      await rejectsWithGroup(
        amap(
          async (n: number) => {
            if (n === 1 || n === 2) throw new Error(`failed ${n}`);
            try {
              await sleepForever();
            } catch (e) {
              if (e instanceof Cancelled) cancelled.push(n);
              throw e;
            }
          },
          [0, 1, 2, 3],
          options,
        ),
        (e) => assert.deepEqual(messages(e), ["failed 1", "failed 2"]),
      );
      // With no limit every item started at once; with limit 3, item 3 never started.
      assert.deepEqual(cancelled.sort(), "limit" in options ? [0] : [0, 3]);
      assert.deepEqual(getRunningTasks(), []);
    }
  });

  it("pulls no more items after a failure, and closes the source", async () => {
    for (const make of [syncRange, asyncRange]) {
      const log: string[] = [];
      await rejectsWithGroup(
        amap(
          async (n: number) => {
            await sleep(1);
            if (n === 1) throw new Error("stop");
            await sleepForever();
          },
          make(100, log),
          { limit: 2 },
        ),
        (e) => assert.deepEqual(messages(e), ["stop"]),
      );
      assert.deepEqual(log, ["pull 0", "pull 1", "closed"]);
    }
  });

  it("reports a failing source with the calls' failures, and cancels the running calls", async () => {
    async function* failingAsync() {
      yield 1;
      await checkpoint();
      throw new Error("source broke");
    }
    function* failingSync() {
      yield 1;
      throw new Error("source broke");
    }
    for (const source of [failingAsync, failingSync]) {
      for (const options of [{}, { limit: 2 }]) {
        let cancelled = false;
        await rejectsWithGroup(
          amap(
            async () => {
              try {
                await sleepForever();
              } catch (e) {
                cancelled = e instanceof Cancelled;
                throw e;
              }
            },
            source(),
            options,
          ),
          (e) => assert.deepEqual(messages(e), ["source broke"]),
        );
        assert.ok(cancelled);
      }
    }
  });

  it("cancels and awaits every call when cancelled from outside, and closes the source", async () => {
    for (const make of [syncRange, asyncRange]) {
      for (const options of [{}, { limit: 2 }]) {
        const log: string[] = [];
        const cleaned: number[] = [];
        const scope = new CancelScope();
        let escaped: unknown;
        let cleanedAtExit: number[] = [];
        await withTaskGroup(async (tg) => {
          tg.startSoon(async () => {
            await waitAllTasksBlocked();
            scope.cancel();
          });
          await scope.run(async () => {
            try {
              await amap(
                async (n: number) => {
                  try {
                    await sleepForever();
                  } finally {
                    cleaned.push(n);
                  }
                },
                make(3, log),
                options,
              );
            } catch (e) {
              escaped = e;
              cleanedAtExit = [...cleaned].sort();
              throw e;
            }
          });
        });
        assert.ok(escaped instanceof Cancelled);
        assert.ok(scope.cancelledCaught);
        const started = "limit" in options ? [0, 1] : [0, 1, 2];
        assert.deepEqual(cleanedAtExit, started);
        if ("limit" in options) assert.equal(log.at(-1), "closed");
      }
    }
  });

  it("stops waiting for a slow async source when cancelled, and asks it to close", async () => {
    let closed = false;
    // A foreign async iterator: its pending next() does not end with our scope.
    const foreign: AsyncIterable<number> = {
      [Symbol.asyncIterator]() {
        let release: () => void = () => {};
        return {
          next: () =>
            new Promise<IteratorResult<number>>((resolve) => {
              release = () => resolve({ done: true, value: undefined });
            }),
          return: async () => {
            closed = true;
            release();
            return { done: true, value: undefined };
          },
        };
      },
    };
    const scope = new CancelScope();
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await waitAllTasksBlocked();
        assert.match(formatTaskTree(), /waiting for the next item/);
        scope.cancel();
      });
      await scope.run(() => amap((n: number) => n, foreign, { limit: 2 }));
    });
    assert.ok(scope.cancelledCaught);
    await sleep(1);
    assert.ok(closed);
  });

  it("shows the feeder waiting for a slot in the task tree", async () => {
    const gate = new Future<void>();
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => amap(() => gate.wait(), [1, 2, 3], { limit: 1 }));
      await waitAllTasksBlocked();
      assert.match(formatTaskTree(), /amap\(anonymous\): waiting for one of 1 slots/);
      gate.setResult();
    });
  });
});
