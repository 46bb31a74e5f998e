import assert from "node:assert/strict";
import { existsSync, lstatSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import {
  connectUnix,
  createUnixListener,
  EndOfStream,
  receiveFds,
  SocketAttribute,
  type SocketStream,
  sendFds,
  TypedAttributeLookupError,
  withTaskGroup,
} from "../src/index.js";
import { closeServer, listen, useSocketDir } from "./_support/net.js";
import { checkHalfCloseableStream } from "./_support/stream-conformance.js";
import { describe, it } from "./harness.js";

const { socketPath, inDir } = useSocketDir("anyio-unix-");

async function unixPair(): Promise<[SocketStream, SocketStream]> {
  const listener = await createUnixListener(socketPath());
  try {
    const client = await connectUnix(listener.extra(SocketAttribute.localAddress) as string);
    const server = await listener.accept();
    return [client, server];
  } finally {
    await listener.close();
  }
}

describe("UNIX stream sockets", () => {
  describe("conformance", () => {
    checkHalfCloseableStream(unixPair, { kind: "bytes", brokenAfterReceiverCloses: false });
  });

  it("streams have family unix and path addresses (the accepted end's own is the path); listeners have no remote ones", async () => {
    const path = socketPath();
    await using listener = await createUnixListener(path);
    assert.equal(listener.extra(SocketAttribute.family), "unix");
    assert.equal(listener.extra(SocketAttribute.localAddress), path);
    assert.throws(() => listener.extra(SocketAttribute.remoteAddress), TypedAttributeLookupError);
    assert.throws(() => listener.extra(SocketAttribute.localPort), TypedAttributeLookupError);
    await using client = await connectUnix(path);
    await using server = await listener.accept();
    assert.equal(client.extra(SocketAttribute.family), "unix");
    assert.equal(client.extra(SocketAttribute.remoteAddress), path);
    assert.equal(client.extra(SocketAttribute.localAddress), ""); // an unnamed client end
    assert.throws(() => client.extra(SocketAttribute.remotePort), TypedAttributeLookupError);
    // The accepted end is the other way round: its own address is the path.
    assert.equal(server.extra(SocketAttribute.family), "unix");
    assert.equal(server.extra(SocketAttribute.localAddress), path);
    assert.equal(server.extra(SocketAttribute.remoteAddress), "");
    await client.send(new Uint8Array([1, 2]));
    await client.sendEof();
    assert.deepEqual([...(await server.receive())], [1, 2]);
    await assert.rejects(server.receive(), EndOfStream);
  });

  it("replaces a stale socket file, but never a regular file", async () => {
    const path = socketPath();
    // A stale socket: a socket file nobody listens on, as a process that died leaves behind.
    // Node, Bun and Deno all unlink the file when a server closes, so it is moved away first.
    const stale = createServer();
    const bound = socketPath();
    await listen(stale, bound);
    renameSync(bound, path);
    await closeServer(stale);
    assert.ok(lstatSync(path).isSocket(), "the stale socket file is there");
    await assert.rejects(connectUnix(path), (e: unknown) => {
      assert.equal((e as { code?: string }).code, "ECONNREFUSED");
      return true;
    });
    {
      await using listener = await createUnixListener(path);
      await using client = await connectUnix(path);
      await using server = await listener.accept();
      await client.send(new Uint8Array([5]));
      assert.equal((await server.receive())[0], 5);
    }
    const regular = socketPath();
    writeFileSync(regular, "keep me");
    await assert.rejects(createUnixListener(regular), (e: unknown) => {
      assert.equal((e as { code?: string }).code, "EADDRINUSE");
      return true;
    });
    assert.ok(existsSync(regular));
  });

  it("mode chmods the socket file", async () => {
    const path = socketPath();
    await using _listener = await createUnixListener(path, { mode: 0o600 });
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  it("connecting to a missing path raises ENOENT", async () => {
    await assert.rejects(connectUnix(inDir("missing.sock")), (e: unknown) => {
      assert.equal((e as { code?: string }).code, "ENOENT");
      return true;
    });
  });

  it("Linux abstract names: no file made or removed, mode refused, a missing one refused", async () => {
    const name = `\0anyio-ts-abstract-${process.pid}-${Date.now()}`;
    if (process.platform !== "linux") {
      // They exist only on Linux; elsewhere the name is refused before anything is made.
      await assert.rejects(createUnixListener(name), {
        name: "TypeError",
        message: /only on Linux/,
      });
      return;
    }
    {
      await using listener = await createUnixListener(name);
      assert.equal(listener.extra(SocketAttribute.localAddress), name);
      await using client = await connectUnix(name);
      await using server = await listener.accept();
      assert.equal(client.extra(SocketAttribute.remoteAddress), name);
      await client.send(new TextEncoder().encode("hi"));
      assert.equal(new TextDecoder().decode(await server.receive()), "hi");
    }
    // Nothing was left to clean up: the same name listens again at once.
    await (await createUnixListener(name)).close();
    await assert.rejects(createUnixListener(name, { mode: 0o600 }), {
      name: "TypeError",
      message: /mode cannot be set on an abstract socket name/,
    });
    // As in AnyIO, a name nobody listens on is refused (there is no file to be missing).
    await assert.rejects(connectUnix(`${name}-missing`), { code: "ECONNREFUSED" });
  });

  it("serve works over UNIX sockets", async () => {
    const path = socketPath();
    await using listener = await createUnixListener(path);
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => listener.serve(async (s) => s.send(await s.receive())));
      await using client = await connectUnix(path);
      await client.send(new Uint8Array([9]));
      assert.equal((await client.receive())[0], 9);
      tg.cancelScope.cancel();
    });
  });

  it("descriptor passing throws a clear not-supported error", async () => {
    await assert.rejects(sendFds(), /not supported.*SCM_RIGHTS/);
    await assert.rejects(receiveFds(), /not supported.*SCM_RIGHTS/);
  });

  it("rejects bad arguments", async () => {
    await assert.rejects(connectUnix("" as string), TypeError);
    await assert.rejects(createUnixListener(socketPath(), { mode: -1 }), RangeError);
  });
});
