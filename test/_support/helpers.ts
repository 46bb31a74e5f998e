/** Helpers shared by the test files. */
import assert from "node:assert/strict";
import { ExceptionGroup, named, sleepForever } from "../../src/index.js";

/** `true` only if `A` and `B` are the same type (a type-level test: `npm run typecheck`). */
export type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Asserts that `promise` rejects with an `ExceptionGroup`, and runs `check` on it. */
export function rejectsWithGroup(
  promise: Promise<unknown>,
  check: (e: ExceptionGroup) => void,
): Promise<void> {
  return assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof ExceptionGroup, `expected an ExceptionGroup, got ${e}`);
    check(e);
    return true;
  });
}

/** A task function named `name` that sleeps until cancelled and records that its cleanup ran. */
export function sleeper(name: string, cleaned: string[]) {
  return named(name, async (): Promise<never> => {
    try {
      return await sleepForever();
    } finally {
      cleaned.push(name);
    }
  });
}
