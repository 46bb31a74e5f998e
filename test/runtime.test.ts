/**
 * The runtime seam (src/backends/runtime.ts): it names the runtime the suite runs on, and its
 * capabilities agree with what the networking tests see of each runtime.
 */
import assert from "node:assert/strict";
import { capabilities, nodeVersion, runtimeName } from "../src/backends/runtime.js";
import { describe, it } from "./harness.js";

const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };

describe("runtime", () => {
  it("names the runtime it runs on", () => {
    const expected = g.Bun !== undefined ? "bun" : g.Deno !== undefined ? "deno" : "node";
    assert.equal(runtimeName, expected);
  });

  it("reads the Node.js version the runtime implements", () => {
    const [major, minor] = process.versions.node.split(".").map(Number);
    assert.deepEqual(nodeVersion, [major, minor]);
    assert.ok((nodeVersion[0] as number) >= 20, `Node.js ${nodeVersion.join(".")} is below 20`);
  });

  it("says where reusePort and TLS sends after the peer's close_notify work", () => {
    // What the tcp, udp and tls tests check on each runtime, in one place.
    const linux = process.platform === "linux";
    const expected = {
      node20: {
        tcpReusePort: false,
        udpReusePort: false,
        tlsSendAfterPeerEof: true,
        cheapQueueMicrotask: false,
      },
      node24: {
        tcpReusePort: linux,
        udpReusePort: linux,
        tlsSendAfterPeerEof: true,
        cheapQueueMicrotask: false,
      },
      bun: {
        tcpReusePort: false,
        udpReusePort: linux,
        tlsSendAfterPeerEof: false,
        cheapQueueMicrotask: true,
      },
      deno: {
        tcpReusePort: false,
        udpReusePort: false,
        tlsSendAfterPeerEof: true,
        cheapQueueMicrotask: false,
      },
    };
    // The suite runs on Node 20 and 24; another Node.js needs its line here.
    const key = (
      runtimeName === "node" ? `node${nodeVersion[0]}` : runtimeName
    ) as keyof typeof expected;
    assert.ok(key in expected, `no expectation for ${key}`);
    assert.deepEqual({ ...capabilities }, expected[key]);
  });
});
