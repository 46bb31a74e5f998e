/**
 * Which runtime this is, and what it can do where the three differ.
 *
 * This is the one module that looks at `globalThis.Bun`, `globalThis.Deno` and the Node.js
 * version: code elsewhere asks a question here ("can a TCP listener share its port?") instead
 * of sniffing the runtime itself, so a runtime that changes its behaviour changes one line.
 * Everything else goes through `node:` modules, which all three runtimes provide; a native
 * path for one runtime goes in only where a benchmark shows it wins (none does yet).
 *
 * @module
 */
import process from "node:process";

/** The runtimes the library runs on. */
export type RuntimeName = "node" | "bun" | "deno";

const g = globalThis as { Bun?: unknown; Deno?: unknown };

/** The runtime this process runs on. */
export const runtimeName: RuntimeName =
  g.Bun !== undefined ? "bun" : g.Deno !== undefined ? "deno" : "node";

/**
 * The Node.js version this runtime implements, as `[major, minor]` (Bun and Deno report the
 * version of Node.js they are compatible with).
 */
export const nodeVersion: readonly [number, number] = (() => {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  return [major, minor] as const;
})();

/** Whether Node.js itself (not Bun or Deno) has reached `major.minor`. */
function nodeAtLeast(major: number, minor: number): boolean {
  if (runtimeName !== "node") return false;
  const [m, n] = nodeVersion;
  return m > major || (m === major && n >= minor);
}

/** Node.js 22.12 and 23.1 brought `reusePort` to `net` and `dgram`. */
const nodeHasReusePort = nodeAtLeast(23, 1) || (nodeVersion[0] === 22 && nodeAtLeast(22, 12));

/** What this runtime can do, where the runtimes differ. */
export const capabilities = {
  /**
   * `server.listen({ reusePort })` is honoured: Node.js from 22.12 / 23.1, on Linux; not the
   * `node:net` of Bun or Deno.
   */
  tcpReusePort: process.platform === "linux" && nodeHasReusePort,
  /**
   * `dgram.createSocket({ reusePort })` is honoured: on Linux, Node.js from 22.12 / 23.1 and
   * Bun; not Deno's `node:dgram`.
   */
  udpReusePort: process.platform === "linux" && (runtimeName === "bun" || nodeHasReusePort),
  /**
   * A TLS stream can still send after the peer's close_notify (TLS 1.3 half-close). Bun's TLS
   * engine stops writing once it has received the peer's close_notify: a write then never
   * completes (its callback never runs) although the socket says it is writable.
   */
  tlsSendAfterPeerEof: runtimeName !== "bun",
  /**
   * `queueMicrotask` keeps the async context and costs less than a reaction on a settled
   * promise: Bun (~70 ns less a call, measured in a spawn loop). Node's makes an
   * `AsyncResource` per call, and Deno's is a call into the runtime that costs twice the
   * reaction.
   */
  cheapQueueMicrotask: runtimeName === "bun",
} as const;
