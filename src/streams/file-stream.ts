/**
 * File streams: `FileReadStream`, `FileWriteStream` and their `FileStreamAttribute`s.
 *
 * Byte streams over a `node:fs/promises` `FileHandle`, so a file can go wherever a stream is
 * expected (piped into a socket, say).
 *
 * Cancellation: a read is a checkpoint and can be abandoned half-way, losing nothing: reads are
 * positional (the stream keeps its own offset), so an abandoned read does not move it and the
 * next read gets the same bytes. A write cannot be taken back once started, so a write
 * cancelled half-way finishes (the cancellation lands at the next checkpoint).
 *
 * @module
 */
import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { checkpointIfCancelled } from "../core/checkpoint.js";
import {
  BrokenResourceError,
  BusyResourceError,
  ClosedResourceError,
  EndOfStream,
  isAnyioError,
} from "../core/errors.js";
import { cancellable } from "../core/signal.js";
import { checkBytes, checkMaxBytes, DEFAULT_MAX_BYTES, describeValue } from "./_internal/checks.js";
import { ByteReceiveStream, ByteSendStream } from "./byte-stream.js";
import { type ExtraAttributes, typedAttribute } from "./typed-attribute.js";

/**
 * The typed attributes of file streams: `file` (the `FileHandle`), `fileno` (its descriptor)
 * and `path` (only for streams opened with `fromPath()`).
 *
 * @example
 * ```ts
 * import { FileReadStream, FileStreamAttribute } from "anyio-ts";
 * import { fileURLToPath } from "node:url";
 * const path = fileURLToPath(import.meta.url);
 * await using stream = await FileReadStream.fromPath(path);
 * console.assert(stream.extra(FileStreamAttribute.path) === path);
 * console.assert(typeof stream.extra(FileStreamAttribute.fileno) === "number");
 * ```
 */
export const FileStreamAttribute = Object.freeze({
  /** The `FileHandle` the stream reads or writes. */
  file: typedAttribute<FileHandle>("file"),
  /** The path the stream was opened with (`fromPath()` only). */
  path: typedAttribute<string>("path"),
  /** The file descriptor. */
  fileno: typedAttribute<number>("fileno"),
});

function attributesOf(file: FileHandle, path: string | undefined): ExtraAttributes {
  const map = new Map<Parameters<ExtraAttributes["get"]>[0], () => unknown>([
    [FileStreamAttribute.file, () => file],
    [FileStreamAttribute.fileno, () => file.fd],
  ]);
  if (path !== undefined) map.set(FileStreamAttribute.path, () => path);
  return map;
}

function checkHandle(file: unknown, what: string): FileHandle {
  if (
    typeof (file as FileHandle)?.read !== "function" ||
    typeof (file as FileHandle)?.fd !== "number"
  ) {
    throw new TypeError(`${what} needs a FileHandle, got ${describeValue(file)}`);
  }
  return file as FileHandle;
}

function pathOf(path: string | URL): string {
  if (path instanceof URL) return fileURLToPath(path);
  if (typeof path !== "string")
    throw new TypeError(`path must be a string or a URL, got ${describeValue(path)}`);
  return path;
}

/**
 * Where `seek()` measures from: 0 the start, 1 the current position, 2 the end of the file.
 *
 * @example
 * ```ts
 * import { FileReadStream, type SeekWhence } from "anyio-ts";
 * import { fileURLToPath } from "node:url";
 * const fromEnd: SeekWhence = 2;
 * await using stream = await FileReadStream.fromPath(fileURLToPath(import.meta.url));
 * const last = await stream.seek(-1, fromEnd);
 * console.assert((await stream.receive()).length === 1 && last >= 0);
 * ```
 */
export type SeekWhence = 0 | 1 | 2;

/**
 * Reads a file as a byte stream, from its start (or from where `seek()` puts it). The stream
 * owns the file handle and closes it. One task at a time may read.
 *
 * @example
 * ```ts
 * import { FileReadStream } from "anyio-ts";
 * import { fileURLToPath } from "node:url";
 * await using stream = await FileReadStream.fromPath(fileURLToPath(import.meta.url));
 * let size = 0;
 * for await (const chunk of stream) size += chunk.length;
 * console.assert(size > 0);
 * ```
 */
export class FileReadStream extends ByteReceiveStream {
  readonly #file: FileHandle;
  #path: string | undefined = undefined;
  #position = 0;
  #closed = false;
  #busy = false;

  /**
   * @param file An open handle, read from offset 0 on (the handle's own position is not used).
   *   The stream owns it from now on.
   * @throws {TypeError} If `file` is not a `FileHandle`.
   */
  constructor(file: FileHandle) {
    super();
    this.#file = checkHandle(file, "FileReadStream");
  }

  /**
   * Opens the file at `path` for reading.
   *
   * Cancellation: checked before opening; the open itself is not abandoned (that would leak
   * the handle).
   *
   * @throws {TypeError} If `path` is not a string or a URL.
   * @throws {Error} The open's error (`ENOENT`, `EACCES`...) as `node:fs` throws it.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { FileReadStream } from "anyio-ts";
   * import { fileURLToPath } from "node:url";
   * const stream = await FileReadStream.fromPath(fileURLToPath(import.meta.url));
   * console.assert((await stream.receive(5)).length === 5);
   * await stream.close();
   * ```
   */
  static async fromPath(path: string | URL): Promise<FileReadStream> {
    const name = pathOf(path);
    checkpointIfCancelled();
    const stream = new FileReadStream(await open(path, "r"));
    stream.#path = name;
    return stream;
  }

  /** `file`, `fileno`, and `path` if opened with `fromPath()`. */
  override get extraAttributes(): ExtraAttributes {
    return attributesOf(this.#file, this.#path);
  }

  /**
   * Reads at most `maxBytes` bytes from the current position, and moves past them.
   *
   * Cancellation: a checkpoint; a read cancelled while it waits for the disk is abandoned and
   * the position does not move, so nothing is lost.
   *
   * @throws {RangeError} If `maxBytes` is not a positive integer.
   * @throws {EndOfStream} At the end of the file.
   * @throws {ClosedResourceError} If the stream was closed.
   * @throws {BusyResourceError} If another task is reading from it.
   * @throws {BrokenResourceError} If the read failed (`cause` is the I/O error).
   * @throws {Cancelled} If the scope is cancelled.
   */
  async receive(maxBytes: number = DEFAULT_MAX_BYTES): Promise<Uint8Array> {
    checkMaxBytes(maxBytes);
    this.#enter();
    try {
      checkpointIfCancelled();
      const buffer = new Uint8Array(maxBytes);
      const position = this.#position;
      let bytesRead: number;
      try {
        ({ bytesRead } = await cancellable(this.#file.read(buffer, 0, maxBytes, position)));
      } catch (error) {
        throw this.#translate(error);
      }
      if (bytesRead === 0) throw new EndOfStream();
      this.#position = position + bytesRead;
      // Keep a large buffer only if it is mostly used.
      return bytesRead === maxBytes
        ? buffer
        : bytesRead >= maxBytes >> 1
          ? buffer.subarray(0, bytesRead)
          : buffer.slice(0, bytesRead);
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Moves the read position and returns the new one.
   *
   * Not a checkpoint unless `whence` is 2 (it then asks the file's size).
   *
   * @param position The offset, from where `whence` says.
   * @param whence 0: from the start (the default); 1: from the current position; 2: from the
   *   end of the file.
   * @throws {TypeError} If `position` is not an integer.
   * @throws {RangeError} If `whence` is not 0, 1 or 2, or the new position is negative.
   * @throws {ClosedResourceError} If the stream was closed.
   * @throws {BusyResourceError} If another task is reading from it.
   * @throws {BrokenResourceError} If the file's size could not be read.
   * @example
   * ```ts
   * import { FileReadStream } from "anyio-ts";
   * import { fileURLToPath } from "node:url";
   * await using stream = await FileReadStream.fromPath(fileURLToPath(import.meta.url));
   * await stream.receive(10);
   * console.assert((await stream.tell()) === 10);
   * console.assert((await stream.seek(-5, 1)) === 5);
   * ```
   */
  async seek(position: number, whence: SeekWhence = 0): Promise<number> {
    if (typeof position !== "number" || !Number.isInteger(position)) {
      throw new TypeError(`position must be an integer, got ${describeValue(position)}`);
    }
    if (whence !== 0 && whence !== 1 && whence !== 2) {
      throw new RangeError(`whence must be 0, 1 or 2, got ${describeValue(whence)}`);
    }
    this.#enter();
    try {
      let base = 0;
      if (whence === 1) base = this.#position;
      else if (whence === 2) {
        checkpointIfCancelled();
        try {
          base = (await this.#file.stat()).size;
        } catch (error) {
          throw this.#translate(error);
        }
      }
      const target = base + position;
      if (target < 0) throw new RangeError(`The new position must not be negative, got ${target}`);
      this.#position = target;
      return target;
    } finally {
      this.#busy = false;
    }
  }

  /**
   * The current read position.
   *
   * @throws {ClosedResourceError} If the stream was closed.
   */
  async tell(): Promise<number> {
    if (this.#closed) throw new ClosedResourceError();
    return this.#position;
  }

  /**
   * Closes the file handle. Idempotent.
   *
   * Cancellation: ignored; the handle is always closed.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#file.close();
  }

  #enter(): void {
    if (this.#closed) throw new ClosedResourceError();
    if (this.#busy) throw new BusyResourceError("reading from");
    this.#busy = true;
  }

  #translate(error: unknown): unknown {
    if (isAnyioError(error)) return error;
    if (this.#closed) return new ClosedResourceError();
    if (error instanceof Error && "code" in error) {
      return new BrokenResourceError(`Reading the file failed: ${error.message}`, { cause: error });
    }
    return error;
  }
}

/**
 * Options of {@link FileWriteStream.fromPath}.
 *
 * @example
 * ```ts
 * import { FileWriteStream, type FileWriteStreamOptions } from "anyio-ts";
 * import { readFile, rm, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const path = join(tmpdir(), `anyio-append-${process.pid}-${Date.now()}.txt`);
 * await writeFile(path, "a");
 * const options: FileWriteStreamOptions = { append: true };
 * {
 *   await using stream = await FileWriteStream.fromPath(path, options);
 *   await stream.send(new TextEncoder().encode("b"));
 * }
 * console.assert((await readFile(path, "utf8")) === "ab");
 * await rm(path);
 * ```
 */
export interface FileWriteStreamOptions {
  /**
   * Add to the end of the file instead of replacing its content.
   * @default false
   */
  append?: boolean;
}

/**
 * Writes a byte stream to a file. The stream owns the file handle and closes it. One task at a
 * time may write.
 *
 * @example
 * ```ts
 * import { FileWriteStream } from "anyio-ts";
 * import { mkdtemp, readFile, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const dir = await mkdtemp(join(tmpdir(), "anyio-"));
 * const path = join(dir, "log.txt");
 * {
 *   await using log = await FileWriteStream.fromPath(path);
 *   await log.send(new TextEncoder().encode("one\n"));
 * }
 * {
 *   await using log = await FileWriteStream.fromPath(path, { append: true });
 *   await log.send(new TextEncoder().encode("two\n"));
 * }
 * console.assert((await readFile(path, "utf8")) === "one\ntwo\n");
 * await rm(dir, { recursive: true });
 * ```
 */
export class FileWriteStream extends ByteSendStream {
  readonly #file: FileHandle;
  #path: string | undefined = undefined;
  #closed = false;
  #busy = false;

  /**
   * @param file A handle open for writing, written at its current position (or at the end, if
   *   opened for appending). The stream owns it from now on.
   * @throws {TypeError} If `file` is not a `FileHandle`.
   */
  constructor(file: FileHandle) {
    super();
    this.#file = checkHandle(file, "FileWriteStream");
  }

  /**
   * Opens (creating it if needed) the file at `path` for writing: emptied first, or appended
   * to with `{ append: true }`.
   *
   * Cancellation: checked before opening; the open itself is not abandoned.
   *
   * @throws {TypeError} If `path` is not a string or a URL.
   * @throws {Error} The open's error (`ENOENT` for a missing directory, `EACCES`...).
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { FileWriteStream } from "anyio-ts";
   * import { rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { join } from "node:path";
   * const path = join(tmpdir(), `anyio-${process.pid}-${Date.now()}.txt`);
   * const stream = await FileWriteStream.fromPath(path, { append: true });
   * await stream.close();
   * await rm(path);
   * ```
   */
  static async fromPath(
    path: string | URL,
    options: FileWriteStreamOptions = {},
  ): Promise<FileWriteStream> {
    const name = pathOf(path);
    const append = options.append ?? false;
    if (typeof append !== "boolean") {
      throw new TypeError(`append must be a boolean, got ${describeValue(append)}`);
    }
    checkpointIfCancelled();
    const stream = new FileWriteStream(await open(path, append ? "a" : "w"));
    stream.#path = name;
    return stream;
  }

  /** `file`, `fileno`, and `path` if opened with `fromPath()`. */
  override get extraAttributes(): ExtraAttributes {
    return attributesOf(this.#file, this.#path);
  }

  /**
   * Writes all of `data`.
   *
   * Cancellation: a checkpoint before writing; once started, the write finishes.
   *
   * @throws {TypeError} If `data` is not a `Uint8Array`.
   * @throws {ClosedResourceError} If the stream was closed.
   * @throws {BusyResourceError} If another task is writing to it.
   * @throws {BrokenResourceError} If the write failed (`cause` is the I/O error).
   * @throws {Cancelled} If the scope is cancelled.
   */
  async send(data: Uint8Array): Promise<void> {
    checkBytes(data);
    if (this.#closed) throw new ClosedResourceError();
    if (this.#busy) throw new BusyResourceError("writing to");
    this.#busy = true;
    try {
      checkpointIfCancelled();
      let offset = 0;
      while (offset < data.length) {
        let bytesWritten: number;
        try {
          ({ bytesWritten } = await this.#file.write(data, offset, data.length - offset, null));
        } catch (error) {
          if (isAnyioError(error)) throw error;
          if (this.#closed) throw new ClosedResourceError();
          if (error instanceof Error && "code" in error) {
            throw new BrokenResourceError(`Writing the file failed: ${error.message}`, {
              cause: error,
            });
          }
          throw error;
        }
        offset += bytesWritten;
      }
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Closes the file handle. Idempotent.
   *
   * Cancellation: ignored; the handle is always closed.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#file.close();
  }
}
