/** Argument checks shared by the synchronization primitives. */

/** `value` for an error message: strings quoted, everything else as `String()` shows it. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "symbol") return value.toString();
  return String(value);
}

/**
 * Checks that `value` is an integer ≥ 0 and returns it.
 * @throws {TypeError} If it is not an integer.
 * @throws {RangeError} If it is negative.
 */
export function checkCount(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`${what} must be an integer, got ${show(value)}`);
  }
  if (value < 0) throw new RangeError(`${what} must be >= 0, got ${value}`);
  return value;
}
