/**
 * The argument checks of {@link TLSStream.wrap}, and of those that wrap later and check the
 * same options first under other names (`connectTcp`, `asConnectable`, `TLSConnectable`).
 *
 * @module
 */

import { describeValue } from "../../streams/_internal/checks.js";
import { encodeHost } from "../dns.js";
import type { TLSContextOptions, TLSWrapOptions } from "../tls-wrap-options.js";

function hasCredentials(context: TLSContextOptions): boolean {
  return (
    context.secureContext !== undefined ||
    context.pfx !== undefined ||
    context.cert !== undefined ||
    context.SNICallback !== undefined
  );
}

/**
 * What the options {@link checkWrapOptions} checks are called where they were given, for its
 * messages: `connectTcp` and `asConnectable` name them `tlsHostname`, `tlsContext`...
 * @internal
 */
export interface WrapOptionNames {
  readonly hostname: string;
  readonly context: string;
  readonly standardCompatible: string;
}

const WRAP_OPTION_NAMES: WrapOptionNames = {
  hostname: "hostname",
  context: "context",
  standardCompatible: "standardCompatible",
};

/** The types of the options of a wrap, each error naming the option as `names` says. */
function checkWrapOptionTypes(
  hostname: unknown,
  context: unknown,
  standardCompatible: unknown,
  names: WrapOptionNames,
): void {
  if (hostname !== undefined && (typeof hostname !== "string" || hostname === "")) {
    throw new TypeError(
      `${names.hostname} must be a non-empty string, got ${describeValue(hostname)}`,
    );
  }
  if (context !== undefined && (typeof context !== "object" || context === null)) {
    throw new TypeError(
      `${names.context} must be an options object, got ${describeValue(context)}`,
    );
  }
  if (standardCompatible !== undefined && typeof standardCompatible !== "boolean") {
    throw new TypeError(
      `${names.standardCompatible} must be a boolean, got ${describeValue(standardCompatible)}`,
    );
  }
}

/**
 * Checks the options of {@link TLSStream.wrap}. Also used by those that wrap later, to check
 * them before they connect: `TLSConnectable` when it is made, `connectTcp` before it resolves
 * the host; `names` is what their options are called.
 * @internal
 * @throws {TypeError} If an option has the wrong type, the host name is not valid IDNA, a
 *   server has no certificate, or a client has no host name and still verifies the certificate.
 */
export function checkWrapOptions(
  options: TLSWrapOptions,
  names: WrapOptionNames = WRAP_OPTION_NAMES,
): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  }
  const { hostname, context = {}, serverSide, standardCompatible } = options;
  checkWrapOptionTypes(hostname, context, standardCompatible, names);
  if (serverSide !== undefined && typeof serverSide !== "boolean") {
    throw new TypeError(`serverSide must be a boolean, got ${describeValue(serverSide)}`);
  }
  // As the constructor will encode it: a name that is not valid IDNA fails here.
  if (hostname !== undefined) encodeHost(hostname);
  const server = serverSide ?? hostname === undefined;
  if (server && !hasCredentials(context)) {
    throw new TypeError(
      `a server-side TLS stream needs a certificate: pass ${names.context}.key and ${names.context}.cert (or pfx, secureContext or SNICallback)`,
    );
  }
  if (
    !server &&
    hostname === undefined &&
    context.rejectUnauthorized !== false &&
    context.checkServerIdentity === undefined
  ) {
    throw new TypeError(
      `a client-side TLS stream needs the server's hostname to verify its certificate (or ${names.context}.checkServerIdentity, or rejectUnauthorized: false)`,
    );
  }
}

/**
 * The TLS options of `connectTcp` and `asConnectable`: those of {@link TLSStream.wrap} with a
 * `tls` prefix, and `tls` itself.
 * @internal
 */
export interface PrefixedTLSOptions {
  tls?: boolean;
  tlsContext?: TLSContextOptions;
  tlsHostname?: string;
  tlsStandardCompatible?: boolean;
}

/** The names {@link checkWrapOptions} gives the prefixed options in its messages. @internal */
export const PREFIXED_TLS_OPTION_NAMES: WrapOptionNames = {
  hostname: "tlsHostname",
  context: "tlsContext",
  standardCompatible: "tlsStandardCompatible",
};

/**
 * Checks the types of the prefixed TLS options (each error naming the option), whether or not
 * they ask for TLS, and says whether they do: `tls: true`, a `tlsContext` or a `tlsHostname`.
 * @internal
 * @throws {TypeError} If `tls` or `tlsStandardCompatible` is not a boolean, `tlsHostname` not
 *   a non-empty string or `tlsContext` not an object.
 */
export function checkPrefixedTLSOptions(options: PrefixedTLSOptions): boolean {
  const { tls = false, tlsContext, tlsHostname, tlsStandardCompatible } = options;
  if (typeof tls !== "boolean") {
    throw new TypeError(`tls must be a boolean, got ${describeValue(tls)}`);
  }
  checkWrapOptionTypes(tlsHostname, tlsContext, tlsStandardCompatible, PREFIXED_TLS_OPTION_NAMES);
  return tls || tlsContext !== undefined || tlsHostname !== undefined;
}
