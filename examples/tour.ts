/**
 * A tour of the core doing real work: `npm run example`.
 *
 * 1. A task group hashes every source file concurrently and waits for all of them.
 * 2. A timeout (`moveOnAfter`) stops a CPU-bound search at its deadline.
 * 3. `start()` brings up a TCP echo server, a client talks to it, and cancelling the group
 *    shuts the server down through its `finally`.
 * 4. `formatTaskTree()` shows what every task is waiting on.
 * 5. Two failing tasks come out as one `ExceptionGroup`, handled with `catchGroup`.
 *
 * Ctrl-C at any point cancels everything in order and exits with 130.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { createConnection, createServer, type Server } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  cancellable,
  catchGroup,
  checkpoint,
  currentSignal,
  currentTime,
  failAfter,
  formatTaskTree,
  moveOnAfter,
  named,
  run,
  sleepForever,
  TASK_STATUS_IGNORED,
  type TaskStatus,
  waitAllTasksBlocked,
  withTaskGroup,
} from "../src/index.js";

const root = fileURLToPath(new URL("../../src", import.meta.url));

async function listFiles(dir: string): Promise<string[]> {
  const entries = await cancellable((signal) =>
    readdir(dir, { withFileTypes: true, signal } as never),
  );
  const files: string[] = [];
  for (const entry of entries as unknown as { name: string; isDirectory(): boolean }[]) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(path)));
    else files.push(path);
  }
  return files;
}

async function hashFiles(): Promise<void> {
  const files = await listFiles(root);
  const digests = new Map<string, string>();
  const started = currentTime();
  await failAfter(5_000, { reason: "hashing took too long" }).run(() =>
    withTaskGroup((tg) => {
      for (const file of files) {
        tg.startSoon(async () => {
          const data = await readFile(file, { signal: currentSignal() });
          digests.set(file, createHash("sha256").update(data).digest("hex").slice(0, 12));
        });
      }
    }),
  );
  const ms = (currentTime() - started).toFixed(1);
  console.log(`1. hashed ${digests.size} files concurrently in ${ms} ms, e.g.`);
  const [first] = digests;
  if (first) console.log(`   ${first[1]}  ${first[0].slice(root.length + 1)}`);
}

async function searchPrimes(): Promise<void> {
  const primes: number[] = [];
  const scope = moveOnAfter(50);
  await scope.run(async () => {
    for (let n = 2; ; n++) {
      let prime = true;
      for (let d = 2; d * d <= n; d++) {
        if (n % d === 0) {
          prime = false;
          break;
        }
      }
      if (prime) primes.push(n);
      if (n % 1_000 === 0) await checkpoint(); // where the deadline can land
    }
  });
  console.log(
    `2. moveOnAfter(50) stopped a prime search: ${primes.length} primes, largest ${primes.at(-1)}` +
      ` (cancelledCaught: ${scope.cancelledCaught})`,
  );
}

async function echoServer(status: TaskStatus<number> = TASK_STATUS_IGNORED): Promise<void> {
  const server: Server = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    status.started((server.address() as { port: number }).port);
    await sleepForever();
  } finally {
    server.close();
    console.log("   server: closed in its finally block");
  }
}

async function echoOnce(port: number, message: string): Promise<string> {
  const socket = createConnection(port, "127.0.0.1");
  try {
    const reply = await cancellable(
      new Promise<string>((resolve, reject) => {
        socket.once("error", reject);
        socket.once("data", (data) => resolve(String(data)));
        socket.write(message);
      }),
    );
    return reply;
  } finally {
    socket.destroy();
  }
}

async function serveAndTalk(): Promise<void> {
  await withTaskGroup(async (tg) => {
    const port = await tg.start(named("echo-server", echoServer));
    console.log(`3. echo server started on port ${port}`);
    console.log(`   client got back: ${JSON.stringify(await echoOnce(port, "hello, structure"))}`);
    await waitAllTasksBlocked();
    console.log(
      `4. the task tree while the server waits:\n${formatTaskTree().replace(/^/gm, "   | ")}`,
    );
    tg.cancel("demo over");
  });
}

async function failTogether(): Promise<void> {
  try {
    await withTaskGroup((tg) => {
      // Both fail before their first checkpoint, so neither is cancelled by the other's failure.
      tg.startSoon(async () => {
        throw new RangeError("disk full");
      });
      tg.startSoon(async () => {
        throw new TypeError("bad record");
      });
      tg.startSoon(sleepForever); // cancelled when the others fail
    });
  } catch (error) {
    catchGroup(error, Error, (group) => {
      const messages = group.leaves().map((e) => (e as Error).message);
      console.log(
        `5. one ExceptionGroup with ${group.leaves().length} errors: ${messages.join(", ")}`,
      );
    });
  }
}

await run(
  async function tour() {
    await hashFiles();
    await searchPrimes();
    await serveAndTalk();
    await failTogether();
    console.log("done: every task ended, nothing left running");
  },
  { handleSignals: true },
);
