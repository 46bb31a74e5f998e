/**
 * Property-based test of TLS streams: messages of random sizes one way, received with random
 * `maxBytes`, and receives cancelled at random points (after a random number of checkpoints of
 * a chaos task). Whatever happens, the bytes received are exactly the bytes sent, in order
 * (a cancelled receive loses nothing and never duplicates), and nothing is left open.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { CancelScope, checkpoint, withTaskGroup } from "../src/index.js";
import { tlsPair } from "./_support/tls.js";
import { describe, it } from "./harness.js";

const plan = fc.record({
  transport: fc.constantFrom("memory" as const, "tcp" as const),
  sizes: fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 6 }),
  maxBytes: fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 4 }),
  /** Per receive (cycled): cancel it after this many checkpoints, or not at all (null). */
  cancelAfter: fc.array(fc.option(fc.nat(8), { nil: null }), { minLength: 1, maxLength: 5 }),
});

function payload(sizes: number[]): Uint8Array {
  const total = sizes.reduce((a, b) => a + b, 0);
  return Uint8Array.from({ length: total }, (_, i) => (i * 31 + (i >> 8)) % 256);
}

describe("TLS stream properties", () => {
  it(
    "bytes arrive exactly once and in order whatever receives are cancelled",
    async () => {
      await fc.assert(
        fc.asyncProperty(plan, async (p) => {
          const data = payload(p.sizes);
          const [client, server] = await tlsPair(p.transport);
          const received: Uint8Array[] = [];
          let total = 0;
          try {
            await withTaskGroup(async (tg) => {
              tg.startSoon(async () => {
                let offset = 0;
                for (const size of p.sizes) {
                  await client.send(data.subarray(offset, offset + size));
                  offset += size;
                }
              });
              for (let attempt = 0; total < data.length; attempt++) {
                const maxBytes = p.maxBytes[attempt % p.maxBytes.length] as number;
                // Every fourth receive runs uncancelled: a socket receive cancelled before the
                // event loop turns can never get data, so only such a receive makes progress.
                const after =
                  attempt % 4 === 3
                    ? null
                    : (p.cancelAfter[attempt % p.cancelAfter.length] ?? null);
                const scope = new CancelScope();
                await withTaskGroup(async (inner) => {
                  if (after !== null) {
                    inner.startSoon(async () => {
                      for (let i = 0; i < after; i++) await checkpoint();
                      scope.cancel();
                    });
                  }
                  await scope.run(async () => {
                    const chunk = await server.receive(maxBytes);
                    assert.ok(chunk.length >= 1 && chunk.length <= maxBytes);
                    received.push(chunk);
                    total += chunk.length;
                  });
                  inner.cancelScope.cancel();
                });
              }
            });
          } finally {
            await client.close();
            await server.close();
          }
          assert.equal(total, data.length);
          assert.deepEqual(Buffer.concat(received), Buffer.from(data));
        }),
        { numRuns: 60 },
      );
    },
    { timeout: 120_000 },
  );
});
