/**
 * `TLSListener`: wraps every connection of another listener in TLS before the handler sees it.
 *
 * Each handshake runs in the connection's own task, under a deadline, so a slow or hostile
 * client holds up nobody else; a failed handshake goes to `handleHandshakeError()` and never
 * stops the listener.
 *
 * @module
 */
import { failAfter } from "../core/cancel-scope.js";
import { isCancellation } from "../core/errors.js";
import type { TaskGroup } from "../core/task-group.js";
import { describeValue } from "../streams/_internal/checks.js";
import type { AnyByteStream } from "../streams/byte-stream.js";
import { Listener } from "../streams/listener.js";
import type { ExtraAttributes } from "../streams/typed-attribute.js";
import { TLSStream } from "./tls-stream.js";
import type { TLSContextOptions } from "./tls-wrap-options.js";

/**
 * Options of {@link TLSListener}.
 *
 * @example
 * ```ts
 * import { type TLSListenerOptions } from "anyio-ts";
 * const options: TLSListenerOptions = { handshakeTimeout: 10_000, standardCompatible: false };
 * console.assert(options.handshakeTimeout === 10_000);
 * ```
 */
export interface TLSListenerOptions {
  /** See {@link TLSWrapOptions.standardCompatible}. @default true */
  standardCompatible?: boolean;
  /** Milliseconds a client has to complete the handshake. @default 30000 */
  handshakeTimeout?: number;
  /**
   * Called with the error and the (already closed) transport when a handshake fails, unless a
   * subclass overrides {@link TLSListener.handleHandshakeError}. The default prints one line
   * with `console.warn`.
   */
  onHandshakeError?: (error: unknown, transport: AnyByteStream) => void;
}

/**
 * A listener that accepts connections from another listener (TCP, UNIX...) and hands them to
 * the handler as {@link TLSStream}s, after a TLS handshake done server-side with `context`.
 * Closing it closes the wrapped listener.
 *
 * @example
 * ```ts
 * import { connectTcp, createTcpListener, SocketAttribute, TLSListener, withTaskGroup } from "anyio-ts";
 * import { readFileSync } from "node:fs";
 * const key = readFileSync("test/fixtures/tls/server.key"); // your key and certificate
 * const cert = readFileSync("test/fixtures/tls/server.pem");
 * const tcp = await createTcpListener({ localHost: "127.0.0.1" });
 * await using listener = new TLSListener(tcp, { key, cert });
 * await withTaskGroup(async (tg) => {
 *   tg.startSoon(() => listener.serve(async (stream) => stream.send(await stream.receive())));
 *   await using client = await connectTcp("127.0.0.1", tcp.extra(SocketAttribute.localPort), {
 *     tlsHostname: "localhost",
 *     tlsContext: { ca: readFileSync("test/fixtures/tls/ca.pem") },
 *   });
 *   await client.send(new TextEncoder().encode("hi"));
 *   console.assert(new TextDecoder().decode(await client.receive()) === "hi");
 *   tg.cancelScope.cancel();
 * });
 * ```
 */
export class TLSListener extends Listener<TLSStream> {
  /** The listener whose connections are wrapped. */
  readonly listener: Listener<AnyByteStream>;
  /** The server's keys, certificates and options. */
  readonly context: TLSContextOptions;
  /** See {@link TLSListenerOptions.standardCompatible}. */
  readonly standardCompatible: boolean;
  /** See {@link TLSListenerOptions.handshakeTimeout}. */
  readonly handshakeTimeout: number;
  readonly #onHandshakeError: ((error: unknown, transport: AnyByteStream) => void) | undefined;

  /**
   * @param listener The listener to wrap; the TLS listener owns it from now on.
   * @param context The server's certificate and key (`cert` and `key`, `pfx`, or
   *   `secureContext`), and any other `node:tls` option.
   * @throws {TypeError} If `listener` is not a listener or `context` has no certificate.
   * @throws {RangeError} If `handshakeTimeout` is not a positive number.
   */
  constructor(
    listener: Listener<AnyByteStream>,
    context: TLSContextOptions,
    options: TLSListenerOptions = {},
  ) {
    super();
    if (typeof (listener as { serve?: unknown })?.serve !== "function") {
      throw new TypeError(`listener must be a Listener, got ${describeValue(listener)}`);
    }
    if (typeof context !== "object" || context === null) {
      throw new TypeError(`context must be an options object, got ${describeValue(context)}`);
    }
    if (
      context.secureContext === undefined &&
      context.pfx === undefined &&
      context.cert === undefined &&
      context.SNICallback === undefined
    ) {
      throw new TypeError(
        "a TLS listener needs a certificate: pass context.key and context.cert (or pfx, secureContext or SNICallback)",
      );
    }
    const { standardCompatible = true, handshakeTimeout = 30_000, onHandshakeError } = options;
    if (typeof handshakeTimeout !== "number" || !(handshakeTimeout > 0)) {
      throw new RangeError(
        `handshakeTimeout must be a positive number of milliseconds, got ${describeValue(handshakeTimeout)}`,
      );
    }
    if (typeof standardCompatible !== "boolean") {
      throw new TypeError(
        `standardCompatible must be a boolean, got ${describeValue(standardCompatible)}`,
      );
    }
    this.listener = listener;
    this.context = context;
    this.standardCompatible = standardCompatible;
    this.handshakeTimeout = handshakeTimeout;
    this.#onHandshakeError = onHandshakeError;
  }

  /** The wrapped listener's attributes. */
  override get extraAttributes(): ExtraAttributes {
    return this.listener.extraAttributes;
  }

  /**
   * Serves connections: each is wrapped in TLS (within `handshakeTimeout`) in a task of its own,
   * then handed to `handler`, and closed when the handler returns or throws. A failed handshake
   * goes to {@link TLSListener.handleHandshakeError}; the listener keeps serving.
   *
   * Cancellation: the way to stop serving, as for every listener.
   *
   * @throws {ClosedResourceError} If the listener is closed (inside an `ExceptionGroup` when it
   *   comes out of the group).
   * @throws {ExceptionGroup} With the handlers' errors.
   * @throws {Cancelled} If the scope is cancelled.
   * @example
   * ```ts
   * import { createTcpListener, TLSListener, type TLSStream } from "anyio-ts";
   * async function serveHttps(key: Uint8Array, cert: Uint8Array): Promise<void> {
   *   const listener = new TLSListener(await createTcpListener({ localPort: 8443 }), { key, cert });
   *   await listener.serve(async (stream: TLSStream) => {
   *     await stream.send(new TextEncoder().encode("HTTP/1.1 204 No Content\r\n\r\n"));
   *   });
   * }
   * console.assert(typeof serveHttps === "function");
   * ```
   */
  serve(handler: (stream: TLSStream) => unknown, taskGroup?: TaskGroup): Promise<void> {
    return this.listener.serve(async (transport: AnyByteStream) => {
      let stream: TLSStream;
      try {
        // failAfter throws on timeout, so the result is always there.
        stream = (await failAfter(this.handshakeTimeout).run(() =>
          TLSStream.wrap(transport, {
            serverSide: true,
            context: this.context,
            standardCompatible: this.standardCompatible,
          }),
        )) as TLSStream;
      } catch (error) {
        await this.handleHandshakeError(error, transport);
        return;
      }
      try {
        await handler(stream);
      } finally {
        await stream.close();
      }
    }, taskGroup);
  }

  /**
   * What happens when a client's handshake fails (bad certificate, garbage, too slow): the
   * transport is closed, then the error goes to the `onHandshakeError` option, or is printed
   * with `console.warn`. A cancellation is re-thrown (the serving scope was cancelled); any
   * other error is not, so one bad client never stops the listener. Override it in a subclass
   * to log differently.
   *
   * Cancellation: re-throws `Cancelled` after closing the transport.
   *
   * @throws {Cancelled} If `error` is a cancellation.
   * @example
   * ```ts
   * import { TLSListener } from "anyio-ts";
   * class QuietTLSListener extends TLSListener {
   *   override async handleHandshakeError(error: unknown, transport: Parameters<TLSListener["handleHandshakeError"]>[1]) {
   *     await transport.close();
   *     if (!(error instanceof Error)) throw error;
   *   }
   * }
   * console.assert(typeof QuietTLSListener === "function");
   * ```
   */
  async handleHandshakeError(error: unknown, transport: AnyByteStream): Promise<void> {
    await transport.close();
    if (isCancellation(error)) throw error;
    if (this.#onHandshakeError !== undefined) this.#onHandshakeError(error, transport);
    else console.warn(`anyio-ts: TLS handshake failed: ${String(error)}`);
  }

  /**
   * Closes the wrapped listener. Idempotent.
   *
   * Cancellation: as the wrapped listener's `close()`.
   */
  async close(): Promise<void> {
    await this.listener.close();
  }
}
