import assert from "node:assert/strict";
import {
  ClosedResourceError,
  createMemoryObjectStream,
  type ExtraAttributes,
  Listener,
  type MemoryObjectReceiveStream,
  type MemoryObjectSendStream,
  MultiListener,
  type TaskGroup,
  type TypedAttribute,
  typedAttribute,
  waitAllTasksBlocked,
  withTaskGroup,
} from "../src/index.js";
import { describe, it } from "./harness.js";

const name = typedAttribute<string>("name");
const id = typedAttribute<number>("id");

/** A listener whose "connections" are strings pushed into a memory stream. */
class MemoryListener extends Listener<string> {
  readonly incoming: MemoryObjectSendStream<string>;
  readonly #accept: MemoryObjectReceiveStream<string>;
  closed = false;

  constructor(readonly label: string) {
    super();
    [this.incoming, this.#accept] = createMemoryObjectStream<string>(10);
  }

  override get extraAttributes(): ExtraAttributes {
    return new Map<TypedAttribute<unknown>, () => unknown>([
      [name, () => this.label],
      [id, () => this.label.length],
    ]);
  }

  async serve(handler: (connection: string) => unknown, taskGroup?: TaskGroup): Promise<void> {
    const serveIn = async (tg: TaskGroup) => {
      for await (const connection of this.#accept) tg.startSoon(async () => handler(connection));
    };
    if (taskGroup === undefined) await withTaskGroup(serveIn);
    else await serveIn(taskGroup);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.incoming.close();
    this.#accept.close();
  }
}

describe("MultiListener", () => {
  it("serves every listener with the same handler", async () => {
    const a = new MemoryListener("a");
    const b = new MemoryListener("b");
    const multi = new MultiListener([a, b]);
    const served: string[] = [];
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => multi.serve((c) => void served.push(c)));
      await waitAllTasksBlocked();
      a.incoming.sendNowait("a1");
      b.incoming.sendNowait("b1");
      a.incoming.sendNowait("a2");
      await waitAllTasksBlocked();
      tg.cancel();
    });
    assert.deepEqual(served.sort(), ["a1", "a2", "b1"]);
    await multi.close();
    assert.ok(a.closed && b.closed);
  });

  it("hands the task group on to each listener", async () => {
    const a = new MemoryListener("a");
    const multi = new MultiListener([a]);
    let handledIn: TaskGroup | undefined;
    await withTaskGroup(async (tg) => {
      tg.startSoon(() =>
        multi.serve(() => {
          handledIn = tg;
        }, tg),
      );
      await waitAllTasksBlocked();
      a.incoming.sendNowait("x");
      await waitAllTasksBlocked();
      tg.cancel();
    });
    assert.ok(handledIn !== undefined);
    await multi.close();
  });

  it("flattens nested MultiListeners, emptying them", async () => {
    const inner = new MultiListener([new MemoryListener("a"), new MemoryListener("b")]);
    const c = new MemoryListener("c");
    const outer = new MultiListener([inner, c]);
    assert.equal(outer.listeners.length, 3);
    assert.equal(inner.listeners.length, 0);
    await outer.close();
  });

  it("merges typed attributes, later listeners winning", async () => {
    const multi = new MultiListener([new MemoryListener("first"), new MemoryListener("second!")]);
    assert.equal(multi.extra(name), "second!");
    assert.equal(multi.extra(id), 7);
    await multi.close();
  });

  it("closes every listener even if one fails, then throws that failure", async () => {
    const a = new MemoryListener("a");
    const b = new MemoryListener("b");
    a.close = async () => {
      throw new ClosedResourceError("already");
    };
    await assert.rejects(new MultiListener([a, b]).close(), ClosedResourceError);
    assert.ok(b.closed);
  });

  it("rejects what is not a listener", () => {
    assert.throws(() => new MultiListener([{} as never]), TypeError);
    assert.throws(() => new MultiListener(5 as never), TypeError);
  });
});
