import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  BufferedByteReceiveStream,
  connectTcp,
  failAfter,
  type SocketStream,
} from "../src/index.js";
import { describe, it } from "./harness.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Starts `dist/examples/<name>.js` with the current runtime; resolves with its port. */
function startExample(name: string): {
  child: ChildProcess;
  port: Promise<number>;
  exit: Promise<number | null>;
  output: () => string;
} {
  const script = fileURLToPath(new URL(`../examples/${name}.js`, import.meta.url));
  const args = "Deno" in globalThis ? ["run", "-A", script] : [script];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const port = new Promise<number>((resolve, reject) => {
    child.stdout?.on("data", (d) => {
      out += String(d);
      const match = /listening on (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.stderr?.on("data", (d) => {
      out += String(d);
    });
    child.on("close", () => reject(new Error(`example exited early: ${out}`)));
  });
  port.catch(() => {});
  const exit = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, port, exit, output: () => out };
}

async function line(reader: BufferedByteReceiveStream): Promise<string> {
  return decoder.decode(await reader.receiveUntil(encoder.encode("\n"), 4096));
}

describe("examples", () => {
  it("echo-server echoes, and SIGINT stops it with exit code 130", async () => {
    const example = startExample("echo-server");
    try {
      const port = await example.port;
      await failAfter(5000).run(async () => {
        await using client = await connectTcp("127.0.0.1", port);
        await client.send(encoder.encode("hello"));
        let got = "";
        while (got.length < 5) got += decoder.decode(await client.receive());
        assert.equal(got, "hello");
      });
    } finally {
      process.kill(example.child.pid as number, "SIGINT");
    }
    assert.equal(await example.exit, 130, example.output());
  });

  it("chat-server relays lines between clients, and SIGINT stops it with exit code 130", async () => {
    const example = startExample("chat-server");
    try {
      const port = await example.port;
      await failAfter(5000).run(async () => {
        await using alice: SocketStream = await connectTcp("127.0.0.1", port);
        const aliceLines = new BufferedByteReceiveStream(alice);
        await using bob = await connectTcp("127.0.0.1", port);
        assert.match(await line(aliceLines), /joined/);
        await bob.send(encoder.encode("hi all\n"));
        assert.match(await line(aliceLines), /> hi all$/);
      });
    } finally {
      process.kill(example.child.pid as number, "SIGINT");
    }
    assert.equal(await example.exit, 130, example.output());
  });
});
