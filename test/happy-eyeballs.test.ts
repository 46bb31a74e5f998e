/**
 * Happy Eyeballs with a faked resolver: `connectTcp`'s resolver and connect are swapped
 * (through an internal seam) so the order of attempts, the stagger and the clean-up of losers
 * can be checked whatever addresses this machine has. Real attempts still connect to a real
 * listener on 127.0.0.1; a "blackhole" target never answers, as a peer behind a firewall that
 * drops SYNs does.
 */
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import {
  type AddressInfo,
  CancelScope,
  ConnectionFailed,
  connectTcp,
  createTcpListener,
  EndOfStream,
  ExceptionGroup,
  SocketAttribute,
  type SocketListener,
  sleep,
  sleepForever,
  withTaskGroup,
} from "../src/index.js";
import type { ConnectTarget } from "../src/net/_internal/node-socket.js";
import { connectTcpSeams } from "../src/net/connect-tcp.js";
import { afterEach, beforeEach, describe, it } from "./harness.js";

const real = { ...connectTcpSeams };
let attempts: string[] = [];

/** Resolves every name to `targets` ("v6:name" are IPv6 addresses, the rest IPv4). */
function fakeDns(targets: string[]): void {
  connectTcpSeams.getaddrinfo = async (_host, port) =>
    targets.map(
      (t): AddressInfo => ({
        family: t.startsWith("v6:") ? 6 : 4,
        type: 1,
        proto: 6,
        canonname: "",
        host: t,
        port: port as number,
      }),
    );
}

/**
 * Connect behaviours by fake address: "ok..." connects to the real listener, "refused..." to a
 * closed port, "blackhole..." never answers, "late..." connects after 30 ms even when
 * cancelled (a connect already on the wire).
 */
function fakeConnect(okPort: number, refusedPort: number): void {
  connectTcpSeams.connectSocket = async (target: ConnectTarget): Promise<Socket> => {
    const host = (target as { host: string }).host;
    attempts.push(host);
    const name = host.replace(/^v6:/, "");
    if (name.startsWith("blackhole")) return sleepForever();
    if (name.startsWith("late")) {
      return (await new CancelScope({ shield: true }).run(async () => {
        await sleep(30);
        return real.connectSocket({ host: "127.0.0.1", port: okPort });
      })) as Socket;
    }
    const port = name.startsWith("refused") ? refusedPort : okPort;
    return real.connectSocket({ host: "127.0.0.1", port });
  };
}

async function withServer(
  body: (okPort: number, refusedPort: number, listener: SocketListener) => Promise<void>,
): Promise<void> {
  const multi = await createTcpListener({ localHost: "127.0.0.1" });
  const closed = await createTcpListener({ localHost: "127.0.0.1" });
  const refusedPort = closed.extra(SocketAttribute.localPort);
  await closed.close();
  try {
    const listener = multi.listeners[0] as SocketListener;
    await body(multi.extra(SocketAttribute.localPort), refusedPort, listener);
  } finally {
    await multi.close();
  }
}

describe("connectTcp Happy Eyeballs (faked resolver)", () => {
  beforeEach(() => {
    attempts = [];
  });
  afterEach(() => {
    Object.assign(connectTcpSeams, real);
  });

  it("tries IPv6 first, then alternates families", async () => {
    await withServer(async (okPort, refusedPort) => {
      fakeDns(["refused-a", "refused-b", "v6:refused-c", "v6:refused-d", "ok-e"]);
      fakeConnect(okPort, refusedPort);
      const stream = await connectTcp("example.test", 80, { happyEyeballsDelay: 1000 });
      await stream.close();
      assert.deepEqual(attempts, [
        "v6:refused-c",
        "refused-a",
        "v6:refused-d",
        "refused-b",
        "ok-e",
      ]);
    });
  });

  it("starts the next attempt after happyEyeballsDelay when one hangs, and the hung one is cancelled", async () => {
    await withServer(async (okPort, refusedPort, listener) => {
      fakeDns(["v6:blackhole", "ok"]);
      fakeConnect(okPort, refusedPort);
      const started = performance.now();
      await using stream = await connectTcp("example.test", 80, { happyEyeballsDelay: 50 });
      const elapsed = performance.now() - started;
      assert.deepEqual(attempts, ["v6:blackhole", "ok"]);
      assert.ok(elapsed >= 45, `the second attempt started after ${elapsed} ms, not the delay`);
      // Generous bound: it must not have waited for the blackhole (which never ends).
      assert.ok(elapsed < 5000, `took ${elapsed} ms`);
      await using server = await listener.accept();
      await stream.send(Uint8Array.of(1));
      assert.equal((await server.receive())[0], 1);
      // The harness checks that the blackhole attempt left nothing parked.
    });
  });

  it("a failed attempt starts the next one at once, without waiting for the delay", async () => {
    await withServer(async (okPort, refusedPort) => {
      fakeDns(["v6:refused", "ok"]);
      fakeConnect(okPort, refusedPort);
      const started = performance.now();
      await using _stream = await connectTcp("example.test", 80, { happyEyeballsDelay: 10_000 });
      assert.ok(performance.now() - started < 5000);
      assert.deepEqual(attempts, ["v6:refused", "ok"]);
    });
  });

  it("all failed: ConnectionFailed with every cause in order; one target: the cause itself", async () => {
    await withServer(async (okPort, refusedPort) => {
      fakeDns(["refused-1", "v6:refused-2"]);
      fakeConnect(okPort, refusedPort);
      const error = await connectTcp("example.test", 80).catch((e: unknown) => e);
      assert.ok(error instanceof ConnectionFailed);
      assert.equal(error.message, "All connection attempts failed");
      assert.ok(error.cause instanceof ExceptionGroup);
      assert.equal(error.cause.exceptions.length, 2);
      for (const e of error.cause.exceptions) {
        assert.equal((e as { code?: string }).code, "ECONNREFUSED");
      }
      assert.deepEqual(attempts, ["v6:refused-2", "refused-1"]);

      fakeDns(["refused-only"]);
      const single = await connectTcp("example.test", 80).catch((e: unknown) => e);
      assert.ok(single instanceof ConnectionFailed);
      assert.equal((single.cause as { code?: string }).code, "ECONNREFUSED");
    });
  });

  it("a name with no address fails as a lookup (ENOTFOUND), with no attempt made", async () => {
    await withServer(async (okPort, refusedPort) => {
      fakeDns([]);
      fakeConnect(okPort, refusedPort);
      const error = await connectTcp("nothing.test", 80).catch((e: unknown) => e);
      assert.ok(error instanceof Error && !(error instanceof ConnectionFailed));
      assert.equal((error as { code?: string }).code, "ENOTFOUND");
      assert.match(error.message, /nothing\.test/);
      assert.deepEqual(attempts, []);
    });
  });

  it("the first success wins; an attempt that connects later is closed", async () => {
    await withServer(async (okPort, refusedPort, listener) => {
      // The first attempt connects only after 30 ms, long after the second one (5 ms) won.
      fakeDns(["v6:late", "ok"]);
      fakeConnect(okPort, refusedPort);
      await using stream = await connectTcp("example.test", 80, { happyEyeballsDelay: 5 });
      assert.deepEqual(attempts, ["v6:late", "ok"]);
      await using winner = await listener.accept();
      await stream.send(Uint8Array.of(9));
      assert.equal((await winner.receive())[0], 9);
      // The late connection reached the listener, and connectTcp closed it at once.
      await using loser = await listener.accept();
      await assert.rejects(loser.receive(), EndOfStream);
    });
  });

  it("cancelling connectTcp stops every attempt and leaves nothing open", async () => {
    await withServer(async (okPort, refusedPort) => {
      fakeDns(["v6:blackhole-1", "blackhole-2", "v6:blackhole-3"]);
      fakeConnect(okPort, refusedPort);
      await withTaskGroup(async (tg) => {
        tg.startSoon(async () => {
          await sleep(30);
          tg.cancelScope.cancel();
        });
        await connectTcp("example.test", 80, { happyEyeballsDelay: 10 });
        assert.fail("connectTcp should have been cancelled");
      });
      assert.deepEqual(attempts, ["v6:blackhole-1", "blackhole-2", "v6:blackhole-3"]);
    });
  });
});
