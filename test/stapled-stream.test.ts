import assert from "node:assert/strict";
import {
  ByteReceiveStream,
  ByteSendStream,
  ClosedResourceError,
  createMemoryObjectStream,
  EndOfStream,
  type ExtraAttributes,
  ObjectSendStream,
  StapledByteStream,
  StapledObjectStream,
  typedAttribute,
  WouldBlock,
} from "../src/index.js";
import { memoryBytePair } from "./_support/memory-byte-streams.js";
import { checkHalfCloseableStream } from "./_support/stream-conformance.js";
import { describe, it } from "./harness.js";

const name = typedAttribute<string>("name");
const side = typedAttribute<string>("side");

/** A byte receive stream serving bytes from an array, as AnyIO's tests do. */
class DummyReceive extends ByteReceiveStream {
  closed = false;
  constructor(readonly data: number[]) {
    super();
  }
  override get extraAttributes(): ExtraAttributes {
    return new Map([
      [name, () => "receive"],
      [side, () => "receive side"],
    ]);
  }
  async receive(maxBytes = 65536): Promise<Uint8Array> {
    if (this.closed) throw new ClosedResourceError();
    if (this.data.length === 0) throw new EndOfStream();
    return Uint8Array.from(this.data.splice(0, maxBytes));
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

class DummySend extends ByteSendStream {
  closed = false;
  readonly written: number[] = [];
  override get extraAttributes(): ExtraAttributes {
    return new Map([[name, () => "send"]]);
  }
  async send(data: Uint8Array): Promise<void> {
    if (this.closed) throw new ClosedResourceError();
    this.written.push(...data);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

describe("StapledByteStream", () => {
  it("receives from the receive stream, maxBytes at a time", async () => {
    const stream = new StapledByteStream(new DummySend(), new DummyReceive([1, 2, 3, 4, 5]));
    assert.deepEqual([...(await stream.receive(3))], [1, 2, 3]);
    assert.deepEqual([...(await stream.receive())], [4, 5]);
    await assert.rejects(stream.receive(), EndOfStream);
    await assert.rejects(stream.receive(0), RangeError);
    await stream.close();
  });

  it("closes only the send stream on sendEof; then send raises ClosedResourceError", async () => {
    const send = new DummySend();
    const receive = new DummyReceive([1]);
    const stream = new StapledByteStream(send, receive);
    await stream.send(new Uint8Array([7]));
    await stream.sendEof();
    assert.ok(send.closed && !receive.closed);
    await assert.rejects(stream.send(new Uint8Array([8])), ClosedResourceError);
    assert.deepEqual([...(await stream.receive())], [1]);
    assert.deepEqual(send.written, [7]);
    await stream.close();
  });

  it("closes both streams on close", async () => {
    const send = new DummySend();
    const receive = new DummyReceive([]);
    await new StapledByteStream(send, receive).close();
    assert.ok(send.closed && receive.closed);
  });

  it("closes the receive stream even if closing the send stream fails", async () => {
    const send = new DummySend();
    send.close = async () => {
      throw new Error("boom");
    };
    const receive = new DummyReceive([]);
    await assert.rejects(new StapledByteStream(send, receive).close(), /boom/);
    assert.ok(receive.closed);
  });

  it("merges typed attributes, the receive stream's winning", async () => {
    const stream = new StapledByteStream(new DummySend(), new DummyReceive([]));
    assert.equal(stream.extra(name), "receive");
    assert.equal(stream.extra(side), "receive side");
    await stream.close();
  });

  it("rejects what is not a stream", () => {
    assert.throws(() => new StapledByteStream({} as never, new DummyReceive([])), TypeError);
  });
});

describe("StapledObjectStream", () => {
  it("delegates sendNowait to a send stream that has it", async () => {
    const [send, receive] = createMemoryObjectStream<number>(1);
    const stream = new StapledObjectStream(send, receive);
    stream.sendNowait(1);
    assert.throws(() => stream.sendNowait(2), WouldBlock);
    assert.equal(await stream.receive(), 1);
    await stream.close();
  });

  it("raises a TypeError from sendNowait when the send stream has none", async () => {
    class Plain extends ObjectSendStream<number> {
      async send(): Promise<void> {}
      async close(): Promise<void> {}
    }
    const [send, receive] = createMemoryObjectStream<number>(1);
    const stream = new StapledObjectStream(new Plain(), receive);
    assert.throws(() => stream.sendNowait(1), /has no sendNowait\(\)/);
    await stream.close();
    send.close();
  });

  it("lets an error from the send stream's sendNowait through", async () => {
    const [send, receive] = createMemoryObjectStream<number>(1);
    const failing = Object.assign(Object.create(send), {
      sendNowait() {
        throw new RangeError("inner");
      },
    });
    const stream = new StapledObjectStream(failing, receive);
    assert.throws(() => stream.sendNowait(1), /inner/);
    send.close();
    receive.close();
  });

  it("closes only the send stream on sendEof, and both on close", async () => {
    const [send, receive] = createMemoryObjectStream<number>(1);
    const stream = new StapledObjectStream(send, receive);
    await stream.sendEof();
    assert.throws(() => send.sendNowait(1), ClosedResourceError);
    await assert.rejects(stream.receive(), EndOfStream);
    await stream.close();
    assert.throws(() => receive.receiveNowait(), ClosedResourceError);
  });
});

describe("StapledByteStream conformance", () => {
  checkHalfCloseableStream(memoryBytePair, { kind: "bytes" });
});

describe("StapledObjectStream conformance", () => {
  checkHalfCloseableStream(
    () => {
      const [aSend, bReceive] = createMemoryObjectStream<unknown>();
      const [bSend, aReceive] = createMemoryObjectStream<unknown>();
      return [new StapledObjectStream(aSend, aReceive), new StapledObjectStream(bSend, bReceive)];
    },
    { kind: "object" },
  );
});
