/**
 * The stream conformance checks, in the spirit of Trio's `check_one_way_stream`,
 * `check_two_way_stream` and `check_half_closeable_stream`: given a factory for a connected
 * pair, each registers (inside the caller's `describe`) the tests every stream of that shape
 * must pass. Every stream class of the library runs them; sockets, TLS and process pipes will
 * too.
 *
 * - {@link checkOneWayStream}: a send side and a receive side.
 * - {@link checkTwoWayStream}: two connected two-way streams (the one-way checks in each
 *   direction, plus traffic both ways at once).
 * - {@link checkHalfCloseableStream}: two-way streams with `sendEof()`.
 * - {@link checkReceiveStream} / {@link checkSendStream}: one side only, for sources and sinks
 *   that have no peer in the process (files).
 *
 * Items depend on the kind of stream: objects are compared one by one; bytes and text are
 * compared as concatenations, since a byte stream may cut or merge chunks.
 */
import assert from "node:assert/strict";
import {
  BrokenResourceError,
  BusyResourceError,
  Cancelled,
  CancelScope,
  ClosedResourceError,
  EndOfStream,
  waitAllTasksBlocked,
  withTaskGroup,
} from "../../src/index.js";
import { describe, it } from "../harness.js";

/** What a stream carries. */
export type StreamKind = "object" | "bytes" | "text";

/** The sending side, as the checks use it. */
export interface SendSide {
  send(item: never): Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The receiving side, as the checks use it. */
export interface ReceiveSide {
  receive(maxBytes?: number): Promise<unknown>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
  [Symbol.asyncIterator](): AsyncIterator<unknown>;
}

/** A two-way stream, as the checks use it. */
export interface TwoWaySide extends SendSide, ReceiveSide {}

/** A two-way stream that can close its sending half. */
export interface HalfCloseableSide extends TwoWaySide {
  sendEof(): Promise<void>;
}

/** A connected one-way pair. */
export interface OneWayPair {
  readonly send: SendSide;
  readonly receive: ReceiveSide;
}

type Factory<P> = () => P | Promise<P>;

/** Options of the checks. */
export interface ConformanceOptions {
  /** What the stream carries. */
  kind: StreamKind;
  /**
   * Whether a second concurrent `receive()` throws `BusyResourceError`. When `false`, object
   * streams are checked to share items among concurrent receivers.
   * @default true for bytes and text, false for objects
   */
  singleReader?: boolean;
  /**
   * Whether a second concurrent `send()` throws `BusyResourceError` (checked by
   * {@link checkSendStream} only).
   * @default false
   */
  singleWriter?: boolean;
  /**
   * Whether sending after the receiving side closed throws `BrokenResourceError`.
   * @default true
   */
  brokenAfterReceiverCloses?: boolean;
}

// --- Items ------------------------------------------------------------------------------------

const encoder = new TextEncoder();

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** Items to send for each kind; bytes and text include a chunk larger than small reads. */
function sample(kind: StreamKind): unknown[] {
  switch (kind) {
    case "object":
      return [0, "one", { two: 2 }, [3], null, false];
    case "bytes":
      return [bytes(1, 2, 3), bytes(4), Uint8Array.from({ length: 300 }, (_, i) => i % 251)];
    case "text":
      return ["hello ", "wörld ", "🌍", "!", "x".repeat(300)];
  }
}

/** One item that is not in the sample. */
function other(kind: StreamKind): unknown {
  switch (kind) {
    case "object":
      return "other";
    case "bytes":
      return bytes(9, 9, 9);
    case "text":
      return "XYZ";
  }
}

function sizeOf(kind: StreamKind, item: unknown): number {
  if (kind === "bytes") return (item as Uint8Array).length;
  if (kind === "text") return (item as string).length;
  return 1;
}

function join(kind: StreamKind, items: unknown[]): unknown {
  if (kind === "object") return items;
  if (kind === "text") return items.join("");
  const total = items.reduce<number>((n, c) => n + (c as Uint8Array).length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of items) {
    out.set(c as Uint8Array, offset);
    offset += (c as Uint8Array).length;
  }
  return out;
}

function assertChunkKind(kind: StreamKind, chunk: unknown): void {
  if (kind === "bytes") {
    assert.ok(chunk instanceof Uint8Array, `expected a Uint8Array, got ${String(chunk)}`);
    assert.ok(chunk.length > 0, "a byte stream must never return an empty chunk");
  } else if (kind === "text") {
    assert.equal(typeof chunk, "string");
    assert.ok((chunk as string).length > 0, "a text stream must never return an empty string");
  }
}

/** Receives until as much as `expected` holds has arrived; returns the concatenation. */
async function receiveAs(kind: StreamKind, stream: ReceiveSide, expected: unknown[]) {
  const total = expected.reduce<number>((n, item) => n + sizeOf(kind, item), 0);
  const got: unknown[] = [];
  let size = 0;
  while (size < total) {
    const chunk = await stream.receive();
    assertChunkKind(kind, chunk);
    got.push(chunk);
    size += sizeOf(kind, chunk);
  }
  assert.equal(size, total, "received more than was sent");
  return join(kind, got);
}

async function sendAll(stream: SendSide, items: unknown[]): Promise<void> {
  for (const item of items) await stream.send(item as never);
}

/** Runs `body` with a fresh pair, closing both sides afterwards whatever happens. */
async function withPair<P extends object>(
  make: Factory<P>,
  body: (pair: P) => Promise<void>,
): Promise<void> {
  const pair = await make();
  try {
    await body(pair);
  } finally {
    for (const side of Object.values(pair)) {
      if (typeof (side as SendSide)?.close === "function") await (side as SendSide).close();
    }
  }
}

function defaults(options: ConformanceOptions): Required<ConformanceOptions> {
  return {
    kind: options.kind,
    singleReader: options.singleReader ?? options.kind !== "object",
    singleWriter: options.singleWriter ?? false,
    brokenAfterReceiverCloses: options.brokenAfterReceiverCloses ?? true,
  };
}

// --- One-way ----------------------------------------------------------------------------------

/** Registers the checks every one-way stream pair must pass. */
export function checkOneWayStream(make: Factory<OneWayPair>, options: ConformanceOptions): void {
  const { kind, singleReader, brokenAfterReceiverCloses } = defaults(options);
  const items = sample(kind);

  it("delivers what is sent, in order", () =>
    withPair(make, async ({ send, receive }) => {
      await withTaskGroup(async (tg) => {
        tg.startSoon(sendAll, send, items);
        assert.deepEqual(await receiveAs(kind, receive, items), join(kind, items));
      });
    }));

  it("raises EndOfStream on receive, again and again, once the sending side closes", () =>
    withPair(make, async ({ send, receive }) => {
      await withTaskGroup(async (tg) => {
        tg.startSoon(async () => {
          await sendAll(send, items.slice(0, 2));
          await send.close();
        });
        assert.deepEqual(
          await receiveAs(kind, receive, items.slice(0, 2)),
          join(kind, items.slice(0, 2)),
        );
        await assert.rejects(receive.receive(), EndOfStream);
        await assert.rejects(receive.receive(), EndOfStream);
      });
    }));

  it("raises ClosedResourceError on send once the sending side is closed; closing twice is harmless", () =>
    withPair(make, async ({ send }) => {
      await send.close();
      await send.close();
      await assert.rejects(send.send(items[0] as never), ClosedResourceError);
    }));

  it("raises ClosedResourceError on receive once the receiving side is closed; closing twice is harmless", () =>
    withPair(make, async ({ receive }) => {
      await receive.close();
      await receive.close();
      await assert.rejects(receive.receive(), ClosedResourceError);
    }));

  if (brokenAfterReceiverCloses) {
    it("raises BrokenResourceError on send once the receiving side is closed", () =>
      withPair(make, async ({ send, receive }) => {
        await receive.close();
        await assert.rejects(sendAll(send, items), BrokenResourceError);
      }));
  }

  it("closes with await using", () =>
    withPair(make, async ({ send, receive }) => {
      {
        await using _send = send;
        await using _receive = receive;
      }
      await assert.rejects(send.send(items[0] as never), ClosedResourceError);
      await assert.rejects(receive.receive(), ClosedResourceError);
    }));

  it("wakes a blocked receiver with EndOfStream when the sending side closes", () =>
    withPair(make, async ({ send, receive }) => {
      await withTaskGroup(async (tg) => {
        tg.startSoon(() => assert.rejects(receive.receive(), EndOfStream));
        await waitAllTasksBlocked();
        await send.close();
      });
    }));

  it("wakes a blocked receiver with ClosedResourceError when the receiving side closes", () =>
    withPair(make, async ({ receive }) => {
      await withTaskGroup(async (tg) => {
        tg.startSoon(() => assert.rejects(receive.receive(), ClosedResourceError));
        await waitAllTasksBlocked();
        await receive.close();
      });
    }));

  it("throws Cancelled from receive in a cancelled scope and takes nothing", () =>
    withPair(make, async ({ send, receive }) => {
      await withTaskGroup(async (tg) => {
        tg.startSoon(sendAll, send, items.slice(0, 1));
        await waitAllTasksBlocked();
        const scope = new CancelScope();
        await scope.run(async () => {
          scope.cancel();
          await assert.rejects(receive.receive(), Cancelled);
        });
        assert.deepEqual(
          await receiveAs(kind, receive, items.slice(0, 1)),
          join(kind, items.slice(0, 1)),
        );
      });
    }));

  it("throws Cancelled from send in a cancelled scope and delivers nothing", () =>
    withPair(make, async ({ send, receive }) => {
      const scope = new CancelScope();
      await scope.run(async () => {
        scope.cancel();
        await assert.rejects(send.send(other(kind) as never), Cancelled);
      });
      await withTaskGroup(async (tg) => {
        tg.startSoon(sendAll, send, items);
        assert.deepEqual(await receiveAs(kind, receive, items), join(kind, items));
      });
    }));

  it("leaves no trace of a receive cancelled while it waits", () =>
    withPair(make, async ({ send, receive }) => {
      await withTaskGroup(async (tg) => {
        const scope = new CancelScope();
        tg.startSoon(() => scope.run(() => receive.receive()));
        await waitAllTasksBlocked();
        scope.cancel();
        await waitAllTasksBlocked();
        assert.ok(scope.cancelledCaught);
        tg.startSoon(sendAll, send, items);
        assert.deepEqual(await receiveAs(kind, receive, items), join(kind, items));
      });
    }));

  it("iterates with for await until the sending side closes", () =>
    withPair(make, async ({ send, receive }) => {
      const got: unknown[] = [];
      await withTaskGroup(async (tg) => {
        tg.startSoon(async () => {
          await sendAll(send, items);
          await send.close();
        });
        for await (const chunk of receive as AsyncIterable<unknown>) {
          assertChunkKind(kind, chunk);
          got.push(chunk);
        }
      });
      assert.deepEqual(join(kind, got), join(kind, items));
    }));

  if (singleReader) {
    it("raises BusyResourceError from a second concurrent receive", () =>
      withPair(make, async ({ send, receive }) => {
        await withTaskGroup(async (tg) => {
          tg.startSoon(async () => {
            assert.deepEqual(
              await receiveAs(kind, receive, items.slice(0, 1)),
              join(kind, items.slice(0, 1)),
            );
          });
          await waitAllTasksBlocked();
          await assert.rejects(receive.receive(), BusyResourceError);
          await sendAll(send, items.slice(0, 1));
        });
      }));
  } else if (kind === "object") {
    it("lets several tasks receive at once, each item going to one of them", () =>
      withPair(make, async ({ send, receive }) => {
        const got: unknown[] = [];
        await withTaskGroup(async (tg) => {
          for (let i = 0; i < 3; i++) {
            tg.startSoon(async () => {
              for await (const item of receive as AsyncIterable<unknown>) got.push(item);
            });
          }
          await waitAllTasksBlocked();
          await sendAll(send, items);
          await send.close();
        });
        assert.deepEqual(new Set(got), new Set(items));
        assert.equal(got.length, items.length);
      }));
  }

  if (kind === "bytes") checkMaxBytes(make);
}

function checkMaxBytes(make: Factory<OneWayPair>): void {
  it("rejects a maxBytes that is not a positive integer", () =>
    withPair(make, async ({ receive }) => {
      await assert.rejects(
        receive.receive(0),
        new RangeError("maxBytes must be a positive integer, got 0"),
      );
      await assert.rejects(receive.receive(-1), RangeError);
      await assert.rejects(receive.receive(1.5), /got 1\.5/);
    }));

  it("returns at most maxBytes, and the rest later", () =>
    withPair(make, async ({ send, receive }) => {
      const data = encoder.encode("0123456789");
      await withTaskGroup(async (tg) => {
        tg.startSoon(() => send.send(data as never));
        const first = (await receive.receive(3)) as Uint8Array;
        assert.ok(first.length >= 1 && first.length <= 3, `got ${first.length} bytes`);
        const rest = await receiveAs("bytes", receive, [data.subarray(first.length)]);
        assert.deepEqual(join("bytes", [first, rest]), data);
      });
    }));
}

// --- Two-way ----------------------------------------------------------------------------------

/** Registers the checks every connected pair of two-way streams must pass. */
export function checkTwoWayStream(
  make: Factory<readonly [TwoWaySide, TwoWaySide]>,
  options: ConformanceOptions,
): void {
  const { kind } = options;
  const items = sample(kind);
  const forward = async (): Promise<OneWayPair> => {
    const [a, b] = await make();
    return { send: a, receive: b };
  };
  const backward = async (): Promise<OneWayPair> => {
    const [a, b] = await make();
    return { send: b, receive: a };
  };
  describe("forward", () => checkOneWayStream(forward, options));
  describe("backward", () => checkOneWayStream(backward, options));

  it("carries traffic both ways at once", () =>
    withPair(
      async () => {
        const [a, b] = await make();
        return { a, b };
      },
      async ({ a, b }) => {
        await withTaskGroup(async (tg) => {
          tg.startSoon(sendAll, a, items);
          tg.startSoon(sendAll, b, items);
          tg.startSoon(async () => {
            assert.deepEqual(await receiveAs(kind, a, items), join(kind, items));
          });
          assert.deepEqual(await receiveAs(kind, b, items), join(kind, items));
        });
      },
    ));
}

// --- Half-closeable ---------------------------------------------------------------------------

/** Registers the checks every pair of half-closeable streams must pass (and the two-way ones). */
export function checkHalfCloseableStream(
  make: Factory<readonly [HalfCloseableSide, HalfCloseableSide]>,
  options: ConformanceOptions,
): void {
  const { kind } = options;
  const items = sample(kind);
  checkTwoWayStream(make, options);
  const pair = async () => {
    const [a, b] = await make();
    return { a, b };
  };

  it("sendEof ends the peer's receive while the other direction still works", () =>
    withPair(pair, async ({ a, b }) => {
      await withTaskGroup(async (tg) => {
        tg.startSoon(async () => {
          await sendAll(a, items);
          await a.sendEof();
        });
        assert.deepEqual(await receiveAs(kind, b, items), join(kind, items));
        await assert.rejects(b.receive(), EndOfStream);
        tg.startSoon(sendAll, b, items);
        assert.deepEqual(await receiveAs(kind, a, items), join(kind, items));
      });
    }));

  it("raises ClosedResourceError on send after sendEof; sendEof twice is harmless", () =>
    withPair(pair, async ({ a }) => {
      await a.sendEof();
      await a.sendEof();
      await assert.rejects(a.send(items[0] as never), ClosedResourceError);
    }));
}

// --- One side only ----------------------------------------------------------------------------

/** A source: a receive stream and everything it will deliver before `EndOfStream`. */
export interface Source {
  readonly stream: ReceiveSide;
  readonly content: unknown[];
}

/** Registers the checks for a receive stream that has no peer in the process (a file). */
export function checkReceiveStream(make: Factory<Source>, options: ConformanceOptions): void {
  const { kind, singleReader } = defaults(options);
  const pair = async () => await make();

  it("delivers its content, then EndOfStream again and again", () =>
    withPair(pair, async ({ stream, content }) => {
      assert.deepEqual(await receiveAs(kind, stream, content), join(kind, content));
      await assert.rejects(stream.receive(), EndOfStream);
      await assert.rejects(stream.receive(), EndOfStream);
    }));

  it("iterates with for await until the end", () =>
    withPair(pair, async ({ stream, content }) => {
      const got: unknown[] = [];
      for await (const chunk of stream as AsyncIterable<unknown>) {
        assertChunkKind(kind, chunk);
        got.push(chunk);
      }
      assert.deepEqual(join(kind, got), join(kind, content));
    }));

  it("raises ClosedResourceError on receive once closed; closing twice is harmless", () =>
    withPair(pair, async ({ stream }) => {
      await stream.close();
      await stream.close();
      await assert.rejects(stream.receive(), ClosedResourceError);
    }));

  it("throws Cancelled from receive in a cancelled scope and takes nothing", () =>
    withPair(pair, async ({ stream, content }) => {
      const scope = new CancelScope();
      await scope.run(async () => {
        scope.cancel();
        await assert.rejects(stream.receive(), Cancelled);
      });
      assert.deepEqual(await receiveAs(kind, stream, content), join(kind, content));
    }));

  if (singleReader) {
    it("raises BusyResourceError from a second concurrent receive", () =>
      withPair(pair, async ({ stream }) => {
        const first = stream.receive();
        await assert.rejects(stream.receive(), BusyResourceError);
        await first;
      }));
  }

  if (kind === "bytes") {
    it("rejects a maxBytes that is not a positive integer", () =>
      withPair(pair, async ({ stream }) => {
        await assert.rejects(
          stream.receive(0),
          new RangeError("maxBytes must be a positive integer, got 0"),
        );
        await assert.rejects(stream.receive(2.5), RangeError);
      }));

    it("returns at most maxBytes, and the rest later", () =>
      withPair(pair, async ({ stream, content }) => {
        const first = (await stream.receive(3)) as Uint8Array;
        assert.ok(first.length >= 1 && first.length <= 3, `got ${first.length} bytes`);
        const all = join(kind, content) as Uint8Array;
        const rest = await receiveAs(kind, stream, [all.subarray(first.length)]);
        assert.deepEqual(join(kind, [first, rest]), all);
      }));
  }
}

/** A sink: a send stream and a way to read back what reached its destination. */
export interface Sink {
  readonly stream: SendSide;
  /** Everything written so far, read from the destination (after the stream is closed). */
  written(): Promise<unknown>;
}

/** Registers the checks for a send stream that has no peer in the process (a file). */
export function checkSendStream(make: Factory<Sink>, options: ConformanceOptions): void {
  const { kind, singleWriter } = defaults(options);
  const items = sample(kind);
  const pair = async () => await make();

  it("writes what is sent, in order", () =>
    withPair(pair, async ({ stream, written }) => {
      await sendAll(stream, items);
      await stream.close();
      assert.deepEqual(await written(), join(kind, items));
    }));

  it("raises ClosedResourceError on send once closed; closing twice is harmless", () =>
    withPair(pair, async ({ stream }) => {
      await stream.close();
      await stream.close();
      await assert.rejects(stream.send(items[0] as never), ClosedResourceError);
    }));

  it("throws Cancelled from send in a cancelled scope and writes nothing", () =>
    withPair(pair, async ({ stream, written }) => {
      const scope = new CancelScope();
      await scope.run(async () => {
        scope.cancel();
        await assert.rejects(stream.send(other(kind) as never), Cancelled);
      });
      await sendAll(stream, items);
      await stream.close();
      assert.deepEqual(await written(), join(kind, items));
    }));

  if (singleWriter) {
    it("raises BusyResourceError from a second concurrent send", () =>
      withPair(pair, async ({ stream }) => {
        const first = stream.send(items[0] as never);
        await assert.rejects(stream.send(items[1] as never), BusyResourceError);
        await first;
      }));
  }
}
