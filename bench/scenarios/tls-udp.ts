/**
 * TLS and UDP benchmarks, client and server in one process over loopback.
 *
 * `tls-throughput`: 16 MiB in 64 KiB chunks echoed over TLS (one op = one chunk there and
 * back). `tls-round-trip`: 2,000 round trips of a 100-byte message over TLS. The floor is
 * `node:tls` (`tls.createServer` + `tls.connect`, callbacks and `'drain'`); ours is a
 * `TLSListener` over `createTcpListener` and `connectTcp(..., { tls })`, a `TLSStream` whose
 * records go through a `SocketStream`.
 *
 * `udp-round-trip`: 5,000 round trips of a 100-byte datagram between two sockets. The floor is
 * `node:dgram` with callbacks; ours is `createUdpSocket` + `createConnectedUdpSocket`.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import type { CaseDef, Scenario } from "../harness.js";

const CHUNK = 64 * 1024;
const CHUNKS = 256;
const MESSAGE = 100;
const TLS_ROUND_TRIPS = 2_000;
const UDP_ROUND_TRIPS = 5_000;

const fixtures = new URL("../../../test/fixtures/tls/", import.meta.url);
const key = () => readFileSync(new URL("server.key", fixtures));
const cert = () => readFileSync(new URL("server.pem", fixtures));
const ca = () => readFileSync(new URL("ca.pem", fixtures));

type Lib = typeof import("../../src/index.js");
type TLSStream = import("../../src/index.js").TLSStream;

// --- floor: node:tls --------------------------------------------------------------------------

async function tlsPair() {
  const tls = await import("node:tls");
  const server = tls.createServer({ key: key(), cert: cert() }, (socket) => {
    socket.on("data", (data) => {
      if (!socket.write(data)) {
        socket.pause();
        socket.once("drain", () => socket.resume());
      }
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const client = tls.connect({ host: "127.0.0.1", port, servername: "localhost", ca: ca() });
  await new Promise<void>((resolve) => client.once("secureConnect", () => resolve()));
  return {
    client,
    close: () =>
      new Promise<void>((resolve) => {
        client.destroy();
        server.close(() => resolve());
      }),
  };
}

function floorThroughput(client: import("node:tls").TLSSocket): Promise<void> {
  const chunk = new Uint8Array(CHUNK);
  return new Promise((resolve) => {
    let received = 0;
    const onData = (data: Buffer) => {
      received += data.length;
      if (received >= CHUNK * CHUNKS) {
        client.off("data", onData);
        resolve();
      }
    };
    client.on("data", onData);
    let sent = 0;
    const pump = () => {
      while (sent < CHUNKS) {
        sent++;
        if (!client.write(chunk)) {
          client.once("drain", pump);
          return;
        }
      }
    };
    pump();
  });
}

function floorRoundTrips(client: import("node:tls").TLSSocket): Promise<void> {
  const message = new Uint8Array(MESSAGE);
  return new Promise((resolve) => {
    let done = 0;
    let got = 0;
    const onData = (data: Buffer) => {
      got += data.length;
      if (got < MESSAGE) return;
      got = 0;
      if (++done === TLS_ROUND_TRIPS) {
        client.off("data", onData);
        resolve();
      } else client.write(message);
    };
    client.on("data", onData);
    client.write(message);
  });
}

// --- us: TLSListener + connectTcp -------------------------------------------------------------

async function usTls(body: (lib: Lib, client: TLSStream) => Promise<void>): Promise<void> {
  const lib = await import("../../src/index.js");
  const tcp = await lib.createTcpListener({ localHost: "127.0.0.1" });
  await using listener = new lib.TLSListener(tcp, { key: key(), cert: cert() });
  const port = tcp.extra(lib.SocketAttribute.localPort);
  await lib.withTaskGroup(async (tg) => {
    tg.startSoon(() =>
      listener.serve(async (stream) => {
        try {
          for (;;) await stream.send(await stream.receive());
        } catch (error) {
          if (!(error instanceof lib.EndOfStream) && !(error instanceof lib.BrokenResourceError)) {
            throw error;
          }
        }
      }),
    );
    const client = await lib.connectTcp("127.0.0.1", port, {
      tlsHostname: "localhost",
      tlsContext: { ca: ca() },
    });
    try {
      await body(lib, client);
    } finally {
      await client.close();
    }
    tg.cancelScope.cancel();
  });
}

async function usThroughput(lib: Lib, client: TLSStream): Promise<void> {
  const chunk = new Uint8Array(CHUNK);
  await lib.withTaskGroup(async (tg) => {
    tg.startSoon(async () => {
      for (let i = 0; i < CHUNKS; i++) await client.send(chunk);
    });
    let received = 0;
    while (received < CHUNK * CHUNKS) received += (await client.receive()).length;
  });
}

async function usRoundTrips(_lib: Lib, client: TLSStream): Promise<void> {
  const message = new Uint8Array(MESSAGE);
  for (let i = 0; i < TLS_ROUND_TRIPS; i++) {
    await client.send(message);
    let got = 0;
    while (got < MESSAGE) got += (await client.receive(MESSAGE - got)).length;
  }
}

// --- UDP ----------------------------------------------------------------------------------------

async function floorUdp(): Promise<void> {
  const dgram = await import("node:dgram");
  const server = dgram.createSocket("udp4");
  const client = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", resolve));
  await new Promise<void>((resolve) => client.bind(0, "127.0.0.1", resolve));
  const port = server.address().port;
  await new Promise<void>((resolve) => client.connect(port, "127.0.0.1", () => resolve()));
  server.on("message", (data, info) => server.send(data, info.port, info.address));
  const message = new Uint8Array(MESSAGE);
  await new Promise<void>((resolve) => {
    let done = 0;
    client.on("message", () => {
      if (++done === UDP_ROUND_TRIPS) resolve();
      else client.send(message);
    });
    client.send(message);
  });
  await new Promise<void>((resolve) => client.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function usUdp(): Promise<void> {
  const lib = await import("../../src/index.js");
  await using server = await lib.createUdpSocket({ localHost: "127.0.0.1" });
  await using client = await lib.createConnectedUdpSocket(
    "127.0.0.1",
    server.extra(lib.SocketAttribute.localPort),
  );
  await lib.withTaskGroup(async (tg) => {
    tg.startSoon(async () => {
      for (;;) await server.send(await server.receive());
    });
    const message = new Uint8Array(MESSAGE);
    for (let i = 0; i < UDP_ROUND_TRIPS; i++) {
      await client.send(message);
      await client.receive();
    }
    tg.cancelScope.cancel();
  });
}

// --- the scenarios ----------------------------------------------------------------------------

function timed(
  body: () => Promise<void>,
  rate: (ms: number) => Record<string, number>,
): () => Promise<{ extra: Record<string, number> }> {
  return async () => {
    const started = performance.now();
    await body();
    return { extra: rate(performance.now() - started) };
  };
}

const megabytes = (ms: number) => ({ MBps: (CHUNK * CHUNKS) / 1e6 / (ms / 1000) });
const roundTrips = (n: number) => (ms: number) => ({ rtps: n / (ms / 1000) });

function tlsCases(kind: "throughput" | "round-trip"): CaseDef[] {
  const ops = kind === "throughput" ? CHUNKS : TLS_ROUND_TRIPS;
  const rate = kind === "throughput" ? megabytes : roundTrips(TLS_ROUND_TRIPS);
  return [
    {
      name: "floor",
      kind: "floor",
      label: "node:tls, callbacks and 'drain'",
      ops,
      async prepare() {
        return timed(async () => {
          const pair = await tlsPair();
          try {
            if (kind === "throughput") await floorThroughput(pair.client);
            else await floorRoundTrips(pair.client);
          } finally {
            await pair.close();
          }
        }, rate);
      },
    },
    {
      name: "us",
      kind: "us",
      label: "TLSListener + connectTcp({ tls }) (TLSStream over SocketStream)",
      ops,
      async prepare() {
        return timed(() => usTls(kind === "throughput" ? usThroughput : usRoundTrips), rate);
      },
    },
  ];
}

export const tlsThroughput: Scenario = {
  name: "tls-throughput",
  item: 9,
  title: "TLS echo over loopback: 16 MiB in 64 KiB chunks (one op = one chunk there and back)",
  measure: "time",
  unit: "µs/op",
  floor: "floor",
  cases: tlsCases("throughput"),
};

export const tlsRoundTrip: Scenario = {
  name: "tls-round-trip",
  item: 9,
  title: "TLS echo over loopback: 100-byte round trips, one at a time",
  measure: "time",
  unit: "µs/op",
  floor: "floor",
  cases: tlsCases("round-trip"),
};

export const udpRoundTrip: Scenario = {
  name: "udp-round-trip",
  item: 9,
  title: "UDP over loopback: 100-byte datagram round trips, one at a time",
  measure: "time",
  unit: "µs/op",
  floor: "floor",
  cases: [
    {
      name: "floor",
      kind: "floor",
      label: "node:dgram, callbacks",
      ops: UDP_ROUND_TRIPS,
      async prepare() {
        return timed(floorUdp, roundTrips(UDP_ROUND_TRIPS));
      },
    },
    {
      name: "us",
      kind: "us",
      label: "createUdpSocket + createConnectedUdpSocket",
      ops: UDP_ROUND_TRIPS,
      async prepare() {
        return timed(usUdp, roundTrips(UDP_ROUND_TRIPS));
      },
    },
  ],
};
