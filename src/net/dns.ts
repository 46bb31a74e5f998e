/**
 * Name resolution: `getaddrinfo` and `getnameinfo`, over `node:dns` (`lookup`, `lookupService`,
 * which use the system resolver like the C functions of the same names).
 *
 * Cancellation: `node:dns` lookups cannot be stopped once started. A cancelled call returns at
 * once with `Cancelled`; the lookup finishes in the background and its result is dropped.
 *
 * @module
 */
import { lookup, lookupService } from "node:dns";
import { isIP } from "node:net";
import { domainToASCII } from "node:url";
import { park, Waiter } from "../core/_internal/kernel.js";
import { describeValue } from "../streams/_internal/checks.js";

/**
 * One result of {@link getaddrinfo}, as a plain object.
 *
 * @example
 * ```ts
 * import { type AddressInfo, getaddrinfo } from "anyio-ts";
 * const [first]: AddressInfo[] = await getaddrinfo("127.0.0.1", 80);
 * console.assert(first?.family === 4 && first.host === "127.0.0.1" && first.port === 80);
 * ```
 */
export interface AddressInfo {
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** The socket type asked for (`0` when any). */
  readonly type: number;
  /** The protocol asked for (`0` when any). */
  readonly proto: number;
  /** Always `""`: `node:dns` does not report canonical names. */
  readonly canonname: string;
  /** The address, as an IP string; a non-zero IPv6 scope id is appended as `%scope`. */
  readonly host: string;
  /** The port given. */
  readonly port: number;
}

/**
 * Options of {@link getaddrinfo}.
 *
 * @example
 * ```ts
 * import { type GetaddrinfoOptions, getaddrinfo } from "anyio-ts";
 * const options: GetaddrinfoOptions = { family: 4 };
 * const results = await getaddrinfo("localhost", 0, options);
 * console.assert(results.every((r) => r.family === 4));
 * ```
 */
export interface GetaddrinfoOptions {
  /** 4, 6, or 0 for both. @default 0 */
  family?: 0 | 4 | 6;
  /** Socket type, copied to the results (`node:dns` does not filter by it). @default 0 */
  type?: number;
  /** Protocol, copied to the results. @default 0 */
  proto?: number;
  /** `dns.ADDRCONFIG`, `dns.V4MAPPED`, `dns.ALL` hints. @default 0 */
  flags?: number;
}

type LookupResult = { address: string; family: number }[];

class LookupWaiter extends Waiter<LookupResult> {
  constructor(
    readonly host: string,
    readonly family: 0 | 4 | 6,
    readonly hints: number,
  ) {
    super();
  }
  override onPark(): void {
    lookup(
      this.host,
      { all: true, family: this.family, hints: this.hints, verbatim: true } as never,
      (error: Error | null, addresses: LookupResult) => {
        if (error) this.reject(error);
        else this.resolve(addresses);
      },
    );
  }
  override describe(): string {
    return `getaddrinfo ${this.host}`;
  }
}

/**
 * Encodes a unicode host name with IDNA (UTS #46, non-transitional), as AnyIO does.
 * @internal
 */
export function encodeHost(host: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point
  if (/^[\x00-\x7f]*$/.test(host) || isIP(host) !== 0) return host;
  const ascii = domainToASCII(host);
  if (ascii === "") throw new TypeError(`The host name ${JSON.stringify(host)} is not valid IDNA`);
  return ascii;
}

/**
 * Resolves `host` to its addresses, as the system's `getaddrinfo()` does (hosts file, DNS...).
 * Unicode host names are encoded with IDNA 2008 (UTS #46) first, so `"faß.de"` resolves as
 * `"xn--fa-hia.de"`, not `"fass.de"`.
 *
 * Cancellation: a checkpoint; see the module note (the lookup runs on in the background).
 *
 * @param host A host name or an IP address string.
 * @param port The port to put in the results.
 * @throws {TypeError} If `host` is not a string or not valid IDNA.
 * @throws {RangeError} If `port` is not an integer in 0..65535.
 * @throws {Error} The resolver's error as `node:dns` gives it (`code` `ENOTFOUND`...).
 * @throws {Cancelled} If the scope is cancelled.
 * @example
 * ```ts
 * import { getaddrinfo } from "anyio-ts";
 * const results = await getaddrinfo("localhost", 8080);
 * console.assert(results.length > 0 && results.every((r) => r.port === 8080));
 * ```
 */
export async function getaddrinfo(
  host: string,
  port: number,
  options: GetaddrinfoOptions = {},
): Promise<AddressInfo[]> {
  if (typeof host !== "string") {
    throw new TypeError(`host must be a string, got ${describeValue(host)}`);
  }
  checkPort(port, "port");
  const { family = 0, type = 0, proto = 0, flags = 0 } = options;
  if (family !== 0 && family !== 4 && family !== 6) {
    throw new RangeError(`family must be 0, 4 or 6, got ${describeValue(family)}`);
  }
  const addresses = await park(new LookupWaiter(encodeHost(host), family, flags));
  const seen = new Set<string>();
  const out: AddressInfo[] = [];
  for (const { address, family: f } of addresses) {
    if (seen.has(address)) continue;
    seen.add(address);
    out.push({ family: f === 6 ? 6 : 4, type, proto, canonname: "", host: address, port });
  }
  return out;
}

class LookupServiceWaiter extends Waiter<{ host: string; service: string }> {
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super();
  }
  override onPark(): void {
    lookupService(this.host, this.port, (error, hostname, service) => {
      if (error) this.reject(error);
      else this.resolve({ host: hostname, service });
    });
  }
  override describe(): string {
    return `getnameinfo ${this.host}:${this.port}`;
  }
}

/**
 * Looks up the host name and service name of an IP address and port, as the system's
 * `getnameinfo()` does.
 *
 * Cancellation: a checkpoint; see the module note.
 *
 * @param address `{ host, port }`, the host an IP address string.
 * @returns `{ host, service }`: the name (or the address if it has none) and the service name
 *   (or the port number as a string).
 * @throws {TypeError} If `address.host` is not an IP address.
 * @throws {RangeError} If `address.port` is not an integer in 0..65535.
 * @throws {Error} The resolver's error as `node:dns` gives it.
 * @throws {Cancelled} If the scope is cancelled.
 * @example
 * ```ts
 * import { getnameinfo } from "anyio-ts";
 * const { host, service } = await getnameinfo({ host: "127.0.0.1", port: 22 });
 * console.assert(typeof host === "string" && typeof service === "string");
 * ```
 */
export function getnameinfo(address: {
  host: string;
  port: number;
}): Promise<{ host: string; service: string }> {
  const host = address?.host;
  if (typeof host !== "string" || isIP(host) === 0) {
    throw new TypeError(`getnameinfo needs an IP address, got ${describeValue(host)}`);
  }
  checkPort(address.port, "port");
  return park(new LookupServiceWaiter(host, address.port));
}

/** @internal */
export function checkPort(port: unknown, what: string): number {
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`${what} must be an integer from 0 to 65535, got ${describeValue(port)}`);
  }
  return port;
}
