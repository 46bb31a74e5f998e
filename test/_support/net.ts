/**
 * Helpers shared by the networking tests: text codecs, a temp dir per test for UNIX sockets, a
 * closed TCP port, a loopback TCP pair, and promises over raw `node:net` servers (peers that do
 * not go through our own code).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  connectTcp,
  createTcpListener,
  SocketAttribute,
  type SocketListener,
  type SocketStream,
} from "../../src/index.js";
import { afterEach, beforeEach } from "../harness.js";

export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

/** Paths in the temp dir of the running test; see {@link useSocketDir}. */
export interface SocketDir {
  /** A new socket path (`s0.sock`, `s1.sock`...). */
  socketPath(): string;
  /** `name` in the dir (for a path nobody binds). */
  inDir(name: string): string;
}

/**
 * Gives every test of the file calling it (call it at the top level) a fresh temp dir named
 * after `prefix`, removed after the test, whatever the test did; returns the paths in it.
 */
export function useSocketDir(prefix: string): SocketDir {
  let dir = "";
  let count = 0;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    socketPath: () => join(dir, `s${count++}.sock`),
    inDir: (name) => join(dir, name),
  };
}

/** Listens on a UNIX path, or a TCP port on 127.0.0.1; rejects if the server fails to. */
export function listen(server: Server, target: string | number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    const done = () => {
      server.off("error", reject);
      resolve();
    };
    if (typeof target === "string") server.listen(target, done);
    else server.listen(target, "127.0.0.1", done);
  });
}

/** Closes a raw server (at once if it is not listening); resolves once it is closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) resolve();
    else server.close(() => resolve());
  });
}

/** A port on 127.0.0.1 that nobody listens on (one a raw server had, now closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await listen(server, 0);
  const port = (server.address() as { port: number }).port;
  await closeServer(server);
  return port;
}

/** A connected pair over loopback: [client, server]. The listener is closed before returning. */
export async function tcpPair(host = "127.0.0.1"): Promise<[SocketStream, SocketStream]> {
  const multi = await createTcpListener({ localHost: host });
  // `listeners` is typed SocketListener[]: accept() needs no cast (this would not compile if
  // createTcpListener returned plain Listener<SocketStream>s).
  const listener: SocketListener | undefined = multi.listeners[0];
  if (listener === undefined) throw new Error("no listener");
  try {
    const port = listener.extra(SocketAttribute.localPort);
    const client = await connectTcp(host, port);
    const server = await listener.accept();
    return [client, server];
  } finally {
    await multi.close();
  }
}
