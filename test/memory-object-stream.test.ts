import assert from "node:assert/strict";
import {
  BrokenResourceError,
  Cancelled,
  CancelScope,
  ClosedResourceError,
  checkpoint,
  createMemoryObjectStream,
  currentSignal,
  EndOfStream,
  formatTaskTree,
  type MemoryObjectReceiveStream,
  type MemoryObjectSendStream,
  moveOnAfter,
  WouldBlock,
  waitAllTasksBlocked,
  withTaskGroup,
} from "../src/index.js";
import { checkOneWayStream } from "./_support/stream-conformance.js";
import { describe, it } from "./harness.js";

/** Both ends, closed when the test is done with them. */
function pair<T>(size = 0): [MemoryObjectSendStream<T>, MemoryObjectReceiveStream<T>] & Disposable {
  const ends = createMemoryObjectStream<T>(size) as [
    MemoryObjectSendStream<T>,
    MemoryObjectReceiveStream<T>,
  ] &
    Disposable;
  ends[Symbol.dispose] = () => {
    ends[0].close();
    ends[1].close();
  };
  return ends;
}

describe("createMemoryObjectStream types", () => {
  it("types both ends by the item type", () => {
    const [send, receive] = createMemoryObjectStream<number>(1);
    // @ts-expect-error: only numbers may be sent (the type checker refuses; JavaScript does not)
    send.sendNowait("one");
    const item: number = receive.receiveNowait();
    assert.equal(item, "one");
    send.close();
    receive.close();
  });
});

describe("createMemoryObjectStream", () => {
  it("rejects a buffer size that is not an integer or Infinity", () => {
    assert.throws(
      () => createMemoryObjectStream(1.5),
      new RangeError("maxBufferSize must be a non-negative integer or Infinity, got 1.5"),
    );
    assert.throws(() => createMemoryObjectStream(Number.NaN), /got NaN/);
    assert.throws(
      () => createMemoryObjectStream("1" as unknown as number),
      (e: unknown) => e instanceof TypeError && /got 1$/.test(e.message),
    );
  });

  it("rejects a negative buffer size", () => {
    assert.throws(() => createMemoryObjectStream(-1), /non-negative integer or Infinity, got -1/);
  });

  it("accepts Infinity: sends never wait", async () => {
    using ends = pair<number>(Number.POSITIVE_INFINITY);
    const [send, receive] = ends;
    for (let i = 0; i < 1000; i++) await send.send(i);
    assert.equal(send.statistics().currentBufferUsed, 1000);
    assert.equal(send.statistics().maxBufferSize, Number.POSITIVE_INFINITY);
    for (let i = 0; i < 1000; i++) assert.equal(receive.receiveNowait(), i);
  });
});

describe("MemoryObjectStream", () => {
  it("hands an item to a receiver that was waiting for it", async () => {
    using ends = pair<string>();
    const [send, receive] = ends;
    const got: string[] = [];
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        got.push(await receive.receive());
      });
      await waitAllTasksBlocked();
      await send.send("hello");
    });
    assert.deepEqual(got, ["hello"]);
  });

  it("gives sendNowait items to waiting receivers in FIFO order", async () => {
    using ends = pair<string>();
    const [send, receive] = ends;
    const got: string[] = [];
    await withTaskGroup(async (tg) => {
      for (const name of ["a", "b"]) {
        tg.startSoon(async () => {
          got.push(`${name}:${await receive.receive()}`);
        });
      }
      await waitAllTasksBlocked();
      send.sendNowait("1");
      send.sendNowait("2");
    });
    assert.deepEqual(got, ["a:1", "b:2"]);
  });

  it("lets receiveNowait take the item of a blocked sender and wakes it", async () => {
    using ends = pair<string>();
    const [send, receive] = ends;
    let sent = false;
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await send.send("hello");
        sent = true;
      });
      await waitAllTasksBlocked();
      assert.equal(send.statistics().tasksWaitingSend, 1);
      assert.equal(receive.receiveNowait(), "hello");
      assert.equal(send.statistics().tasksWaitingSend, 0);
    });
    assert.ok(sent);
  });

  it("moves a blocked sender's item into the buffer when receiveNowait takes one", async () => {
    using ends = pair<string>(1);
    const [send, receive] = ends;
    await withTaskGroup(async (tg) => {
      send.sendNowait("first");
      tg.startSoon(() => send.send("second"));
      await waitAllTasksBlocked();
      assert.equal(receive.receiveNowait(), "first");
      assert.equal(receive.statistics().currentBufferUsed, 1);
      assert.equal(receive.statistics().tasksWaitingSend, 0);
    });
    assert.equal(receive.receiveNowait(), "second");
  });

  it("keeps FIFO order through the buffer", () => {
    using ends = pair<string>(2);
    const [send, receive] = ends;
    send.sendNowait("1");
    send.sendNowait("2");
    assert.throws(() => send.sendNowait("3"), WouldBlock);
    assert.equal(receive.receiveNowait(), "1");
    assert.equal(receive.receiveNowait(), "2");
    assert.throws(() => receive.receiveNowait(), WouldBlock);
  });

  it("ends async iteration when the send end closes", async () => {
    using ends = pair<string>();
    const [send, receive] = ends;
    const got: string[] = [];
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        for await (const item of receive) got.push(item);
      });
      await send.send("a");
      await send.send("b");
      await send.close();
    });
    assert.deepEqual(got, ["a", "b"]);
  });

  it("delivers buffered items after the last send end closed, then EndOfStream", async () => {
    using ends = pair<number>(5);
    const [send, receive] = ends;
    send.sendNowait(1);
    send.sendNowait(2);
    send.close();
    assert.equal(await receive.receive(), 1);
    assert.equal(receive.receiveNowait(), 2);
    await assert.rejects(receive.receive(), EndOfStream);
    assert.throws(() => receive.receiveNowait(), EndOfStream);
  });

  it("raises EndOfStream on receive and ClosedResourceError on send after the send end closes", async () => {
    using ends = pair<string>();
    const [send, receive] = ends;
    send.close();
    await assert.rejects(receive.receive(), EndOfStream);
    await assert.rejects(send.send("x"), ClosedResourceError);
    assert.throws(() => send.sendNowait("x"), ClosedResourceError);
  });

  it("raises ClosedResourceError on receive and BrokenResourceError on send after the receive end closes", async () => {
    using ends = pair<string>();
    const [send, receive] = ends;
    receive.close();
    await assert.rejects(receive.receive(), ClosedResourceError);
    assert.throws(() => receive.receiveNowait(), ClosedResourceError);
    await assert.rejects(send.send("x"), BrokenResourceError);
    assert.throws(() => send.sendNowait("x"), BrokenResourceError);
  });

  it("leaves no trace of a cancelled receiver", async () => {
    using ends = pair<string>();
    const [send, receive] = ends;
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => receive.receive());
      await waitAllTasksBlocked();
      tg.cancel();
    });
    assert.equal(receive.statistics().tasksWaitingReceive, 0);
    assert.throws(() => send.sendNowait("x"), WouldBlock);
  });

  it("leaves no trace of a cancelled sender: its item is withdrawn", async () => {
    using ends = pair<string>();
    const [send, receive] = ends;
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => send.send("withdrawn"));
      await waitAllTasksBlocked();
      tg.cancel();
    });
    assert.equal(send.statistics().tasksWaitingSend, 0);
    assert.throws(() => receive.receiveNowait(), WouldBlock);
  });

  it("keeps the stream open through clones after the originals close", async () => {
    using ends = pair<string>(1);
    const [send, receive] = ends;
    const send2 = send.clone();
    const receive2 = receive.clone();
    send.close();
    receive.close();
    send2.sendNowait("hello");
    assert.equal(receive2.receiveNowait(), "hello");
    assert.equal(send2.statistics().openSendStreams, 1);
    assert.equal(send2.statistics().openReceiveStreams, 1);
    send2.close();
    assert.throws(() => receive2.receiveNowait(), EndOfStream);
    receive2.close();
  });

  it("refuses to clone a closed end", () => {
    using ends = pair<string>();
    const [send, receive] = ends;
    send.close();
    receive.close();
    assert.throws(() => send.clone(), ClosedResourceError);
    assert.throws(() => receive.clone(), ClosedResourceError);
  });

  it("counts an end as closed only when every clone is closed", async () => {
    using ends = pair<string>();
    const [send, receive] = ends;
    const send2 = send.clone();
    send.close();
    send.close(); // idempotent: does not close the clone's share
    assert.equal(receive.statistics().openSendStreams, 1);
    assert.throws(() => receive.receiveNowait(), WouldBlock);
    await send2.close();
    assert.throws(() => receive.receiveNowait(), EndOfStream);
  });

  it("wakes a waiting receiver with EndOfStream when the last send end closes", async () => {
    using ends = pair<string>();
    const [send, receive] = ends;
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => assert.rejects(receive.receive(), EndOfStream));
      await waitAllTasksBlocked();
      send.close();
    });
  });

  it("wakes a waiting sender with BrokenResourceError when the last receive end closes, even for undefined", async () => {
    using ends = pair<undefined>();
    const [send, receive] = ends;
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => assert.rejects(send.send(undefined), BrokenResourceError));
      await waitAllTasksBlocked();
      receive.close();
    });
  });

  it("wakes operations blocked on a clone with ClosedResourceError when that clone closes", async () => {
    using ends = pair<string>();
    const [send, receive] = ends;
    const receive2 = receive.clone();
    const send2 = send.clone();
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => assert.rejects(receive2.receive(), ClosedResourceError));
      await waitAllTasksBlocked();
      receive2.close();
      assert.equal(receive.statistics().tasksWaitingReceive, 0);
    });
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => assert.rejects(send2.send("x"), ClosedResourceError));
      await waitAllTasksBlocked();
      send2.close();
    });
    assert.throws(() => receive.receiveNowait(), WouldBlock); // the item was withdrawn
  });

  it("still delivers an item sent before the send end closed", async () => {
    using ends = pair<string>();
    const [send, receive] = ends;
    const got: string[] = [];
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await send.send("hello");
        await send.close();
      });
      got.push(await receive.receive());
      await assert.rejects(receive.receive(), EndOfStream);
    });
    assert.deepEqual(got, ["hello"]);
  });

  it("takes nothing when receive is called in a cancelled scope", async () => {
    using ends = pair<string>(1);
    const [send, receive] = ends;
    send.sendNowait("kept");
    const scope = new CancelScope();
    await scope.run(async () => {
      scope.cancel();
      await assert.rejects(receive.receive(), Cancelled);
    });
    assert.equal(receive.receiveNowait(), "kept");
  });

  it("delivers nothing when send is called in a cancelled scope", async () => {
    using ends = pair<string>(1);
    const [send, receive] = ends;
    const scope = new CancelScope();
    await scope.run(async () => {
      scope.cancel();
      await assert.rejects(send.send("dropped"), Cancelled);
    });
    assert.throws(() => receive.receiveNowait(), WouldBlock);
  });

  it("keeps an item handed to a receiver whose scope is cancelled right after", async () => {
    using ends = pair<string>();
    const [send, receive] = ends;
    let got: string | undefined;
    await withTaskGroup(async (tg) => {
      const scope = new CancelScope();
      tg.startSoon(async () => {
        await scope.run(async () => {
          got = await receive.receive();
          await checkpoint();
          assert.fail("the checkpoint after the receive should have thrown");
        });
      });
      await waitAllTasksBlocked();
      send.sendNowait("kept");
      scope.cancel();
    });
    assert.equal(got, "kept");
  });

  it("passes an item over a receiver whose scope is already cancelled", async () => {
    using ends = pair<string>(1);
    const [send, receive] = ends;
    await withTaskGroup(async (tg) => {
      const scope = new CancelScope();
      tg.startSoon(async () => {
        await scope.run(async () => {
          // A signal listener runs while the scope's waiters are being cancelled: the
          // receiver is still parked in a scope that is already cancelled.
          currentSignal().addEventListener("abort", () => send.sendNowait("saved"));
          await receive.receive();
        });
      });
      await waitAllTasksBlocked();
      scope.cancel();
    });
    assert.ok(true);
    assert.equal(receive.receiveNowait(), "saved");
  });

  it("reports the same statistics from every end and clone", async () => {
    using ends = pair<string>(1);
    const [send, receive] = ends;
    const send2 = send.clone();
    const receive2 = receive.clone();
    const all = () => [send, receive, send2, receive2].map((s) => s.statistics());
    const expect = (fields: Partial<ReturnType<typeof send.statistics>>) => {
      for (const stats of all()) {
        assert.deepEqual(stats, {
          currentBufferUsed: 0,
          maxBufferSize: 1,
          openSendStreams: 2,
          openReceiveStreams: 2,
          tasksWaitingSend: 0,
          tasksWaitingReceive: 0,
          ...fields,
        });
      }
    };
    expect({});
    send.sendNowait("a");
    expect({ currentBufferUsed: 1 });
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => send.send("b"));
      tg.startSoon(() => send2.send("c"));
      await waitAllTasksBlocked();
      expect({ currentBufferUsed: 1, tasksWaitingSend: 2 });
      receive.receiveNowait();
      receive.receiveNowait();
      receive.receiveNowait();
      expect({});
      tg.startSoon(() => receive.receive());
      tg.startSoon(() => receive2.receive());
      await waitAllTasksBlocked();
      expect({ tasksWaitingReceive: 2 });
      send.sendNowait("d");
      send.sendNowait("e");
    });
    send2.close();
    receive2.close();
    expect({ openSendStreams: 1, openReceiveStreams: 1 });
  });

  it("closes synchronously with using, and with await using", async () => {
    const [send, receive] = createMemoryObjectStream<number>();
    {
      using _send = send;
      await using _receive = receive;
    }
    assert.throws(() => send.sendNowait(1), ClosedResourceError);
    assert.throws(() => receive.receiveNowait(), ClosedResourceError);
  });

  it("names its waits in the task tree", async () => {
    using ends = pair<string>();
    const [send, receive] = ends;
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => receive.receive());
      await waitAllTasksBlocked();
      assert.match(formatTaskTree(), /MemoryObjectReceiveStream\.receive/);
      send.sendNowait("x");
    });
  });

  it("lets timers run while a consumer and producer trade items without waiting", async () => {
    using ends = pair<number>(10);
    const [send, receive] = ends;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await withTaskGroup(async (tg) => {
        tg.startSoon(async () => {
          // Trade items until the timer has ticked 3 times: without yields to the event loop
          // it never would, and the time limit would end the loop instead.
          const until = performance.now() + 1000;
          while (ticks < 3 && performance.now() < until) await send.send(1);
          send.close();
        });
        for await (const _ of receive) {
        }
      });
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks >= 3, `only ${ticks} timer ticks in a second of sends`);
  });

  it("ends a receive loop when its scope times out, leaving the stream usable", async () => {
    using ends = pair<number>(1);
    const [send, receive] = ends;
    const scope = moveOnAfter(5);
    await scope.run(async () => {
      for await (const _ of receive) assert.fail("nothing was sent");
    });
    assert.ok(scope.cancelledCaught);
    send.sendNowait(7);
    assert.equal(await receive.receive(), 7);
  });
});

for (const size of [0, 1, Number.POSITIVE_INFINITY]) {
  describe(`MemoryObjectStream (buffer ${size}) conformance`, () => {
    checkOneWayStream(
      () => {
        const [send, receive] = createMemoryObjectStream<unknown>(size);
        return { send, receive };
      },
      { kind: "object", singleReader: false },
    );
  });
}
