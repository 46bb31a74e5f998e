import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import fc from "fast-check";
import * as api from "../src/index.js";
import {
  type AddressInfo,
  BrokenResourceError,
  BusyResourceError,
  Cancelled,
  CancelScope,
  ClosedResourceError,
  type ConnectedUDPSocket,
  checkpoint,
  createConnectedUdpSocket,
  createUdpSocket,
  getaddrinfo,
  moveOnAfter,
  SocketAttribute,
  sleep,
  TypedAttributeLookupError,
  UDP_QUEUE_LIMIT,
  type UDPSocket,
  UnreliableObjectStream,
  waitAllTasksBlocked,
  withTaskGroup,
} from "../src/index.js";
import { udpReusePortSupported, udpSeams } from "../src/net/_internal/open-udp-socket.js";
import { decoder, encoder } from "./_support/net.js";
import { describe, it } from "./harness.js";

const isDeno = (globalThis as { Deno?: unknown }).Deno !== undefined;

const hasIPv6 = await (async () => {
  try {
    const socket = await createUdpSocket({ localHost: "::1" });
    await socket.close();
    return true;
  } catch {
    return false;
  }
})();
if (!hasIPv6) console.log("# udp: no IPv6 on this machine; IPv6 tests are skipped");

const port = (s: UDPSocket | ConnectedUDPSocket) => s.extra(SocketAttribute.localPort);

/**
 * Runs `body` with the name "dual.test" resolving to 127.0.0.1 and ::1 (IPv4 first, as a
 * resolver may well list them) for the UDP functions; other names resolve for real. Only the
 * resolver is faked, the sockets are real. Returns the names the fake was asked for.
 */
async function withDualStackName(body: () => Promise<void>): Promise<string[]> {
  const saved = udpSeams.getaddrinfo;
  const asked: string[] = [];
  udpSeams.getaddrinfo = async (host, port, options = {}) => {
    if (host !== "dual.test") return getaddrinfo(host, port, options);
    asked.push(host);
    const both: AddressInfo[] = [
      { family: 4, type: 0, proto: 0, canonname: "", host: "127.0.0.1", port },
      { family: 6, type: 0, proto: 0, canonname: "", host: "::1", port },
    ];
    return both.filter((a) => options.family === undefined || a.family === options.family);
  };
  try {
    await body();
  } finally {
    udpSeams.getaddrinfo = saved;
  }
  return asked;
}

describe("UDPSocket", () => {
  it("is an unreliable object stream of packets with their address", async () => {
    await using a = await createUdpSocket({ localHost: "127.0.0.1" });
    await using b = await createUdpSocket({ localHost: "127.0.0.1" });
    assert.ok(a instanceof UnreliableObjectStream);
    await a.sendto(encoder.encode("one"), "127.0.0.1", port(b));
    await a.send({ data: encoder.encode("two"), address: { host: "127.0.0.1", port: port(b) } });
    const first = await b.receive();
    assert.equal(decoder.decode(first.data), "one");
    assert.deepEqual(first.address, { host: "127.0.0.1", port: port(a) });
    assert.equal(decoder.decode((await b.receive()).data), "two");
  });

  it("offers local attributes and no remote ones", async () => {
    await using socket = await createUdpSocket({ localHost: "127.0.0.1" });
    assert.equal(socket.extra(SocketAttribute.family), "IPv4");
    assert.deepEqual(socket.extra(SocketAttribute.localAddress), {
      host: "127.0.0.1",
      port: port(socket),
    });
    assert.ok(port(socket) > 0);
    assert.equal(
      typeof (socket.extra(SocketAttribute.rawSocket) as { send?: unknown }).send,
      "function",
    );
    assert.throws(() => socket.extra(SocketAttribute.remoteAddress), TypedAttributeLookupError);
    assert.throws(() => socket.extra(SocketAttribute.remotePort), TypedAttributeLookupError);
  });

  it("gets a real port when created with only a family", async () => {
    await using socket = await createUdpSocket({ family: 4 });
    assert.ok(port(socket) > 0);
    assert.equal(socket.extra(SocketAttribute.family), "IPv4");
  });

  it("iterates with for await", async () => {
    await using a = await createUdpSocket({ localHost: "127.0.0.1" });
    await using b = await createUdpSocket({ localHost: "127.0.0.1" });
    for (const n of [1, 2, 3]) await a.sendto(Uint8Array.of(n), "127.0.0.1", port(b));
    const got: number[] = [];
    for await (const packet of b) {
      got.push(packet.data[0] as number);
      if (got.length === 3) break;
    }
    assert.deepEqual(got, [1, 2, 3]);
  });

  it("rejects bad arguments with TypeError/RangeError naming them", async () => {
    await assert.rejects(createUdpSocket(), /Either family or localHost must be given/);
    await assert.rejects(createUdpSocket({ family: 5 as never }), /family must be 4 or 6, got 5/);
    await assert.rejects(createUdpSocket({ family: 4, localPort: 70000 }), RangeError);
    await assert.rejects(createUdpSocket({ localHost: 1 as never }), TypeError);
    await assert.rejects(createUdpSocket({ localHost: "127.0.0.1", family: 6 }), /not an IPv6/);
    await using socket = await createUdpSocket({ family: 4 });
    await assert.rejects(socket.sendto("x" as never, "127.0.0.1", 9), TypeError);
    await assert.rejects(socket.sendto(Uint8Array.of(1), "127.0.0.1", -1), RangeError);
    await assert.rejects(socket.sendto(Uint8Array.of(1), "" as never, 9), /host must be/);
    await assert.rejects(socket.send(null as never), /packet must be/);
    await assert.rejects(createConnectedUdpSocket(42 as never, 9), /remoteHost must be/);
    await assert.rejects(createConnectedUdpSocket("127.0.0.1", 0x10000), RangeError);
  });

  it("a second concurrent receive raises BusyResourceError", async () => {
    await using socket = await createUdpSocket({ localHost: "127.0.0.1" });
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => socket.receive());
      await waitAllTasksBlocked();
      await assert.rejects(socket.receive(), BusyResourceError);
      tg.cancelScope.cancel();
    });
  });

  it("close during a receive raises ClosedResourceError there, and everything after", async () => {
    const socket = await createUdpSocket({ localHost: "127.0.0.1" });
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await assert.rejects(socket.receive(), ClosedResourceError);
      });
      await waitAllTasksBlocked();
      await socket.close();
    });
    await socket.close();
    await assert.rejects(socket.receive(), ClosedResourceError);
    await assert.rejects(socket.sendto(Uint8Array.of(1), "127.0.0.1", 9), ClosedResourceError);
  });

  it("close() releases the port: binding it again works at once", async () => {
    const socket = await createUdpSocket({ localHost: "127.0.0.1" });
    const p = port(socket);
    await socket.close();
    await using again = await createUdpSocket({ localHost: "127.0.0.1", localPort: p });
    assert.equal(port(again), p);
  });

  it("two concurrent close() calls both return only once the port is released", async () => {
    const socket = await createUdpSocket({ localHost: "127.0.0.1" });
    const p = port(socket);
    await withTaskGroup(async (tg) => {
      tg.startSoon(() => socket.close());
      tg.startSoon(async () => {
        await socket.close();
        await using again = await createUdpSocket({ localHost: "127.0.0.1", localPort: p });
        assert.equal(port(again), p);
      });
    });
  });

  it("closing the raw socket directly fails a blocked receive, and close() still returns", async () => {
    const socket = await createUdpSocket({ localHost: "127.0.0.1" });
    const raw = socket.extra(SocketAttribute.rawSocket) as { close(): void };
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await assert.rejects(socket.receive(), ClosedResourceError);
      });
      await waitAllTasksBlocked();
      raw.close();
    });
    await assert.rejects(socket.receive(), ClosedResourceError);
    await socket.close();
    // And when rawSocket.close() comes right before close(), before its 'close' event is out.
    const other = await createUdpSocket({ localHost: "127.0.0.1" });
    (other.extra(SocketAttribute.rawSocket) as { close(): void }).close();
    await other.close();
    await assert.rejects(other.receive(), ClosedResourceError);
  });

  it("a cancelled receive takes nothing: the next datagram goes to the next receive", async () => {
    await using a = await createUdpSocket({ localHost: "127.0.0.1" });
    await using b = await createUdpSocket({ localHost: "127.0.0.1" });
    const scope = await moveOnAfter(10).run(() => b.receive());
    assert.equal(scope, undefined);
    await a.sendto(encoder.encode("later"), "127.0.0.1", port(b));
    assert.equal(decoder.decode((await b.receive()).data), "later");
  });

  it("queues datagrams nobody receives yet, and drops beyond the limit, counting them", async () => {
    await using a = await createUdpSocket({ localHost: "127.0.0.1" });
    await using b = await createUdpSocket({ localHost: "127.0.0.1" });
    const total = UDP_QUEUE_LIMIT + 50;
    // In batches, with event-loop turns between them, so the kernel's own buffer never fills.
    for (let i = 0; i < total; i++) {
      await a.sendto(Uint8Array.of(i % 256), "127.0.0.1", port(b));
      if (i % 32 === 31) await sleep(1);
    }
    for (let i = 0; i < 100 && b.droppedPackets + UDP_QUEUE_LIMIT < total; i++) await sleep(5);
    assert.equal(b.droppedPackets, total - UDP_QUEUE_LIMIT);
    for (let i = 0; i < UDP_QUEUE_LIMIT; i++) assert.equal((await b.receive()).data[0], i % 256);
  });

  it("reusePort lets two sockets share a port where the runtime can, else a clear error", async () => {
    if (udpReusePortSupported()) {
      await using a = await createUdpSocket({ localHost: "127.0.0.1", reusePort: true });
      await using b = await createUdpSocket({
        localHost: "127.0.0.1",
        localPort: port(a),
        reusePort: true,
      });
      assert.equal(port(b), port(a));
    } else {
      await assert.rejects(
        createUdpSocket({ family: 4, reusePort: true }),
        /reusePort is not supported for UDP on this runtime/,
      );
    }
  });

  it("a receive in a cancelled scope throws at once and takes nothing", async () => {
    await using a = await createUdpSocket({ localHost: "127.0.0.1" });
    await a.sendto(Uint8Array.of(7), "127.0.0.1", port(a));
    await sleep(5);
    const scope = new CancelScope();
    scope.cancel();
    await scope.run(() => a.receive());
    assert.equal((await a.receive()).data[0], 7);
  });

  it("sendto resolves a host name, and reports a name that does not resolve", async () => {
    await using a = await createUdpSocket({ localHost: "127.0.0.1" });
    await a.sendto(Uint8Array.of(5), "localhost", port(a));
    const packet = await a.receive();
    assert.equal(packet.data[0], 5);
    assert.deepEqual(packet.address, { host: "127.0.0.1", port: port(a) });
    await assert.rejects(a.sendto(Uint8Array.of(1), "no-such-host.invalid", 9), (e: unknown) => {
      assert.match(String((e as { code?: string }).code), /ENOTFOUND|EAI_AGAIN|EAI_FAIL/);
      return true;
    });
  });

  it("keeps a 65507-byte datagram whole, and refuses a larger one without breaking", async () => {
    await using a = await createUdpSocket({ localHost: "127.0.0.1" });
    const big = Uint8Array.from({ length: 65507 }, (_, i) => i % 251);
    await a.sendto(big, "127.0.0.1", port(a));
    assert.deepEqual(Uint8Array.from((await a.receive()).data), big);
    await assert.rejects(a.sendto(new Uint8Array(65508), "127.0.0.1", port(a)), (e: unknown) => {
      assert.ok(e instanceof BrokenResourceError, String(e));
      assert.equal((e.cause as { code?: string }).code, "EMSGSIZE");
      return true;
    });
    await a.sendto(Uint8Array.of(1), "127.0.0.1", port(a)); // still usable
    assert.equal((await a.receive()).data[0], 1);
  });

  it("a send in a cancelled scope throws Cancelled and sends nothing", async () => {
    await using a = await createUdpSocket({ localHost: "127.0.0.1" });
    await using b = await createConnectedUdpSocket("127.0.0.1", port(a));
    const scope = new CancelScope();
    scope.cancel();
    await scope.run(async () => {
      await assert.rejects(a.sendto(Uint8Array.of(1), "127.0.0.1", port(b)), Cancelled);
      await assert.rejects(b.send(Uint8Array.of(2)), Cancelled);
      await a.sendto(Uint8Array.of(3), "127.0.0.1", port(b)); // throws Cancelled again
    });
    assert.ok(scope.cancelledCaught);
    await b.send(Uint8Array.of(4));
    await a.sendto(Uint8Array.of(5), "127.0.0.1", port(b));
    assert.equal((await a.receive()).data[0], 4);
    assert.equal((await b.receive())[0], 5);
  });

  if (hasIPv6) {
    it("works over IPv6", async () => {
      await using a = await createUdpSocket({ localHost: "::1" });
      await using b = await createUdpSocket({ localHost: "::1" });
      assert.equal(a.extra(SocketAttribute.family), "IPv6");
      await a.sendto(Uint8Array.of(6), "::1", port(b));
      const packet = await b.receive();
      assert.deepEqual(packet.address, { host: "::1", port: port(a) });
      await using c = await createConnectedUdpSocket("::1", port(b));
      assert.equal(c.extra(SocketAttribute.family), "IPv6");
      await c.send(Uint8Array.of(7));
      const back = await b.receive();
      await b.send(back);
      assert.equal((await c.receive())[0], 7);
    });

    it("sendto a name with both families picks its IPv6 address on an IPv6 socket", async () => {
      const asked = await withDualStackName(async () => {
        // One port number, a receiver in each family; the sender on every IPv6 interface could
        // reach either (IPv4 as ::ffff:127.0.0.1), so only its choice decides which one gets it.
        await using at6 = await createUdpSocket({ localHost: "::1" });
        await using at4 = await createUdpSocket({ localHost: "127.0.0.1", localPort: port(at6) });
        await using v6 = await createUdpSocket({ family: 6 });
        await using v4 = await createUdpSocket({ localHost: "127.0.0.1" });
        await v6.sendto(Uint8Array.of(6), "dual.test", port(at6));
        const got = await at6.receive();
        assert.equal(got.data[0], 6);
        assert.deepEqual(got.address, { host: "::1", port: port(v6) });
        // An IPv4 socket asks for IPv4 addresses only, and gets 127.0.0.1.
        await v4.sendto(Uint8Array.of(4), "dual.test", port(at6));
        const first = await at4.receive(); // had v6 picked 127.0.0.1, its 6 would be first
        assert.equal(first.data[0], 4);
        assert.deepEqual(first.address, { host: "127.0.0.1", port: port(v4) });
        // Binding and connecting by that name: the first address, or the family asked for.
        await using bound = await createUdpSocket({ localHost: "dual.test", family: 6 });
        assert.deepEqual(bound.extra(SocketAttribute.localAddress), {
          host: "::1",
          port: port(bound),
        });
        await using c6 = await createConnectedUdpSocket("dual.test", port(at6), { family: 6 });
        assert.deepEqual(c6.extra(SocketAttribute.remoteAddress), { host: "::1", port: port(at6) });
        await using c4 = await createConnectedUdpSocket("dual.test", port(at6));
        assert.equal(c4.extra(SocketAttribute.family), "IPv4");
        await c6.send(Uint8Array.of(60));
        await c4.send(Uint8Array.of(40));
        assert.equal((await at6.receive()).data[0], 60);
        assert.equal((await at4.receive()).data[0], 40);
      });
      assert.equal(asked.length, 5); // each name was looked up through our resolver
    });

    it("an IPv6 socket on every interface reaches IPv4 too; an IPv4 one refuses IPv6", async () => {
      await using v6 = await createUdpSocket({ family: 6 });
      await using v4 = await createUdpSocket({ localHost: "127.0.0.1" });
      await v6.sendto(Uint8Array.of(4), "127.0.0.1", port(v4));
      const packet = await v4.receive();
      assert.equal(packet.data[0], 4);
      assert.equal(packet.address.port, port(v6));
      await v4.send(packet);
      const echoed = await v6.receive();
      assert.equal(echoed.data[0], 4);
      assert.match(echoed.address.host, /^(::ffff:)?127\.0\.0\.1$/);
      await assert.rejects(v4.sendto(Uint8Array.of(1), "::1", port(v6)), /is an IPv6 address/);
    });
  }
});

describe("ConnectedUDPSocket", () => {
  it("sends to and receives from its peer only, as bytes", async () => {
    await using server = await createUdpSocket({ localHost: "127.0.0.1" });
    await using stranger = await createUdpSocket({ localHost: "127.0.0.1" });
    await using client = await createConnectedUdpSocket("127.0.0.1", port(server));
    assert.equal(client.extra(SocketAttribute.remotePort), port(server));
    assert.deepEqual(client.extra(SocketAttribute.remoteAddress), {
      host: "127.0.0.1",
      port: port(server),
    });
    await client.send(encoder.encode("ping"));
    const { data, address } = await server.receive();
    assert.equal(address.port, port(client));
    await stranger.sendto(encoder.encode("noise"), "127.0.0.1", port(client));
    await server.send({ data, address });
    assert.equal(decoder.decode(await client.receive()), "ping");
  });

  it("resolves a host name and binds the matching family", async () => {
    await using server = await createUdpSocket({ localHost: "127.0.0.1" });
    await using client = await createConnectedUdpSocket("localhost", port(server), { family: 4 });
    assert.equal(client.extra(SocketAttribute.family), "IPv4");
    await client.send(Uint8Array.of(1));
    assert.equal((await server.receive()).data[0], 1);
  });

  it("reports a refused datagram once where the runtime tells (Node, Bun); Deno does not", async () => {
    // A port nobody listens on: bind one and close it.
    const probe = createSocket("udp4");
    await new Promise<void>((resolve) => probe.bind(0, "127.0.0.1", resolve));
    const closedPort = probe.address().port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await using client = await createConnectedUdpSocket("127.0.0.1", closedPort);
    await client.send(Uint8Array.of(1));
    const outcome = await moveOnAfter(500)
      .run(() => client.receive())
      .then(
        () => "moved on",
        (error: unknown) => error,
      );
    if (isDeno) assert.equal(outcome, "moved on");
    else {
      assert.ok(outcome instanceof BrokenResourceError, String(outcome));
      assert.equal((outcome.cause as { code?: string }).code, "ECONNREFUSED");
    }
    // Still usable.
    await client.send(Uint8Array.of(2));
    await client.close();
    await assert.rejects(client.send(Uint8Array.of(3)), ClosedResourceError);
  });
});

describe("UNIX datagram sockets", () => {
  it("are refused with an error that says why, because node:dgram has none here", async () => {
    // If a runtime starts accepting "unix_dgram", this fails: time to add them for real.
    assert.throws(() => createSocket("unix_dgram" as never), { code: "ERR_SOCKET_BAD_TYPE" });
    await assert.rejects(
      api.createUnixDatagramSocket("/tmp/x"),
      /UNIX datagram sockets are not supported/,
    );
    await assert.rejects(
      api.createConnectedUnixDatagramSocket("/tmp/x"),
      /knows only udp4 and udp6/,
    );
  });
});

describe("UDP properties", () => {
  it(
    "over loopback, every datagram arrives once and in order, whatever receives are cancelled",
    async () => {
      let cancelledWhileWaiting = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 1200 }), { minLength: 1, maxLength: 30 }),
          fc.array(fc.option(fc.nat(5), { nil: null }), { minLength: 1, maxLength: 6 }),
          async (sizes, cancelAfter) => {
            await using a = await createUdpSocket({ localHost: "127.0.0.1" });
            await using b = await createConnectedUdpSocket("127.0.0.1", port(a));
            const got: number[] = [];
            await withTaskGroup(async (tg) => {
              tg.startSoon(async () => {
                for (let i = 0; i < sizes.length; i++) {
                  const data = new Uint8Array(sizes[i] as number).fill(i % 256);
                  await a.sendto(data, "127.0.0.1", port(b));
                  await checkpoint();
                }
              });
              for (let attempt = 0; got.length < sizes.length; attempt++) {
                const after =
                  attempt % 3 === 2 ? null : (cancelAfter[attempt % cancelAfter.length] ?? null);
                const scope = new CancelScope();
                await withTaskGroup(async (inner) => {
                  if (after !== null) {
                    inner.startSoon(async () => {
                      for (let i = 0; i < after; i++) await checkpoint();
                      scope.cancel();
                    });
                  }
                  await scope.run(async () => {
                    const data = await b.receive();
                    assert.equal(data.length, sizes[got.length]);
                    got.push(data[0] as number);
                  });
                  if (scope.cancelledCaught) cancelledWhileWaiting++;
                  inner.cancelScope.cancel();
                });
              }
            });
            assert.deepEqual(
              got,
              sizes.map((_, i) => i % 256),
            );
            assert.equal(b.droppedPackets, 0);
          },
        ),
        { numRuns: 40 },
      );
      // The property is only worth something if receives were really cancelled mid-wait.
      assert.ok(cancelledWhileWaiting > 0, "no receive was cancelled");
    },
    { timeout: 60_000 },
  );
});
