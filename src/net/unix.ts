/**
 * UNIX domain sockets: `connectUnix` and `createUnixListener` (streams only).
 *
 * Descriptor passing (AnyIO's `send_fds`/`receive_fds`) is not offered: `node:net` gives no
 * access to `SCM_RIGHTS` ancillary data on any of Node, Bun or Deno, so it cannot be built on
 * it. {@link sendFds} and {@link receiveFds} exist only to say so with a clear error.
 *
 * UNIX datagram sockets (AnyIO's `create_unix_datagram_socket`): `node:dgram` knows only
 * `udp4` and `udp6` on Node, Bun and Deno (`createSocket("unix_dgram")` throws
 * `ERR_SOCKET_BAD_TYPE` on all four), Node has no other way, and Deno's own
 * `Deno.listenDatagram({ transport: "unixpacket" })` exists only under `--unstable-net`. So
 * `createUnixDatagramSocket` and `createConnectedUnixDatagramSocket` throw an error that says
 * so: code ported from AnyIO fails with the reason, not with a missing function.
 *
 * @module
 */
import { chmod, lstat, unlink } from "node:fs/promises";
import process from "node:process";
import { checkpointIfCancelled } from "../core/checkpoint.js";
import { describeValue } from "../streams/_internal/checks.js";
import { closeServer, connectSocket, listenServer } from "./_internal/node-socket.js";
import { SocketListener } from "./socket-listener.js";
import { SocketStream } from "./socket-stream.js";

function checkPath(path: unknown): string {
  if (typeof path !== "string" || path === "") {
    throw new TypeError(`path must be a non-empty string, got ${describeValue(path)}`);
  }
  return path;
}

/**
 * Connects to the UNIX stream socket at `path` and returns the connection as a
 * {@link SocketStream} (its `family` is `"unix"`), which the caller owns.
 *
 * Cancellation: a checkpoint; a cancelled connect leaves nothing open.
 *
 * @throws {TypeError} If `path` is not a non-empty string.
 * @throws {Error} The connect error: `ENOENT` when nothing is at `path`, `ECONNREFUSED` when
 *   nobody listens there.
 * @throws {Cancelled} If the scope is cancelled.
 * @example
 * ```ts
 * import { connectUnix, createUnixListener, SocketAttribute } from "anyio-ts";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const path = join(tmpdir(), `anyio-doc-${process.pid}-${Date.now()}.sock`);
 * await using listener = await createUnixListener(path);
 * await using stream = await connectUnix(path);
 * console.assert(stream.extra(SocketAttribute.remoteAddress) === path);
 * ```
 */
export async function connectUnix(path: string): Promise<SocketStream> {
  checkPath(path);
  const socket = await connectSocket({ path });
  // node:net cannot bind the client end of a UNIX socket: it is unnamed.
  return new SocketStream(socket, { local: "", remote: path });
}

/**
 * Options of {@link createUnixListener}.
 *
 * @example
 * ```ts
 * import { type CreateUnixListenerOptions } from "anyio-ts";
 * const options: CreateUnixListenerOptions = { mode: 0o600 };
 * console.assert(options.mode === 0o600);
 * ```
 */
export interface CreateUnixListenerOptions {
  /** Permissions to give the socket file (`chmod`). @default as the umask leaves them */
  mode?: number;
  /** The most pending connections the OS holds (clamped to 65536). @default 65536 */
  backlog?: number;
}

/**
 * Listens on the UNIX socket `path` and returns a {@link SocketListener}, which the caller owns.
 * A socket file left at `path` by an earlier process is removed first; any other kind of file
 * there is an error (`EADDRINUSE`), never removed. On Linux, a `path` that starts with `"\0"`
 * is a name in the abstract namespace: no file is made, removed or chmod-ed.
 *
 * Cancellation: a checkpoint; a cancelled call leaves nothing listening.
 *
 * @throws {TypeError} If `path` is not a non-empty string, or is an abstract name (`"\0..."`)
 *   with a `mode`, or anywhere but on Linux.
 * @throws {RangeError} If `backlog` or `mode` is not a non-negative integer.
 * @throws {Error} The listen or chmod error (`EADDRINUSE`, `EACCES`...).
 * @throws {Cancelled} If the scope is cancelled.
 * @example
 * ```ts
 * import { createUnixListener, SocketAttribute } from "anyio-ts";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const path = join(tmpdir(), `anyio-doc-${process.pid}-${Date.now()}.sock`);
 * await using listener = await createUnixListener(path, { mode: 0o600 });
 * console.assert(listener.extra(SocketAttribute.family) === "unix");
 * ```
 */
export async function createUnixListener(
  path: string,
  options: CreateUnixListenerOptions = {},
): Promise<SocketListener> {
  checkPath(path);
  const { mode, backlog = 65536 } = options;
  if (mode !== undefined && (!Number.isInteger(mode) || mode < 0)) {
    throw new RangeError(`mode must be a non-negative integer, got ${describeValue(mode)}`);
  }
  if (typeof backlog !== "number" || !Number.isInteger(backlog) || backlog < 1) {
    throw new RangeError(`backlog must be a positive integer, got ${describeValue(backlog)}`);
  }
  // A name in Linux's abstract namespace ("\0name") has no file: nothing to remove or chmod.
  const abstract = path.startsWith("\0");
  if (abstract && process.platform !== "linux") {
    throw new TypeError(`abstract socket names exist only on Linux, got ${describeValue(path)}`);
  }
  if (abstract && mode !== undefined) {
    throw new TypeError(
      `mode cannot be set on an abstract socket name, got ${describeValue(path)}`,
    );
  }
  checkpointIfCancelled();
  if (!abstract) {
    try {
      if ((await lstat(path)).isSocket()) await unlink(path);
    } catch (error) {
      if ((error as { code?: unknown }).code !== "ENOENT") throw error;
    }
  }
  const server = await listenServer({ path, backlog: Math.min(backlog, 65536) });
  try {
    if (mode !== undefined) await chmod(path, mode);
  } catch (error) {
    await closeServer(server);
    throw error;
  }
  return new SocketListener(server, path);
}

const NO_FDS =
  "Passing file descriptors over UNIX sockets is not supported: node:net (on Node.js, Bun and " +
  "Deno) gives no access to SCM_RIGHTS ancillary data";

/**
 * Not supported: always throws. Sending file descriptors (`SCM_RIGHTS`) needs ancillary data,
 * which `node:net` does not expose on any runtime. Kept so code ported from AnyIO fails with a
 * clear message instead of a missing method.
 *
 * @throws {Error} Always.
 * @example
 * ```ts
 * import { sendFds } from "anyio-ts";
 * await sendFds().catch((e) => console.assert(/not supported/.test(e.message)));
 * ```
 */
export async function sendFds(..._args: unknown[]): Promise<never> {
  throw new Error(NO_FDS);
}

/**
 * Not supported: always throws (see {@link sendFds}).
 *
 * @throws {Error} Always.
 * @example
 * ```ts
 * import { receiveFds } from "anyio-ts";
 * await receiveFds().catch((e) => console.assert(/not supported/.test(e.message)));
 * ```
 */
export async function receiveFds(..._args: unknown[]): Promise<never> {
  throw new Error(NO_FDS);
}

const NO_UNIX_DGRAM =
  "UNIX datagram sockets are not supported: node:dgram (on Node.js, Bun and Deno) knows only udp4 and udp6";

/**
 * Not supported: always throws. `node:dgram` has no UNIX datagram sockets on any runtime (see
 * docs/networking.md for what to use instead). Kept so code ported from AnyIO fails with a
 * clear message instead of a missing function.
 *
 * @throws {Error} Always.
 * @example
 * ```ts
 * import { createUnixDatagramSocket } from "anyio-ts";
 * await createUnixDatagramSocket().catch((e) => console.assert(/not supported/.test(e.message)));
 * ```
 */
export async function createUnixDatagramSocket(..._args: unknown[]): Promise<never> {
  throw new Error(NO_UNIX_DGRAM);
}

/**
 * Not supported: always throws (see {@link createUnixDatagramSocket}).
 *
 * @throws {Error} Always.
 * @example
 * ```ts
 * import { createConnectedUnixDatagramSocket } from "anyio-ts";
 * await createConnectedUnixDatagramSocket().catch((e) => console.assert(/not supported/.test(e.message)));
 * ```
 */
export async function createConnectedUnixDatagramSocket(..._args: unknown[]): Promise<never> {
  throw new Error(NO_UNIX_DGRAM);
}
