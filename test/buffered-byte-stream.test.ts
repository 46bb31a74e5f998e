import assert from "node:assert/strict";
import {
  BufferedByteReceiveStream,
  BufferedByteStream,
  BusyResourceError,
  CancelScope,
  ClosedResourceError,
  createMemoryObjectStream,
  DelimiterNotFound,
  EndOfStream,
  IncompleteRead,
  moveOnAfter,
  StapledObjectStream,
  waitAllTasksBlocked,
  withTaskGroup,
} from "../src/index.js";
import { checkOneWayStream } from "./_support/stream-conformance.js";
import { describe, it } from "./harness.js";

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** A buffered stream over a memory stream already holding `chunks`, and the send end. */
function over(chunks: string[], close = true) {
  const [send, receive] = createMemoryObjectStream<Uint8Array>(Number.POSITIVE_INFINITY);
  for (const chunk of chunks) send.sendNowait(encode(chunk));
  if (close) send.close();
  return { send, stream: new BufferedByteReceiveStream(receive) };
}

describe("BufferedByteReceiveStream", () => {
  it("receives exactly the asked number of bytes across chunks", async () => {
    const { stream } = over(["abcd", "efgh", "ij"]);
    const first = await stream.receiveExactly(8);
    assert.ok(first instanceof Uint8Array);
    assert.equal(decode(first), "abcdefgh");
    assert.equal(decode(await stream.receiveExactly(2)), "ij");
    await stream.close();
  });

  it("raises IncompleteRead when the stream ends before receiveExactly is done, keeping what it read", async () => {
    const { stream } = over(["abcd", "efgh"]);
    await assert.rejects(stream.receiveExactly(16), IncompleteRead);
    assert.equal(decode(stream.buffer), "abcdefgh");
    await stream.close();
  });

  it("receives until a delimiter that spans two chunks, and continues after it", async () => {
    const { stream } = over(["abcd\r", "\nefgh\r\nij", "kl\r\n"]);
    assert.equal(decode(await stream.receiveUntil(encode("\r\n"), 100)), "abcd");
    assert.equal(decode(await stream.receiveUntil(encode("\r\n"), 100)), "efgh");
    assert.equal(decode(await stream.receiveUntil(encode("\r\n"), 100)), "ijkl");
    await stream.close();
  });

  it("raises IncompleteRead when the stream ends before the delimiter, keeping what it read", async () => {
    const { stream } = over(["ab", "cd"]);
    await assert.rejects(stream.receiveUntil(encode("\r\n"), 100), IncompleteRead);
    assert.equal(decode(stream.buffer), "abcd");
    await stream.close();
  });

  it("raises DelimiterNotFound once maxBytes are buffered without the delimiter", async () => {
    const { stream } = over(["abcdef", "ghij"]);
    await assert.rejects(stream.receiveUntil(encode("\n"), 5), (e: unknown) => {
      assert.ok(e instanceof DelimiterNotFound);
      assert.equal(e.maxBytes, 5);
      assert.match(e.message, /first 5 bytes/);
      return true;
    });
    assert.equal(decode(stream.buffer), "abcdef");
    await stream.close();
  });

  it("serves the buffer first, at most maxBytes at a time", async () => {
    const { stream } = over(["abcdef"]);
    assert.equal(decode(await stream.receive(2)), "ab");
    assert.equal(decode(stream.buffer), "cdef");
    assert.equal(decode(await stream.receive(3)), "cde");
    assert.equal(decode(await stream.receive()), "f");
    await assert.rejects(stream.receive(), EndOfStream);
    await stream.close();
  });

  it("reads fed data before what is still pending in the wrapped stream", async () => {
    const { stream } = over(["abcd"]);
    stream.feedData(encode("xxx"));
    stream.feedData([...encode("foo")]);
    assert.equal(decode(await stream.receiveExactly(10)), "xxxfooabcd");
    assert.throws(() => stream.feedData(5 as unknown as Uint8Array), TypeError);
    await stream.close();
  });

  it("rejects a maxBytes or nbytes that is not a valid count", async () => {
    const { stream } = over([]);
    await assert.rejects(
      stream.receive(0),
      new RangeError("maxBytes must be a positive integer, got 0"),
    );
    await assert.rejects(stream.receive(-1), RangeError);
    await assert.rejects(stream.receiveUntil(encode("\n"), 0), RangeError);
    await assert.rejects(stream.receiveUntil(new Uint8Array(0), 10), /delimiter must not be empty/);
    await assert.rejects(
      stream.receiveExactly(-1),
      /nbytes must be a non-negative integer, got -1/,
    );
    assert.equal((await stream.receiveExactly(0)).length, 0);
    await stream.close();
  });

  it("raises ClosedResourceError after close", async () => {
    const { stream } = over(["abc"]);
    await stream.close();
    await assert.rejects(stream.receive(), ClosedResourceError);
    await assert.rejects(stream.receiveExactly(1), ClosedResourceError);
    await assert.rejects(stream.receiveUntil(encode("b"), 10), ClosedResourceError);
  });

  it("takes nothing from the buffer in a cancelled scope", async () => {
    const { stream } = over([]);
    stream.feedData(encode("abc"));
    const scope = new CancelScope();
    await scope.run(async () => {
      scope.cancel();
      await assert.rejects(stream.receive(), { name: "Cancelled" });
      await assert.rejects(stream.receiveExactly(2), { name: "Cancelled" });
      await assert.rejects(stream.receiveUntil(encode("b"), 10), { name: "Cancelled" });
    });
    assert.equal(decode(stream.buffer), "abc");
    await stream.close();
  });

  it("keeps what receiveExactly gathered when it is cancelled half-way", async () => {
    const { send, stream } = over(["abc"], false);
    const scope = moveOnAfter(5);
    await scope.run(() => stream.receiveExactly(6));
    assert.ok(scope.cancelledCaught);
    assert.equal(decode(stream.buffer), "abc");
    send.sendNowait(encode("def"));
    assert.equal(decode(await stream.receiveExactly(6)), "abcdef");
    send.close();
    await stream.close();
  });

  it("raises BusyResourceError when two tasks read at once", async () => {
    const { send, stream } = over([], false);
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => stream.receiveUntil(encode("\n"), 100));
      await waitAllTasksBlocked();
      await assert.rejects(stream.receive(), new BusyResourceError("reading from"));
      await assert.rejects(stream.receiveExactly(1), BusyResourceError);
      send.sendNowait(encode("line\n"));
    });
    send.close();
    await stream.close();
  });

  it("keeps the surplus of an object stream's chunk in the buffer", async () => {
    const { stream } = over(["abcdefgh"]);
    assert.equal(decode(await stream.receive(3)), "abc");
    assert.equal(decode(stream.buffer), "defgh");
    await stream.close();
  });

  it("passes the wrapped stream's typed attributes through", async () => {
    const { stream } = over([]);
    assert.equal(stream.extraAttributes, stream.receiveStream.extraAttributes);
    await stream.close();
  });
});

describe("BufferedByteStream", () => {
  it("closes only the sending side on sendEof, and both on close", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(10);
    const stream = new BufferedByteStream(new StapledObjectStream(send, receive));
    await stream.send(encode("hello"));
    await stream.sendEof();
    await assert.rejects(stream.send(encode("more")), ClosedResourceError);
    assert.equal(decode(await stream.receiveExactly(5)), "hello");
    await assert.rejects(stream.receive(), EndOfStream);
    await stream.close();
    await assert.rejects(receive.receive(), ClosedResourceError);
  });
});

describe("BufferedByteReceiveStream conformance", () => {
  checkOneWayStream(
    () => {
      const [send, receive] = createMemoryObjectStream<Uint8Array>();
      return { send, receive: new BufferedByteReceiveStream(receive) };
    },
    { kind: "bytes" },
  );
});
