import assert from "node:assert/strict";
import { createServer as rawCreateServer, type Socket } from "node:net";
import {
  type AddressInfo,
  BrokenResourceError,
  BusyResourceError,
  Cancelled,
  ClosedResourceError,
  ConnectionFailed,
  connectTcp,
  createTcpListener,
  EndOfStream,
  ExceptionGroup,
  getaddrinfo,
  getnameinfo,
  type IPSocketAddress,
  moveOnAfter,
  SocketAttribute,
  type SocketListener,
  type SocketStream,
  sleep,
  TypedAttributeLookupError,
  waitAllTasksBlocked,
  withTaskGroup,
} from "../src/index.js";
import { connectTcpSeams } from "../src/net/connect-tcp.js";
import { createTcpListenerSeams, reusePortSupported } from "../src/net/tcp-listener.js";
import { closedPort, closeServer, decoder, encoder, listen, tcpPair } from "./_support/net.js";
import { checkHalfCloseableStream } from "./_support/stream-conformance.js";
import { describe, it } from "./harness.js";

/** A raw node:net server for peers we do not want to go through our own code. */
async function rawServer(
  onSocket: (s: Socket) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = rawCreateServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
    onSocket(s);
  });
  await listen(server, 0);
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () => {
      for (const s of sockets) s.destroy();
      return closeServer(server);
    },
  };
}

async function receiveAll(stream: SocketStream): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const hasIPv6 = await (async () => {
  try {
    const multi = await createTcpListener({ localHost: "::1" });
    await multi.close();
    return true;
  } catch {
    return false;
  }
})();
if (!hasIPv6) console.log("# tcp: ::1 cannot be bound on this machine; IPv6 tests are not run");
/** `it` for tests that bind or connect to ::1: registered only where ::1 can be bound. */
const itWithIPv6 = hasIPv6 ? it : () => {};

/**
 * Runs `body` with "localhost" resolving to 127.0.0.1 and ::1 for `connectTcp` and
 * `createTcpListener`, whatever this machine's hosts file says (many have no `::1 localhost`
 * line); other names resolve for real. Only the resolver is faked: the sockets are real. IPv4
 * comes first, so a test that sees IPv6 win shows Happy Eyeballs' order, not the resolver's.
 */
async function withDualStackLocalhost(body: () => Promise<void>): Promise<void> {
  const saved = {
    connect: connectTcpSeams.getaddrinfo,
    listen: createTcpListenerSeams.getaddrinfo,
  };
  const fake: typeof getaddrinfo = async (host, port, options = {}) => {
    if (host !== "localhost") return getaddrinfo(host, port, options);
    const family = options.family ?? 0;
    const both: AddressInfo[] = [
      { family: 4, type: 0, proto: 0, canonname: "", host: "127.0.0.1", port },
      { family: 6, type: 0, proto: 0, canonname: "", host: "::1", port },
    ];
    return both.filter((a) => family === 0 || a.family === family);
  };
  connectTcpSeams.getaddrinfo = fake;
  createTcpListenerSeams.getaddrinfo = fake;
  try {
    await body();
  } finally {
    connectTcpSeams.getaddrinfo = saved.connect;
    createTcpListenerSeams.getaddrinfo = saved.listen;
  }
}

describe("SocketStream over TCP", () => {
  describe("conformance", () => {
    checkHalfCloseableStream(() => tcpPair(), { kind: "bytes", brokenAfterReceiverCloses: false });
  });

  it("echoes a round trip and carries 1 MiB intact", async () => {
    const [client, server] = await tcpPair();
    const big = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 7) % 256);
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await client.send(big);
        await client.sendEof();
      });
      const got = await receiveAll(server);
      assert.equal(got.length, big.length);
      assert.ok(Buffer.from(got).equals(Buffer.from(big)));
    });
    await client.close();
    await server.close();
  });

  it("exposes the socket attributes on both ends, and sets TCP_NODELAY", async () => {
    const [client, server] = await tcpPair();
    try {
      const local = client.extra(SocketAttribute.localAddress) as IPSocketAddress;
      const remote = client.extra(SocketAttribute.remoteAddress) as IPSocketAddress;
      assert.equal(client.extra(SocketAttribute.family), "IPv4");
      assert.equal(local.host, "127.0.0.1");
      assert.equal(client.extra(SocketAttribute.localPort), local.port);
      assert.equal(client.extra(SocketAttribute.remotePort), remote.port);
      assert.deepEqual(server.extra(SocketAttribute.remoteAddress), local);
      assert.deepEqual(server.extra(SocketAttribute.localAddress), remote);
      const raw = client.extra(SocketAttribute.rawSocket) as Socket;
      assert.equal(raw.remotePort, remote.port);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it("rejects maxBytes below 1 with RangeError and splits a chunk to maxBytes", async () => {
    const [client, server] = await tcpPair();
    try {
      await assert.rejects(server.receive(0), RangeError);
      await client.send(encoder.encode("abcdef"));
      let got = "";
      while (got.length < 6) {
        const chunk = await server.receive(2);
        assert.ok(chunk.length <= 2);
        got += decoder.decode(chunk);
      }
      assert.equal(got, "abcdef");
    } finally {
      await client.close();
      await server.close();
    }
  });

  it("raises BusyResourceError for a concurrent receive and a concurrent send", async () => {
    const [client, server] = await tcpPair();
    try {
      await withTaskGroup(async (tg) => {
        tg.startSoon(() => server.receive().catch(() => {}));
        await waitAllTasksBlocked();
        await assert.rejects(server.receive(), (e: unknown) => {
          assert.ok(e instanceof BusyResourceError);
          assert.match(e.message, /already reading from/);
          return true;
        });
        tg.cancelScope.cancel();
      });
      // fill the send buffer so a send parks, then try a second
      const chunk = new Uint8Array(1 << 20);
      await moveOnAfter(2000).run(async () => {
        await withTaskGroup(async (tg) => {
          tg.startSoon(async () => {
            for (;;) await client.send(chunk);
          });
          await waitAllTasksBlocked();
          await assert.rejects(client.send(chunk), (e: unknown) => {
            assert.ok(e instanceof BusyResourceError);
            assert.match(e.message, /already writing to/);
            return true;
          });
          tg.cancelScope.cancel();
        });
      });
    } finally {
      await client.close();
      await server.close();
    }
  });

  it("a receive blocked when another task closes the stream raises ClosedResourceError", async () => {
    const [client, server] = await tcpPair();
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await assert.rejects(server.receive(), ClosedResourceError);
      });
      await waitAllTasksBlocked();
      await server.close();
    });
    await assert.rejects(server.receive(), ClosedResourceError);
    await assert.rejects(server.send(new Uint8Array(1)), ClosedResourceError);
    await client.close();
  });

  it("after the peer closes: data first, then EndOfStream, then ClosedResourceError after close", async () => {
    const [client, server] = await tcpPair();
    await client.send(encoder.encode("last words"));
    await client.close();
    assert.equal(decoder.decode(await receiveAll(server)), "last words");
    await assert.rejects(server.receive(), EndOfStream);
    await server.close();
    await assert.rejects(server.receive(), ClosedResourceError);
  });

  it("the server can still send after the client's sendEof", async () => {
    const [client, server] = await tcpPair();
    await client.send(encoder.encode("request"));
    await client.sendEof();
    assert.equal(decoder.decode(await receiveAll(server)), "request");
    await server.send(encoder.encode("reply"));
    await server.close();
    assert.equal(decoder.decode(await receiveAll(client)), "reply");
    await client.close();
  });

  it("a receive timed out with moveOnAfter takes nothing; the data comes to the next one", async () => {
    const [client, server] = await tcpPair();
    try {
      const scope = moveOnAfter(20);
      await scope.run(() => server.receive());
      assert.ok(scope.cancelledCaught);
      await client.send(encoder.encode("late"));
      assert.equal(decoder.decode(await server.receive()), "late");
    } finally {
      await client.close();
      await server.close();
    }
  });

  it("send after a peer reset raises BrokenResourceError with the OS error as cause", async () => {
    const peer = await rawServer((s) => s.once("data", () => s.resetAndDestroy()));
    const client = await connectTcp("127.0.0.1", peer.port);
    try {
      await assert.rejects(
        (async () => {
          for (let i = 0; i < 200; i++) {
            await client.send(new Uint8Array(1024));
            await sleep(2);
          }
        })(),
        (e: unknown) => {
          assert.ok(e instanceof BrokenResourceError, `got ${e}`);
          assert.ok(e.cause instanceof Error);
          assert.match(String((e.cause as { code?: string }).code), /ECONNRESET|EPIPE/);
          return true;
        },
      );
      await assert.rejects(client.receive(), BrokenResourceError);
    } finally {
      await client.close();
      await peer.close();
    }
    await assert.rejects(client.send(new Uint8Array(1)), ClosedResourceError);
  });

  it("a peer reset mid-stream breaks a blocked receive", async () => {
    let peerSocket: Socket | undefined;
    const peer = await rawServer((s) => {
      peerSocket = s;
      s.write("partial");
    });
    const client = await connectTcp("127.0.0.1", peer.port);
    try {
      assert.equal(decoder.decode(await client.receive()), "partial");
      await withTaskGroup(async (tg) => {
        tg.startSoon(async () => {
          await assert.rejects(client.receive(), BrokenResourceError);
        });
        await waitAllTasksBlocked();
        peerSocket?.resetAndDestroy();
      });
    } finally {
      await client.close();
      await peer.close();
    }
  });

  it("a send to a peer that never reads waits, and moveOnAfter cancels it cleanly", async () => {
    const peer = await rawServer((s) => s.pause());
    const client = await connectTcp("127.0.0.1", peer.port);
    const chunk = new Uint8Array(256 * 1024);
    let sent = 0;
    const scope = moveOnAfter(100);
    await scope.run(async () => {
      for (;;) {
        await client.send(chunk);
        sent += chunk.length;
      }
    });
    assert.ok(scope.cancelledCaught);
    assert.ok(sent > 0 && sent < 512 * 1024 * 1024, `sent ${sent}`);
    await peer.close();
    await client.close();
  });

  it("every operation is a checkpoint in a cancelled scope", async () => {
    const [client, server] = await tcpPair();
    try {
      await client.send(encoder.encode("x"));
      await sleep(10);
      const scope = moveOnAfter(0);
      await scope.run(async () => {
        await assert.rejects(server.receive(), Cancelled);
        await assert.rejects(server.send(new Uint8Array(1)), Cancelled);
      });
      assert.equal(decoder.decode(await server.receive()), "x");
    } finally {
      await client.close();
      await server.close();
    }
  });

  it("removes its event handlers on close", async () => {
    const [client, server] = await tcpPair();
    const raw = client.extra(SocketAttribute.rawSocket) as Socket;
    const events = ["data", "end", "error", "close", "drain"];
    const before = events.map((e) => raw.listenerCount(e));
    await client.close();
    await server.close();
    assert.equal(raw.listenerCount("data"), 0);
    assert.deepEqual(
      events.map((e) => raw.listenerCount(e)),
      before.map((n) => n - 1),
    );
  });
});

describe("connectTcp", () => {
  it("refused on one address: ConnectionFailed with the refusal as cause", async () => {
    const port = await closedPort();
    await assert.rejects(connectTcp("127.0.0.1", port), (e: unknown) => {
      assert.ok(e instanceof ConnectionFailed);
      assert.equal(e.message, "All connection attempts failed");
      assert.equal((e.cause as { code?: string }).code, "ECONNREFUSED");
      return true;
    });
  });

  itWithIPv6("refused on every address of a name: an ExceptionGroup of refusals", async () => {
    const port = await closedPort();
    await withDualStackLocalhost(async () => {
      await assert.rejects(connectTcp("localhost", port), (e: unknown) => {
        assert.ok(e instanceof ConnectionFailed);
        assert.ok(e.cause instanceof ExceptionGroup, `cause: ${e.cause}`);
        assert.equal(e.cause.exceptions.length, 2);
        for (const x of e.cause.exceptions) {
          assert.equal((x as { code?: string }).code, "ECONNREFUSED");
        }
        return true;
      });
    });
  });

  itWithIPv6("happy eyeballs: prefers ::1 for localhost when both families listen", async () => {
    await withDualStackLocalhost(async () => {
      await using listener = await createTcpListener({ localHost: "localhost" });
      const port = listener.extra(SocketAttribute.localPort);
      await using client = await connectTcp("localhost", port);
      assert.equal(client.extra(SocketAttribute.family), "IPv6");
      assert.deepEqual(client.extra(SocketAttribute.remoteAddress), { host: "::1", port });
      const v6 = listener.listeners.find((l) => l.extra(SocketAttribute.family) === "IPv6");
      await using accepted = await (v6 as SocketListener).accept();
      assert.equal(
        accepted.extra(SocketAttribute.remotePort),
        client.extra(SocketAttribute.localPort),
      );
    });
  });

  itWithIPv6("happy eyeballs: falls back to IPv4 when only 127.0.0.1 listens", async () => {
    await withDualStackLocalhost(async () => {
      await using listener = await createTcpListener({ localHost: "127.0.0.1" });
      const port = listener.extra(SocketAttribute.localPort);
      // ::1 is tried first and refused; the IPv4 attempt starts at once and wins.
      await using client = await connectTcp("localhost", port, { happyEyeballsDelay: 10_000 });
      assert.equal(client.extra(SocketAttribute.family), "IPv4");
      await using accepted = await (listener.listeners[0] as SocketListener).accept();
      assert.equal(
        accepted.extra(SocketAttribute.remotePort),
        client.extra(SocketAttribute.localPort),
      );
    });
  });

  itWithIPv6("happy eyeballs: works when only ::1 listens", async () => {
    await withDualStackLocalhost(async () => {
      await using listener = await createTcpListener({ localHost: "::1" });
      const port = listener.extra(SocketAttribute.localPort);
      await using client = await connectTcp("localhost", port);
      assert.equal(client.extra(SocketAttribute.family), "IPv6");
      await using accepted = await (listener.listeners[0] as SocketListener).accept();
      assert.equal(accepted.extra(SocketAttribute.family), "IPv6");
    });
  });

  it("binds the client to localHost and localPort", async () => {
    await using listener = await createTcpListener({ localHost: "127.0.0.1" });
    const free = await createTcpListener({ localHost: "127.0.0.1" });
    const localPort = free.extra(SocketAttribute.localPort);
    await free.close();
    await using client = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort), {
      localHost: "127.0.0.1",
      localPort,
    });
    assert.equal(client.extra(SocketAttribute.localPort), localPort);
  });

  it("throws the resolver's error as is for a name that does not resolve", async () => {
    await assert.rejects(connectTcp("no-such-host.invalid", 80), (e: unknown) => {
      assert.ok(!(e instanceof ConnectionFailed));
      assert.match(String((e as { code?: string }).code), /ENOTFOUND|EAI_AGAIN|EAI_FAIL/);
      return true;
    });
  });

  it("a cancelled connect leaves nothing open", async () => {
    // 192.0.2.1 (TEST-NET-1) is never routed: the attempt hangs until cancelled or refused.
    const scope = moveOnAfter(20);
    await scope.run(() =>
      connectTcp("192.0.2.1", 9).catch((e) => assert.ok(e instanceof ConnectionFailed)),
    );
  });

  it("rejects bad arguments", async () => {
    await assert.rejects(connectTcp(5 as never, 80), TypeError);
    await assert.rejects(connectTcp("", 80), { name: "TypeError", message: /remoteHost/ });
    await assert.rejects(connectTcp("127.0.0.1", 70000), RangeError);
    await assert.rejects(connectTcp("127.0.0.1", 80, { happyEyeballsDelay: -1 }), RangeError);
  });
});

describe("createTcpListener", () => {
  it("listener attributes have no remote ones", async () => {
    await using listener = await createTcpListener({ localHost: "127.0.0.1" });
    const one = listener.listeners[0] as SocketListener;
    assert.equal(one.extra(SocketAttribute.family), "IPv4");
    assert.equal((one.extra(SocketAttribute.localAddress) as IPSocketAddress).host, "127.0.0.1");
    assert.throws(() => one.extra(SocketAttribute.remoteAddress), TypedAttributeLookupError);
    assert.throws(() => one.extra(SocketAttribute.remotePort), TypedAttributeLookupError);
  });

  itWithIPv6("localhost gives one listener per address, all on the same port", async () => {
    await withDualStackLocalhost(async () => {
      for (let i = 0; i < 5; i++) {
        await using listener = await createTcpListener({ localHost: "localhost" });
        assert.equal(listener.listeners.length, 2);
        const ports = listener.listeners.map((l) => l.extra(SocketAttribute.localPort));
        assert.equal(ports[0], ports[1]);
        const families = listener.listeners.map((l) => l.extra(SocketAttribute.family)).sort();
        assert.deepEqual(families, ["IPv4", "IPv6"]);
        // Both are really listening: a connection to each address is accepted by its own.
        for (const [host, one] of [
          ["127.0.0.1", listener.listeners.find((l) => l.extra(SocketAttribute.family) === "IPv4")],
          ["::1", listener.listeners.find((l) => l.extra(SocketAttribute.family) === "IPv6")],
        ] as const) {
          await using client = await connectTcp(host, ports[0] as number);
          await using accepted = await (one as SocketListener).accept();
          assert.equal(
            accepted.extra(SocketAttribute.remotePort),
            client.extra(SocketAttribute.localPort),
          );
        }
      }
    });
  });

  it("no localHost: one dual-stack listener that accepts IPv4 too", async () => {
    await using listener = await createTcpListener();
    assert.equal(listener.listeners.length, 1);
    await using client = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort));
    await using server = await (listener.listeners[0] as SocketListener).accept();
    await client.send(new Uint8Array([1]));
    assert.equal((await server.receive())[0], 1);
  });

  it("accept after close raises ClosedResourceError; concurrent accept raises Busy", async () => {
    const multi = await createTcpListener({ localHost: "127.0.0.1" });
    const listener = multi.listeners[0] as SocketListener;
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await assert.rejects(listener.accept(), ClosedResourceError);
      });
      await waitAllTasksBlocked();
      await assert.rejects(listener.accept(), (e: unknown) => {
        assert.ok(e instanceof BusyResourceError);
        assert.match(e.message, /accepting connections from/);
        return true;
      });
      await multi.close();
    });
    await assert.rejects(listener.accept(), ClosedResourceError);
  });

  it("serve: closing the listener from another task stops it with ClosedResourceError in groups", async () => {
    const multi = await createTcpListener({ localHost: "127.0.0.1" });
    await assert.rejects(
      withTaskGroup(async (tg) => {
        tg.startSoon(() => multi.serve(() => {}));
        await waitAllTasksBlocked();
        await multi.close();
      }),
      (e: unknown) => {
        assert.ok(e instanceof ExceptionGroup);
        const leaves = e.leaves();
        assert.ok(leaves.length > 0 && leaves.every((x) => x instanceof ClosedResourceError));
        return true;
      },
    );
  });

  it("serve runs a handler per connection and closes the stream after it", async () => {
    await using listener = await createTcpListener({ localHost: "127.0.0.1" });
    const port = listener.extra(SocketAttribute.localPort);
    await withTaskGroup(async (tg) => {
      tg.startSoon(() =>
        listener.serve(async (stream) => {
          const data = await stream.receive();
          await stream.send(data);
        }),
      );
      for (let i = 0; i < 3; i++) {
        await using client = await connectTcp("127.0.0.1", port);
        await client.send(encoder.encode(`hi ${i}`));
        assert.equal(decoder.decode(await client.receive()), `hi ${i}`);
        await assert.rejects(client.receive(), EndOfStream);
      }
      tg.cancelScope.cancel();
    });
  });

  it("1,000 concurrent connections opened and closed; the server keeps serving", async () => {
    await using listener = await createTcpListener({ localHost: "127.0.0.1" });
    const port = listener.extra(SocketAttribute.localPort);
    let served = 0;
    const started = performance.now();
    await withTaskGroup(async (tg) => {
      tg.startSoon(() =>
        listener.serve(async (stream) => {
          await stream.send(await stream.receive());
          served++;
        }),
      );
      await withTaskGroup(async (clients) => {
        for (let i = 0; i < 1000; i++) {
          clients.startSoon(async () => {
            await using client = await connectTcp("127.0.0.1", port);
            await client.send(new Uint8Array([i & 255]));
            assert.equal((await client.receive())[0], i & 255);
          });
        }
      });
      // still serving
      await using again = await connectTcp("127.0.0.1", port);
      await again.send(new Uint8Array([7]));
      assert.equal((await again.receive())[0], 7);
      tg.cancelScope.cancel();
    });
    const ms = performance.now() - started;
    assert.ok(served >= 1000, `served ${served}`);
    assert.ok(ms < 5000, `took ${ms} ms`);
    console.log(`# tcp: 1,000 connections in ${ms.toFixed(0)} ms`);
  });

  it("reusePort lets two listeners share a port, or throws a clear error where unsupported", async () => {
    if (!reusePortSupported()) {
      await assert.rejects(
        createTcpListener({ localHost: "127.0.0.1", reusePort: true }),
        /reusePort is not supported/,
      );
      return;
    }
    await using a = await createTcpListener({ localHost: "127.0.0.1", reusePort: true });
    const port = a.extra(SocketAttribute.localPort);
    await using b = await createTcpListener({
      localHost: "127.0.0.1",
      localPort: port,
      reusePort: true,
    });
    assert.equal(b.extra(SocketAttribute.localPort), port);
  });

  it("a taken port gives EADDRINUSE", async () => {
    await using a = await createTcpListener({ localHost: "127.0.0.1" });
    const port = a.extra(SocketAttribute.localPort);
    await assert.rejects(
      createTcpListener({ localHost: "127.0.0.1", localPort: port }),
      (e: unknown) => {
        assert.equal((e as { code?: string }).code, "EADDRINUSE");
        return true;
      },
    );
  });
});

describe("getaddrinfo and getnameinfo", () => {
  it("resolves an IP literal to itself and localhost to loopback addresses", async () => {
    assert.deepEqual(await getaddrinfo("127.0.0.1", 80), [
      { family: 4, type: 0, proto: 0, canonname: "", host: "127.0.0.1", port: 80 },
    ]);
    const v6 = await getaddrinfo("::1", 5);
    assert.equal(v6[0]?.family, 6);
    assert.equal(v6[0]?.host, "::1");
    const local = await getaddrinfo("localhost", 0);
    assert.ok(local.some((r) => r.host === "127.0.0.1" || r.host === "::1"));
    assert.ok((await getaddrinfo("localhost", 0, { family: 4 })).every((r) => r.family === 4));
  });

  it("encodes unicode names with IDNA 2008 (faß.de is not fass.de)", async () => {
    await getaddrinfo("faß.de", 80).then(
      () => {},
      (e: { hostname?: string }) => assert.equal(e.hostname, "xn--fa-hia.de"),
    );
  });

  it("getnameinfo gives the host name and service of an address", async () => {
    const { host, service } = await getnameinfo({ host: "127.0.0.1", port: 80 });
    assert.equal(typeof host, "string");
    assert.ok(service === "http" || service === "80", service);
    assert.throws(() => getnameinfo({ host: "not an ip", port: 1 }), TypeError);
  });
});
