/** Argument checks shared by the streams. */

/** The default `maxBytes` of a byte stream's `receive()`. */
export const DEFAULT_MAX_BYTES = 65536;

/**
 * Checks a `maxBytes` argument.
 * @throws {TypeError} If it is not a number.
 * @throws {RangeError} If it is not a positive integer.
 */
export function checkMaxBytes(maxBytes: unknown, what = "maxBytes"): number {
  if (typeof maxBytes !== "number") {
    throw new TypeError(`${what} must be a positive integer, got ${describeValue(maxBytes)}`);
  }
  if (!Number.isInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError(`${what} must be a positive integer, got ${maxBytes}`);
  }
  return maxBytes;
}

/** Checks that `data` is a `Uint8Array` (a `Buffer` is one). */
export function checkBytes(data: unknown, what = "data"): Uint8Array {
  if (!(data instanceof Uint8Array)) {
    throw new TypeError(`${what} must be a Uint8Array, got ${describeValue(data)}`);
  }
  return data;
}

/** A short rendering of a bad value for an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" && value !== null) {
    return value.constructor?.name ? `a ${value.constructor.name}` : "an object";
  }
  return String(value);
}
