/**
 * Issue 7, item 6: a memory object stream carrying 1,000,000 items from one or four producers
 * to one consumer, with a buffer of 0 (every send a rendezvous) and of 100. Times are per item.
 *
 * The floor is a hand-written bounded queue with a sync fast path (bench/floors/bounded-queue.ts).
 * Ours runs in the floor's shape (plain async functions); `us-tasks` runs it as users write it,
 * in tasks of a group, and `floor-als` shows what the context carrier costs the floor alone.
 * Effect uses `Queue.bounded`; Effection has no bounded queue, so its row is a channel (each
 * subscriber buffers without bound) and is the same in both buffer sizes. The slow peers carry
 * fewer items, reported per item all the same.
 *
 * @module
 */
import { range, type Scenario } from "../harness.js";

const N = 1_000_000;

type Streams = typeof import("../../src/index.js");
type SendEnd = import("../../src/index.js").MemoryObjectSendStream<number>;
type ReceiveEnd = import("../../src/index.js").MemoryObjectReceiveStream<number>;

/** Receives until the end of the stream, with `receive()` as the floor does (no iterator). */
async function consume(streams: Streams, receive: ReceiveEnd): Promise<void> {
  try {
    for (;;) await receive.receive();
  } catch (error) {
    if (!(error instanceof streams.EndOfStream)) throw error;
  }
}

/** Sends `count` items on its own clone, then closes it. */
async function produce(send: SendEnd, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await send.send(i);
  send.close();
}

function streamScenario(buffer: number, producers: number): Scenario {
  const share = (ops: number): number => Math.floor(ops / producers);
  return {
    name: `stream-b${buffer}-p${producers}`,
    item: 6,
    title: `memory stream, buffer ${buffer}, ${producers} producer${producers > 1 ? "s" : ""}`,
    measure: "time",
    unit: "µs/op",
    floor: "floor",
    target: { maxRatio: 1.5 },
    cases: [
      {
        // The same job in the same shape as the floor: plain async functions, no task group.
        name: "us",
        kind: "us",
        label: `createMemoryObjectStream(${buffer})`,
        ops: N,
        async prepare(ops) {
          const streams = await import("../../src/index.js");
          return async () => {
            const [send, receive] = streams.createMemoryObjectStream<number>(buffer);
            const consumer = consume(streams, receive);
            await Promise.all(range(producers).map(() => produce(send.clone(), share(ops))));
            send.close();
            await consumer;
            receive.close();
            return undefined;
          };
        },
      },
      {
        // As users write it: producers and consumer are tasks of one group. On Node 20 (and
        // Deno) every promise of a task pays for the context carrier: compare with floor-als.
        name: "us-tasks",
        kind: "shown",
        label: `createMemoryObjectStream(${buffer}), tasks of a group`,
        ops: N,
        async prepare(ops) {
          const streams = await import("../../src/index.js");
          return async () => {
            const [send, receive] = streams.createMemoryObjectStream<number>(buffer);
            await streams.withTaskGroup((tg) => {
              tg.startSoon(consume, streams, receive);
              for (let p = 0; p < producers; p++) tg.startSoon(produce, send.clone(), share(ops));
              send.close();
            });
            receive.close();
            return undefined;
          };
        },
      },
      {
        // What the context carrier alone costs the floor: each party in AsyncLocalStorage.run.
        name: "floor-als",
        kind: "shown",
        label: `hand-written bounded queue (${buffer}), each party in AsyncLocalStorage.run`,
        ops: N,
        async prepare(ops) {
          const { AsyncLocalStorage } = await import("node:async_hooks");
          const { BoundedQueue, DONE } = await import("../floors/bounded-queue.js");
          const storage = new AsyncLocalStorage<object>();
          return async () => {
            const queue = new BoundedQueue<number>(buffer);
            const consumeQueue = async (): Promise<void> => {
              while ((await queue.receive()) !== DONE) {}
            };
            const produceQueue = async (count: number): Promise<void> => {
              for (let i = 0; i < count; i++) await queue.send(i);
            };
            const consumer = storage.run({}, consumeQueue);
            await Promise.all(
              range(producers).map((p) => storage.run({ p }, produceQueue, share(ops))),
            );
            queue.close();
            await consumer;
            return undefined;
          };
        },
      },
      {
        name: "floor",
        kind: "floor",
        label: `hand-written bounded queue (${buffer})`,
        ops: N,
        async prepare(ops) {
          const { BoundedQueue, DONE } = await import("../floors/bounded-queue.js");
          return async () => {
            const queue = new BoundedQueue<number>(buffer);
            const consume = async (): Promise<void> => {
              while ((await queue.receive()) !== DONE) {}
            };
            const produce = async (count: number): Promise<void> => {
              for (let i = 0; i < count; i++) await queue.send(i);
            };
            const consumer = consume();
            await Promise.all(range(producers).map(() => produce(share(ops))));
            queue.close();
            await consumer;
            return undefined;
          };
        },
      },
      {
        name: "effect",
        kind: "peer",
        label: `Effect Queue.bounded(${buffer})`,
        ops: 50_000,
        async prepare(ops) {
          const { Effect, Queue } = await import("effect");
          const each = share(ops);
          const program = Effect.gen(function* () {
            const queue = yield* Queue.bounded<number>(buffer);
            const producer = Effect.gen(function* () {
              for (let i = 0; i < each; i++) yield* Queue.offer(queue, i);
            });
            const consumer = Effect.gen(function* () {
              for (let i = 0; i < each * producers; i++) yield* Queue.take(queue);
            });
            yield* Effect.all([consumer, ...range(producers).map(() => producer)], {
              concurrency: "unbounded",
              discard: true,
            });
          });
          return async () => {
            await Effect.runPromise(program);
            return undefined;
          };
        },
      },
      {
        name: "effection",
        kind: "peer",
        label: "Effection channel (unbounded)",
        ops: 50_000,
        warmup: 1,
        reps: 3,
        async prepare(ops) {
          const { createChannel, run, spawn } = await import("effection");
          const each = share(ops);
          return async () => {
            await run(function* () {
              const channel = createChannel<number, void>();
              const subscription = yield* channel;
              const consumer = yield* spawn(function* () {
                for (let i = 0; i < each * producers; i++) yield* subscription.next();
              });
              const tasks = [];
              for (let p = 0; p < producers; p++) {
                tasks.push(
                  yield* spawn(function* () {
                    for (let i = 0; i < each; i++) yield* channel.send(i);
                  }),
                );
              }
              for (const task of tasks) yield* task;
              yield* consumer;
            });
            return undefined;
          };
        },
      },
    ],
  };
}

export const memoryStreams: readonly Scenario[] = [
  streamScenario(0, 1),
  streamScenario(100, 1),
  streamScenario(0, 4),
  streamScenario(100, 4),
];
