import assert from "node:assert/strict";
import {
  createMemoryObjectStream,
  EndOfStream,
  StapledObjectStream,
  TextReceiveStream,
  TextSendStream,
  TextStream,
} from "../src/index.js";
import { memoryBytePair } from "./_support/memory-byte-streams.js";
import { checkHalfCloseableStream, checkOneWayStream } from "./_support/stream-conformance.js";
import { describe, it } from "./harness.js";

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("TextReceiveStream", () => {
  it("holds back a character split across chunks until it is complete", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(10);
    const bytes = encode("åäö");
    send.sendNowait(bytes.subarray(0, 3)); // "å" and half of "ä"
    send.sendNowait(bytes.subarray(3, 4)); // the rest of "ä"
    send.sendNowait(bytes.subarray(4, 5)); // half of "ö": nothing to return yet
    send.sendNowait(bytes.subarray(5));
    send.close();
    const text = new TextReceiveStream(receive);
    assert.equal(await text.receive(), "å");
    assert.equal(await text.receive(), "ä");
    assert.equal(await text.receive(), "ö");
    await assert.rejects(text.receive(), EndOfStream);
    await text.close();
  });

  it("raises a TypeError on invalid bytes by default", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(10);
    send.sendNowait(new Uint8Array([0x61, 0xff, 0x62]));
    const text = new TextReceiveStream(receive);
    await assert.rejects(text.receive(), new TypeError("The stream's bytes are not valid utf-8"));
    send.close();
    await text.close();
  });

  it("replaces invalid bytes with U+FFFD under errors: replace, also at the end", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(10);
    send.sendNowait(new Uint8Array([0x61, 0xff, 0x62, 0xc3]));
    send.close();
    const text = new TextReceiveStream(receive, { errors: "replace" });
    assert.equal(await text.receive(), "a\uFFFDb");
    assert.equal(await text.receive(), "\uFFFD"); // the dangling lead byte at the end
    await assert.rejects(text.receive(), EndOfStream);
    await text.close();
  });

  it("raises a TypeError for an incomplete character at the end under strict", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(10);
    send.sendNowait(new Uint8Array([0x61, 0xc3]));
    send.close();
    const text = new TextReceiveStream(receive);
    assert.equal(await text.receive(), "a");
    await assert.rejects(text.receive(), TypeError);
    await text.close();
  });

  it("decodes other encodings", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(10);
    send.sendNowait(new Uint8Array([0x68, 0x00, 0x69]));
    send.sendNowait(new Uint8Array([0x00]));
    send.close();
    const text = new TextReceiveStream(receive, { encoding: "utf-16le" });
    assert.equal(text.encoding, "utf-16le");
    assert.equal(await text.receive(), "h");
    assert.equal(await text.receive(), "i");
    await text.close();
  });

  it("rejects bad options and transports", () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>();
    assert.throws(() => new TextReceiveStream(receive, { encoding: "klingon" }), RangeError);
    assert.throws(
      () => new TextReceiveStream(receive, { errors: "ignore" as "strict" }),
      /errors must be "strict" or "replace", got "ignore"/,
    );
    assert.throws(() => new TextReceiveStream({} as never), TypeError);
    send.close();
    receive.close();
  });

  it("has no typed attributes over a memory stream", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>();
    const text = new TextReceiveStream(receive);
    assert.equal(text.extraAttributes.size, 0);
    send.close();
    await text.close();
  });
});

describe("TextSendStream", () => {
  it("encodes to UTF-8", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(10);
    const text = new TextSendStream(send);
    await text.send("åäö");
    assert.deepEqual(receive.receiveNowait(), encode("åäö"));
    await text.close();
    receive.close();
  });

  it("raises a TypeError for a lone surrogate by default, and sends ? under errors: replace", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(10);
    await assert.rejects(new TextSendStream(send).send("a\uDC00"), /lone surrogate .*index 1/);
    await new TextSendStream(send, { errors: "replace" }).send("\uD800a\uDC00b\uD83D\uDE00");
    assert.equal(new TextDecoder().decode(receive.receiveNowait()), "?a?b😀");
    send.close();
    receive.close();
  });

  it("rejects an encoding other than UTF-8, and non-strings", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(10);
    assert.throws(
      () => new TextSendStream(send, { encoding: "latin1" as "utf-8" }),
      /only encodes utf-8, got "latin1"/,
    );
    await assert.rejects(new TextSendStream(send).send(5 as unknown as string), TypeError);
    send.close();
    receive.close();
  });
});

describe("TextStream", () => {
  it("sends and receives text both ways", async () => {
    const [a, b] = memoryBytePair();
    const left = new TextStream(a);
    const right = new TextStream(b);
    await Promise.all([left.send("hallå"), right.receive().then((t) => assert.equal(t, "hallå"))]);
    await Promise.all([
      right.send("världen"),
      left.receive().then((t) => assert.equal(t, "världen")),
    ]);
    await left.close();
    await right.close();
  });

  it("passes the transport's typed attributes through", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(10);
    const stream = new TextStream(new StapledObjectStream(send, receive));
    assert.equal(stream.extraAttributes.size, 0);
    await stream.close();
  });
});

describe("TextReceiveStream and TextSendStream conformance", () => {
  checkOneWayStream(
    () => {
      const [send, receive] = createMemoryObjectStream<Uint8Array>();
      return { send: new TextSendStream(send), receive: new TextReceiveStream(receive) };
    },
    { kind: "text", singleReader: false },
  );
});

describe("TextStream conformance", () => {
  checkHalfCloseableStream(
    () => {
      const [a, b] = memoryBytePair();
      return [new TextStream(a), new TextStream(b)];
    },
    { kind: "text" },
  );
});
