import assert from "node:assert/strict";
import { mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  BrokenResourceError,
  ClosedResourceError,
  EndOfStream,
  FileReadStream,
  FileStreamAttribute,
  FileWriteStream,
  moveOnAfter,
  TypedAttributeLookupError,
} from "../src/index.js";
import { checkReceiveStream, checkSendStream } from "./_support/stream-conformance.js";
import { afterEach, beforeEach, describe, it } from "./harness.js";

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

let dir = "";
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "anyio-file-stream-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A file of 1000 bytes (more than a small read, less than a default one). */
async function sampleFile(): Promise<{ path: string; content: Uint8Array }> {
  const content = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 256);
  const path = join(dir, "sample.bin");
  await writeFile(path, content);
  return { path, content };
}

describe("FileReadStream", () => {
  it("reads a file in chunks, then raises EndOfStream", async () => {
    const { path, content } = await sampleFile();
    const stream = await FileReadStream.fromPath(path);
    const chunks: Uint8Array[] = [];
    for (;;) {
      try {
        chunks.push(await stream.receive(300));
      } catch (error) {
        assert.ok(error instanceof EndOfStream);
        break;
      }
    }
    assert.deepEqual(
      chunks.map((c) => c.length),
      [300, 300, 300, 100],
    );
    assert.deepEqual(Buffer.concat(chunks), Buffer.from(content));
    await stream.close();
  });

  it("raises ClosedResourceError after close", async () => {
    const { path } = await sampleFile();
    const stream = await FileReadStream.fromPath(path);
    await stream.close();
    await stream.close();
    await assert.rejects(stream.receive(), ClosedResourceError);
    await assert.rejects(stream.seek(0), ClosedResourceError);
    await assert.rejects(stream.tell(), ClosedResourceError);
  });

  it("seeks and tells", async () => {
    const { path, content } = await sampleFile();
    await using stream = await FileReadStream.fromPath(path);
    assert.equal(await stream.tell(), 0);
    await stream.receive(10);
    assert.equal(await stream.tell(), 10);
    assert.equal(await stream.seek(500), 500);
    assert.deepEqual([...(await stream.receive(2))], [...content.subarray(500, 502)]);
    assert.equal(await stream.seek(-2, 1), 500);
    assert.equal(await stream.seek(-10, 2), 990);
    assert.equal((await stream.receive()).length, 10);
    assert.equal(await stream.seek(2000), 2000);
    await assert.rejects(stream.receive(), EndOfStream);
    await assert.rejects(stream.seek(-1), /must not be negative, got -1/);
    await assert.rejects(stream.seek(0, 3 as 0), RangeError);
    await assert.rejects(stream.seek(1.5), TypeError);
  });

  it("offers the file, its descriptor and its path as typed attributes", async () => {
    const { path } = await sampleFile();
    await using stream = await FileReadStream.fromPath(path);
    assert.equal(stream.extra(FileStreamAttribute.path), path);
    assert.equal(typeof stream.extra(FileStreamAttribute.fileno), "number");
    assert.equal(
      stream.extra(FileStreamAttribute.file).fd,
      stream.extra(FileStreamAttribute.fileno),
    );
  });

  it("has no path attribute when made from a handle, and reads it from the start", async () => {
    const { path, content } = await sampleFile();
    const handle = await open(path, "r");
    await using stream = new FileReadStream(handle);
    assert.throws(() => stream.extra(FileStreamAttribute.path), TypedAttributeLookupError);
    assert.equal(stream.extra(FileStreamAttribute.file), handle);
    assert.deepEqual([...(await stream.receive(3))], [...content.subarray(0, 3)]);
  });

  it("opens a file URL", async () => {
    const { path } = await sampleFile();
    await using stream = await FileReadStream.fromPath(pathToFileURL(path));
    assert.equal(stream.extra(FileStreamAttribute.path), path);
  });

  it("lets an open error through as node:fs throws it", async () => {
    await assert.rejects(FileReadStream.fromPath(join(dir, "missing")), { code: "ENOENT" });
    assert.throws(() => new FileReadStream({} as never), TypeError);
  });

  it("abandons a read cancelled while it waits, without moving the position", async () => {
    // A handle whose first read never completes (a slow disk, a FIFO with no writer).
    let reads = 0;
    const handle = {
      fd: 1000,
      read(buffer: Uint8Array) {
        if (reads++ === 0) return new Promise(() => {});
        buffer.set([1, 2, 3]);
        return Promise.resolve({ bytesRead: 3, buffer });
      },
      close: async () => {},
    };
    await using stream = new FileReadStream(handle as never);
    const scope = moveOnAfter(5);
    await scope.run(() => stream.receive());
    assert.ok(scope.cancelledCaught);
    assert.equal(await stream.tell(), 0);
    assert.deepEqual([...(await stream.receive())], [1, 2, 3]);
    assert.equal(await stream.tell(), 3);
  });

  it("turns a read error into BrokenResourceError with the I/O error as cause", async () => {
    // Reading a handle that is only open for writing fails with EBADF.
    const handle = await open(join(dir, "write-only"), "w");
    await using stream = new FileReadStream(handle);
    await assert.rejects(stream.receive(), (e: unknown) => {
      assert.ok(e instanceof BrokenResourceError);
      assert.ok((e.cause as { code?: string }).code !== undefined);
      return true;
    });
  });
});

describe("FileWriteStream", () => {
  it("writes, and replaces what the file held", async () => {
    const path = join(dir, "out.txt");
    await writeFile(path, "old content that is longer");
    {
      await using stream = await FileWriteStream.fromPath(path);
      await stream.send(encode("hello, "));
      await stream.send(encode("world"));
    }
    assert.equal(await readFile(path, "utf8"), "hello, world");
  });

  it("appends with append: true", async () => {
    const path = join(dir, "log.txt");
    await writeFile(path, "one\n");
    {
      await using stream = await FileWriteStream.fromPath(path, { append: true });
      await stream.send(encode("two\n"));
    }
    assert.equal(await readFile(path, "utf8"), "one\ntwo\n");
    await assert.rejects(FileWriteStream.fromPath(path, { append: 1 as never }), TypeError);
  });

  it("raises ClosedResourceError after close", async () => {
    const stream = await FileWriteStream.fromPath(join(dir, "x"));
    await stream.close();
    await assert.rejects(stream.send(encode("x")), ClosedResourceError);
  });

  it("offers the file, its descriptor and its path as typed attributes", async () => {
    const path = join(dir, "attrs");
    await using stream = await FileWriteStream.fromPath(path);
    assert.equal(stream.extra(FileStreamAttribute.path), path);
    assert.equal(typeof stream.extra(FileStreamAttribute.fileno), "number");
  });

  it("rejects what is not bytes", async () => {
    await using stream = await FileWriteStream.fromPath(join(dir, "y"));
    await assert.rejects(stream.send("text" as never), /must be a Uint8Array, got "text"/);
  });

  it("turns a write error into BrokenResourceError with the I/O error as cause", async () => {
    const path = join(dir, "read-only");
    await writeFile(path, "");
    await using stream = new FileWriteStream(await open(path, "r"));
    await assert.rejects(stream.send(encode("x")), (e: unknown) => {
      assert.ok(e instanceof BrokenResourceError);
      assert.ok((e.cause as { code?: string }).code !== undefined);
      return true;
    });
  });
});

describe("FileReadStream conformance", () => {
  checkReceiveStream(
    async () => {
      const { path, content } = await sampleFile();
      return { stream: await FileReadStream.fromPath(path), content: [content] };
    },
    { kind: "bytes" },
  );
});

describe("FileWriteStream conformance", () => {
  checkSendStream(
    async () => {
      const path = join(dir, "sink.bin");
      return {
        stream: await FileWriteStream.fromPath(path),
        written: async () => new Uint8Array(await readFile(path)),
      };
    },
    { kind: "bytes", singleWriter: true },
  );
});
