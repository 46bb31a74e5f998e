/**
 * The networking issue's benchmarks: a loopback TCP echo, client and server in one process.
 *
 * `tcp-throughput`: the client sends 16 MiB in 64 KiB chunks while it receives the echo; one
 * op is one 64 KiB chunk there and back (the notes give MB/s of payload).
 * `tcp-round-trip`: 100-byte messages, one at a time: send, wait for the whole echo (the notes
 * give round trips per second).
 *
 * The floor is `node:net` written the plain efficient way (callbacks, `write()` with `'drain'`
 * backpressure). Bun and Deno also have native sockets (`Bun.listen`/`Bun.connect`,
 * `Deno.listen`/`Deno.connect`), shown on their runtime. Ours: `createTcpListener` +
 * `connectTcp`, the echo a task doing `send(await receive())`.
 *
 * @module
 */
import type { Server, Socket } from "node:net";
import type { CaseDef, RuntimeName, Scenario } from "../harness.js";

const CHUNK = 64 * 1024;
const CHUNKS = 256; // 16 MiB per repetition
const MESSAGE = 100;
const ROUND_TRIPS = 5_000;

const onlyOn = (runtime: RuntimeName, what: string) => {
  const all: RuntimeName[] = ["node20", "node24", "bun", "deno"];
  return Object.fromEntries(
    all.filter((r) => r !== runtime).map((r) => [r, `${what} exist only on ${runtime}`]),
  );
};

/** What one repetition reports: the ops count is fixed, so the notes carry the rate. */
function throughputExtra(ms: number): Record<string, number> {
  return { MBps: (CHUNK * CHUNKS) / 1e6 / (ms / 1000) };
}
function roundTripExtra(ms: number): Record<string, number> {
  return { rtps: ROUND_TRIPS / (ms / 1000) };
}

// --- floor: node:net --------------------------------------------------------------------------

async function netPair(): Promise<{ server: Server; client: Socket; close(): Promise<void> }> {
  const net = await import("node:net");
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
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
  const client = net.connect(port, "127.0.0.1");
  client.setNoDelay(true);
  await new Promise<void>((resolve) => client.once("connect", () => resolve()));
  return {
    server,
    client,
    close: () =>
      new Promise<void>((resolve) => {
        client.destroy();
        server.close(() => resolve());
      }),
  };
}

function netThroughput(client: Socket, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    let received = 0;
    const total = CHUNK * CHUNKS;
    const onData = (data: Buffer) => {
      received += data.length;
      if (received >= total) {
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

function netRoundTrips(client: Socket, message: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    let done = 0;
    let got = 0;
    const onData = (data: Buffer) => {
      got += data.length;
      if (got < MESSAGE) return;
      got = 0;
      if (++done === ROUND_TRIPS) {
        client.off("data", onData);
        resolve();
      } else client.write(message);
    };
    client.on("data", onData);
    client.write(message);
  });
}

// --- us ---------------------------------------------------------------------------------------

type Lib = typeof import("../../src/index.js");

async function usRun(
  body: (lib: Lib, client: import("../../src/index.js").SocketStream) => Promise<void>,
): Promise<void> {
  const lib = await import("../../src/index.js");
  await using listener = await lib.createTcpListener({ localHost: "127.0.0.1" });
  const port = listener.extra(lib.SocketAttribute.localPort);
  await lib.withTaskGroup(async (tg) => {
    tg.startSoon(() =>
      listener.serve(async (stream) => {
        try {
          for (;;) await stream.send(await stream.receive());
        } catch (error) {
          if (!(error instanceof lib.EndOfStream)) throw error;
        }
      }),
    );
    const client = await lib.connectTcp("127.0.0.1", port);
    try {
      await body(lib, client);
    } finally {
      await client.close();
    }
    tg.cancelScope.cancel();
  });
}

async function usThroughput(lib: Lib, client: import("../../src/index.js").SocketStream) {
  const chunk = new Uint8Array(CHUNK);
  await lib.withTaskGroup(async (tg) => {
    tg.startSoon(async () => {
      for (let i = 0; i < CHUNKS; i++) await client.send(chunk);
    });
    let received = 0;
    while (received < CHUNK * CHUNKS) received += (await client.receive()).length;
  });
}

async function usRoundTrips(_lib: Lib, client: import("../../src/index.js").SocketStream) {
  const message = new Uint8Array(MESSAGE);
  for (let i = 0; i < ROUND_TRIPS; i++) {
    await client.send(message);
    let got = 0;
    while (got < MESSAGE) got += (await client.receive(MESSAGE - got)).length;
  }
}

// --- native: Bun ------------------------------------------------------------------------------

interface BunSocket {
  write(data: Uint8Array): number;
  end(): void;
  data: { onData?: (data: Uint8Array) => void; pending?: Uint8Array[]; server?: boolean };
}
interface BunApi {
  listen(options: unknown): { port: number; stop(force?: boolean): void };
  connect(options: unknown): Promise<BunSocket>;
}

async function bunPair(): Promise<{ client: BunSocket; onDrain: Set<() => void>; close(): void }> {
  const Bun = (globalThis as unknown as { Bun: BunApi }).Bun;
  // The echo keeps what the kernel did not take and writes it on 'drain'.
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket: BunSocket) {
        socket.data = { pending: [] };
      },
      data(socket: BunSocket, data: Uint8Array) {
        const pending = socket.data.pending as Uint8Array[];
        if (pending.length > 0) {
          pending.push(data.slice());
          return;
        }
        const n = socket.write(data);
        if (n < data.length) pending.push(data.slice(n));
      },
      drain(socket: BunSocket) {
        const pending = socket.data.pending as Uint8Array[];
        while (pending.length > 0) {
          const head = pending[0] as Uint8Array;
          const n = socket.write(head);
          if (n < head.length) {
            pending[0] = head.subarray(n);
            return;
          }
          pending.shift();
        }
      },
    },
  });
  const onDrain = new Set<() => void>();
  const client = await Bun.connect({
    hostname: "127.0.0.1",
    port: server.port,
    socket: {
      data(socket: BunSocket, data: Uint8Array) {
        socket.data.onData?.(data);
      },
      drain() {
        for (const f of [...onDrain]) f();
      },
    },
  });
  client.data = {};
  return {
    client,
    onDrain,
    close() {
      client.end();
      server.stop(true);
    },
  };
}

async function bunThroughput(pair: Awaited<ReturnType<typeof bunPair>>): Promise<void> {
  const chunk = new Uint8Array(CHUNK);
  const total = CHUNK * CHUNKS;
  await new Promise<void>((resolve) => {
    let received = 0;
    pair.client.data.onData = (data) => {
      received += data.length;
      if (received >= total) resolve();
    };
    let sent = 0;
    let offset = 0;
    const pump = () => {
      while (sent < CHUNKS) {
        const n = pair.client.write(offset === 0 ? chunk : chunk.subarray(offset));
        offset += n;
        if (offset < CHUNK) return; // wait for drain
        offset = 0;
        sent++;
      }
      pair.onDrain.delete(pump);
    };
    pair.onDrain.add(pump);
    pump();
  });
}

async function bunRoundTrips(pair: Awaited<ReturnType<typeof bunPair>>): Promise<void> {
  const message = new Uint8Array(MESSAGE);
  await new Promise<void>((resolve) => {
    let done = 0;
    let got = 0;
    pair.client.data.onData = (data) => {
      got += data.length;
      if (got < MESSAGE) return;
      got = 0;
      if (++done === ROUND_TRIPS) resolve();
      else pair.client.write(message);
    };
    pair.client.write(message);
  });
}

// --- native: Deno -----------------------------------------------------------------------------

interface DenoConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  close(): void;
  setNoDelay(on: boolean): void;
}
interface DenoApi {
  listen(options: { hostname: string; port: number }): {
    addr: { port: number };
    accept(): Promise<DenoConn>;
    close(): void;
  };
  connect(options: { hostname: string; port: number }): Promise<DenoConn>;
}

async function writeAll(conn: DenoConn, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) offset += await conn.write(data.subarray(offset));
}

async function denoPair(): Promise<{ client: DenoConn; close(): Promise<void> }> {
  const Deno = (globalThis as unknown as { Deno: DenoApi }).Deno;
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = await accepted;
  client.setNoDelay(true);
  server.setNoDelay(true);
  const echo = (async () => {
    const buffer = new Uint8Array(CHUNK);
    try {
      for (;;) {
        const n = await server.read(buffer);
        if (n === null) break;
        await writeAll(server, buffer.subarray(0, n));
      }
    } catch {
      // closed
    }
  })();
  return {
    client,
    async close() {
      client.close();
      await echo;
      server.close();
      listener.close();
    },
  };
}

async function denoThroughput(client: DenoConn): Promise<void> {
  const chunk = new Uint8Array(CHUNK);
  const sending = (async () => {
    for (let i = 0; i < CHUNKS; i++) await writeAll(client, chunk);
  })();
  const buffer = new Uint8Array(CHUNK);
  let received = 0;
  while (received < CHUNK * CHUNKS) received += (await client.read(buffer)) ?? 0;
  await sending;
}

async function denoRoundTrips(client: DenoConn): Promise<void> {
  const message = new Uint8Array(MESSAGE);
  const buffer = new Uint8Array(MESSAGE);
  for (let i = 0; i < ROUND_TRIPS; i++) {
    await writeAll(client, message);
    let got = 0;
    while (got < MESSAGE) got += (await client.read(buffer.subarray(got))) ?? 0;
  }
}

// --- the scenarios ----------------------------------------------------------------------------

function cases(kind: "throughput" | "round-trip"): CaseDef[] {
  const ops = kind === "throughput" ? CHUNKS : ROUND_TRIPS;
  const extra = kind === "throughput" ? throughputExtra : roundTripExtra;
  const timed = async (body: () => Promise<void>) => {
    const started = performance.now();
    await body();
    return { extra: extra(performance.now() - started) };
  };
  return [
    {
      name: "floor",
      kind: "floor",
      label: "node:net, callbacks and 'drain'",
      ops,
      async prepare() {
        return () =>
          timed(async () => {
            const pair = await netPair();
            try {
              if (kind === "throughput") await netThroughput(pair.client, new Uint8Array(CHUNK));
              else await netRoundTrips(pair.client, new Uint8Array(MESSAGE));
            } finally {
              await pair.close();
            }
          });
      },
    },
    {
      name: "bun-native",
      kind: "shown",
      label: "Bun.listen + Bun.connect",
      ops,
      unsupported: onlyOn("bun", "Bun sockets"),
      async prepare() {
        return () =>
          timed(async () => {
            const pair = await bunPair();
            try {
              if (kind === "throughput") await bunThroughput(pair);
              else await bunRoundTrips(pair);
            } finally {
              pair.close();
            }
          });
      },
    },
    {
      name: "deno-native",
      kind: "shown",
      label: "Deno.listen + Deno.connect",
      ops,
      unsupported: onlyOn("deno", "Deno sockets"),
      async prepare() {
        return () =>
          timed(async () => {
            const pair = await denoPair();
            try {
              if (kind === "throughput") await denoThroughput(pair.client);
              else await denoRoundTrips(pair.client);
            } finally {
              await pair.close();
            }
          });
      },
    },
    {
      name: "us",
      kind: "us",
      label: "createTcpListener + connectTcp (SocketStream)",
      ops,
      async prepare() {
        return () => timed(() => usRun(kind === "throughput" ? usThroughput : usRoundTrips));
      },
    },
  ];
}

export const tcpThroughput: Scenario = {
  name: "tcp-throughput",
  item: 9,
  title: "TCP echo over loopback: 16 MiB in 64 KiB chunks (one op = one chunk there and back)",
  measure: "time",
  unit: "µs/op",
  floor: "floor",
  cases: cases("throughput"),
};

export const tcpRoundTrip: Scenario = {
  name: "tcp-round-trip",
  item: 9,
  title: "TCP echo over loopback: 100-byte round trips, one at a time",
  measure: "time",
  unit: "µs/op",
  floor: "floor",
  cases: cases("round-trip"),
};
