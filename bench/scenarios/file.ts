/**
 * The file streams' benchmarks: reading and writing a 16 MiB file in 64 KiB chunks.
 *
 * `file-read`: a `FileReadStream` receives the whole file, 64 KiB at a time. `file-write`: a
 * `FileWriteStream` writes 16 MiB in 64 KiB chunks, then closes. One op is one 64 KiB chunk; the
 * notes give MB/s. The file lives in the OS temp directory and is made once per process.
 *
 * The floor is `node:fs/promises` written the plain way: a `FileHandle` and `read()`/`write()`
 * at explicit positions, one chunk at a time, into a fresh buffer per read as ours does (present
 * on all four runtimes). Shown beside it: `fs.createReadStream`/`createWriteStream` (the usual
 * way in Node code), and `Deno.FsFile`/`Bun.file` on those runtimes.
 *
 * @module
 */
import type { CaseDef, RuntimeName, Scenario } from "../harness.js";

const CHUNK = 64 * 1024;
const CHUNKS = 256; // 16 MiB per repetition

function rateExtra(ms: number): Record<string, number> {
  return { MBps: (CHUNK * CHUNKS) / 1e6 / (ms / 1000) };
}

const onlyOn = (runtime: RuntimeName, what: string) => {
  const all: RuntimeName[] = ["node20", "node24", "bun", "deno"];
  return Object.fromEntries(
    all.filter((r) => r !== runtime).map((r) => [r, `${what} exist only on ${runtime}`]),
  );
};

/** A fresh path in the temp directory, removed when the process exits. */
async function tempPath(name: string): Promise<string> {
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { rmSync } = await import("node:fs");
  const path = join(tmpdir(), `anyio-ts-bench-${process.pid}-${name}`);
  process.once("exit", () => rmSync(path, { force: true }));
  return path;
}

/** The 16 MiB file every read case reads. */
async function sourceFile(): Promise<string> {
  const { writeFile } = await import("node:fs/promises");
  const path = await tempPath("read");
  await writeFile(path, new Uint8Array(CHUNK * CHUNKS).fill(7));
  return path;
}

/** Times one repetition and reports the rate in the notes. */
function timed(body: () => Promise<void>): () => Promise<{ extra: Record<string, number> }> {
  return async () => {
    const start = performance.now();
    await body();
    return { extra: rateExtra(performance.now() - start) };
  };
}

function check(total: number): void {
  if (total !== CHUNK * CHUNKS) throw new Error(`moved ${total} bytes, expected ${CHUNK * CHUNKS}`);
}

const readCases: CaseDef[] = [
  {
    name: "floor",
    kind: "floor",
    label: "fs/promises FileHandle.read, 64 KiB at a time",
    ops: CHUNKS,
    async prepare() {
      const { open } = await import("node:fs/promises");
      const path = await sourceFile();
      return timed(async () => {
        const file = await open(path, "r");
        let total = 0;
        try {
          for (;;) {
            const buffer = new Uint8Array(CHUNK);
            const { bytesRead } = await file.read(buffer, 0, CHUNK, total);
            if (bytesRead === 0) break;
            total += bytesRead;
          }
        } finally {
          await file.close();
        }
        check(total);
      });
    },
  },
  {
    name: "read-stream",
    kind: "shown",
    label: "fs.createReadStream, for await",
    ops: CHUNKS,
    async prepare() {
      const { createReadStream } = await import("node:fs");
      const path = await sourceFile();
      return timed(async () => {
        let total = 0;
        for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) {
          total += (chunk as Buffer).length;
        }
        check(total);
      });
    },
  },
  {
    name: "deno",
    kind: "shown",
    label: "Deno.open + FsFile.read",
    ops: CHUNKS,
    unsupported: onlyOn("deno", "Deno's files"),
    async prepare() {
      const path = await sourceFile();
      const Deno = (globalThis as unknown as { Deno: DenoFiles }).Deno;
      return timed(async () => {
        const file = await Deno.open(path, { read: true });
        let total = 0;
        try {
          for (;;) {
            const n = await file.read(new Uint8Array(CHUNK));
            if (n === null) break;
            total += n;
          }
        } finally {
          file.close();
        }
        check(total);
      });
    },
  },
  {
    name: "bun",
    kind: "shown",
    label: "Bun.file().stream()",
    ops: CHUNKS,
    unsupported: onlyOn("bun", "Bun's files"),
    async prepare() {
      const path = await sourceFile();
      const Bun = (globalThis as unknown as { Bun: BunFiles }).Bun;
      return timed(async () => {
        let total = 0;
        for await (const chunk of Bun.file(path).stream()) total += chunk.length;
        check(total);
      });
    },
  },
  {
    name: "us",
    kind: "us",
    label: "FileReadStream.receive(65536)",
    ops: CHUNKS,
    async prepare() {
      const { FileReadStream, EndOfStream } = await import("../../src/index.js");
      const path = await sourceFile();
      return timed(async () => {
        await using stream = await FileReadStream.fromPath(path);
        let total = 0;
        try {
          for (;;) total += (await stream.receive(CHUNK)).length;
        } catch (error) {
          if (!(error instanceof EndOfStream)) throw error;
        }
        check(total);
      });
    },
  },
];

const writeCases: CaseDef[] = [
  {
    name: "floor",
    kind: "floor",
    label: "fs/promises FileHandle.write, 64 KiB at a time",
    ops: CHUNKS,
    async prepare() {
      const { open } = await import("node:fs/promises");
      const path = await tempPath("write-floor");
      const chunk = new Uint8Array(CHUNK).fill(7);
      return timed(async () => {
        const file = await open(path, "w");
        try {
          for (let i = 0; i < CHUNKS; i++) {
            let done = 0;
            while (done < CHUNK) done += (await file.write(chunk, done, CHUNK - done)).bytesWritten;
          }
        } finally {
          await file.close();
        }
      });
    },
  },
  {
    name: "write-stream",
    kind: "shown",
    label: "fs.createWriteStream, write with 'drain'",
    ops: CHUNKS,
    async prepare() {
      const { createWriteStream } = await import("node:fs");
      const path = await tempPath("write-stream");
      const chunk = new Uint8Array(CHUNK).fill(7);
      return timed(async () => {
        const out = createWriteStream(path);
        for (let i = 0; i < CHUNKS; i++) {
          if (!out.write(chunk))
            await new Promise<void>((resolve) => out.once("drain", () => resolve()));
        }
        await new Promise<void>((resolve, reject) =>
          out.end((error?: Error | null) => (error ? reject(error) : resolve())),
        );
      });
    },
  },
  {
    name: "us",
    kind: "us",
    label: "FileWriteStream.send",
    ops: CHUNKS,
    async prepare() {
      const { FileWriteStream } = await import("../../src/index.js");
      const path = await tempPath("write-us");
      const chunk = new Uint8Array(CHUNK).fill(7);
      return timed(async () => {
        await using stream = await FileWriteStream.fromPath(path);
        for (let i = 0; i < CHUNKS; i++) await stream.send(chunk);
      });
    },
  },
];

interface DenoFiles {
  open(
    path: string,
    options: { read: true },
  ): Promise<{ read(buffer: Uint8Array): Promise<number | null>; close(): void }>;
}
interface BunFiles {
  file(path: string): { stream(): AsyncIterable<Uint8Array> };
}

/** Reading a 16 MiB file in 64 KiB chunks. */
export const fileRead: Scenario = {
  name: "file-read",
  item: 9,
  title: "read a 16 MiB file, 64 KiB at a time (per chunk; MB/s in the notes)",
  measure: "time",
  unit: "µs/op",
  floor: "floor",
  cases: readCases,
};

/** Writing a 16 MiB file in 64 KiB chunks. */
export const fileWrite: Scenario = {
  name: "file-write",
  item: 9,
  title: "write a 16 MiB file, 64 KiB at a time (per chunk; MB/s in the notes)",
  measure: "time",
  unit: "µs/op",
  floor: "floor",
  cases: writeCases,
};
