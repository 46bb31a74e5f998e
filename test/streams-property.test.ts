/**
 * Property-based tests of memory object streams: producers and consumers on clones of one
 * stream, with random buffer sizes, `*Nowait` calls, cancellations and closes (of an end by its
 * own task, or by another task while it is blocked). Whatever happens:
 *
 * - every item whose `send` returned is received exactly once, or is still in the buffer when
 *   every receiving end is gone;
 * - every item whose `send` threw is never received (it was reported back to its sender);
 * - no item is received twice, and from one producer to one consumer order is kept;
 * - every task ends, and nothing is left parked (the harness checks that too).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  Cancelled,
  CancelScope,
  checkpoint,
  createMemoryObjectStream,
  type MemoryObjectReceiveStream,
  type MemoryObjectSendStream,
  WouldBlock,
  withTaskGroup,
} from "../src/index.js";
import { describe, it } from "./harness.js";

interface ProducerPlan {
  items: number;
  /** Which sends use `sendNowait` (cycled). */
  nowait: boolean[];
  /** Close its own end before this send, or never. */
  closeBefore: number | null;
  /** Checkpoints to pass before each send (cycled), so tasks interleave in many ways. */
  pauses: number[];
}

interface ConsumerPlan {
  /** Which receives use `receiveNowait` (cycled). */
  nowait: boolean[];
  /** Close its own end after this many items, or never. */
  closeAfter: number | null;
  /** Checkpoints to pass before each receive (cycled). */
  pauses: number[];
}

interface ChaosStep {
  kind: "cancel" | "close";
  role: "producer" | "consumer";
  index: number;
  /** Checkpoints the chaos task passes before acting. */
  after: number;
}

interface Plan {
  buffer: number;
  producers: ProducerPlan[];
  consumers: ConsumerPlan[];
  /** One more consumer that is never cancelled nor closed early. */
  reliable: boolean;
  chaos: ChaosStep[];
}

const producerPlan: fc.Arbitrary<ProducerPlan> = fc.record({
  items: fc.integer({ min: 0, max: 12 }),
  nowait: fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
  closeBefore: fc.option(fc.integer({ min: 0, max: 12 }), { freq: 4 }),
  pauses: fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 4 }),
});

const consumerPlan: fc.Arbitrary<ConsumerPlan> = fc.record({
  nowait: fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
  closeAfter: fc.option(fc.integer({ min: 0, max: 12 }), { freq: 4 }),
  pauses: fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 4 }),
});

const plan: fc.Arbitrary<Plan> = fc.record({
  buffer: fc.constantFrom(0, 0, 1, 3, Number.POSITIVE_INFINITY),
  producers: fc.array(producerPlan, { minLength: 1, maxLength: 4 }),
  consumers: fc.array(consumerPlan, { maxLength: 3 }),
  reliable: fc.boolean(),
  chaos: fc.array(
    fc.record({
      kind: fc.constantFrom("cancel" as const, "close" as const),
      role: fc.constantFrom("producer" as const, "consumer" as const),
      index: fc.nat({ max: 3 }),
      after: fc.nat({ max: 12 }),
    }),
    { maxLength: 5 },
  ),
});

interface Outcome {
  sentOk: Set<number>;
  failed: Set<number>;
  received: number[];
  /** What each consumer received, in order. */
  byConsumer: number[][];
  leftover: number;
  finalStats: ReturnType<MemoryObjectSendStream<number>["statistics"]>;
}

async function pause(checkpoints: number): Promise<void> {
  for (let n = 0; n < checkpoints; n++) await checkpoint();
}

async function execute(p: Plan): Promise<Outcome> {
  const [send, receive] = createMemoryObjectStream<number>(p.buffer);
  const sentOk = new Set<number>();
  const failed = new Set<number>();
  const received: number[] = [];
  const byConsumer: number[][] = [];
  const producerScopes: CancelScope[] = [];
  const producerEnds: MemoryObjectSendStream<number>[] = [];
  const consumerScopes: CancelScope[] = [];
  const consumerEnds: MemoryObjectReceiveStream<number>[] = [];

  const producer = async (i: number, plan: ProducerPlan, end: MemoryObjectSendStream<number>) => {
    using _ = end;
    for (let k = 0; k < plan.items; k++) {
      await pause(plan.pauses[k % plan.pauses.length] as number);
      if (plan.closeBefore === k) end.close();
      const item = i * 1000 + k;
      try {
        if (plan.nowait[k % plan.nowait.length]) end.sendNowait(item);
        else await end.send(item);
        sentOk.add(item);
      } catch (error) {
        failed.add(item);
        if (error instanceof WouldBlock) {
          await checkpoint();
          continue;
        }
        if (error instanceof Cancelled) throw error;
        return; // closed or broken: this producer is done
      }
    }
  };

  const consumer = async (
    plan: ConsumerPlan,
    end: MemoryObjectReceiveStream<number>,
    got: number[],
  ) => {
    using _ = end;
    for (let k = 0; ; k++) {
      await pause(plan.pauses[k % plan.pauses.length] as number);
      if (plan.closeAfter === got.length) end.close();
      let item: number;
      try {
        item = plan.nowait[k % plan.nowait.length] ? end.receiveNowait() : await end.receive();
      } catch (error) {
        if (error instanceof WouldBlock) {
          await checkpoint();
          continue;
        }
        if (error instanceof Cancelled) throw error;
        return; // end of stream, or closed
      }
      got.push(item);
      received.push(item);
    }
  };

  await withTaskGroup(async (tg) => {
    p.producers.forEach((plan, i) => {
      const end = send.clone();
      const scope = new CancelScope();
      producerEnds.push(end);
      producerScopes.push(scope);
      tg.startSoon(() => scope.run(() => producer(i, plan, end)));
    });
    const consumers: ConsumerPlan[] = [...p.consumers];
    if (p.reliable) consumers.push({ nowait: [false], closeAfter: null, pauses: [0] });
    consumers.forEach((plan, j) => {
      const end = receive.clone();
      const scope = new CancelScope();
      const got: number[] = [];
      byConsumer.push(got);
      if (j < p.consumers.length) {
        consumerEnds.push(end);
        consumerScopes.push(scope);
      }
      tg.startSoon(() => scope.run(() => consumer(plan, end, got)));
    });
    send.close();
    receive.close();
    tg.startSoon(async () => {
      for (const step of p.chaos) {
        for (let n = 0; n < step.after; n++) await checkpoint();
        const scopes = step.role === "producer" ? producerScopes : consumerScopes;
        const ends = step.role === "producer" ? producerEnds : consumerEnds;
        if (scopes.length === 0) continue;
        const index = step.index % scopes.length;
        if (step.kind === "cancel") scopes[index]?.cancel("chaos");
        else ends[index]?.close();
      }
    });
  });

  const finalStats = send.statistics();
  return {
    sentOk,
    failed,
    received,
    byConsumer,
    leftover: finalStats.currentBufferUsed,
    finalStats,
  };
}

describe("memory object stream properties", () => {
  it(
    "every item sent is received exactly once or reported back to its sender, and every task ends",
    async () => {
      await fc.assert(
        fc.asyncProperty(plan, async (p) => {
          const out = await execute(p);
          assert.equal(
            new Set(out.received).size,
            out.received.length,
            "an item was received twice",
          );
          for (const item of out.received) {
            assert.ok(
              out.sentOk.has(item),
              `item ${item} was received but its send failed or never ran`,
            );
          }
          for (const item of out.failed) {
            assert.ok(!out.sentOk.has(item), `item ${item} both sent and failed`);
          }
          // What was sent but not received can only be in the buffer, left there when every
          // receiving end was gone.
          const undelivered = [...out.sentOk].filter((item) => !out.received.includes(item));
          assert.equal(undelivered.length, out.leftover, "an item was lost");
          if (p.reliable) assert.equal(out.leftover, 0, "the reliable consumer left items behind");
          assert.deepEqual(out.finalStats, {
            currentBufferUsed: out.leftover,
            maxBufferSize: p.buffer,
            openSendStreams: 0,
            openReceiveStreams: 0,
            tasksWaitingSend: 0,
            tasksWaitingReceive: 0,
          });
          // From one producer to one consumer, order is kept.
          for (const got of out.byConsumer) {
            const last = new Map<number, number>();
            for (const item of got) {
              const producer = Math.floor(item / 1000);
              assert.ok((last.get(producer) ?? -1) < item, `order broken: ${got.join()}`);
              last.set(producer, item);
            }
          }
        }),
        { numRuns: 200 },
      );
    },
    { timeout: 60_000 },
  );
});
