/**
 * `ExceptionGroup`: several errors raised together, as task groups raise them.
 *
 * A task group always raises an `ExceptionGroup`, even for one failing child, so one failing
 * child and two failing children need the same `catch` code. `catchGroup` is the way to handle
 * one type of error from a group without unwrapping it by hand (Python's `except*`).
 *
 * @module
 */

// biome-ignore lint/suspicious/noExplicitAny: constructors of any error class are accepted
type ErrorClass<E> = abstract new (...args: any[]) => E;

/**
 * A class to match by `instanceof`, or a predicate over a leaf error.
 *
 * @example
 * ```ts
 * import { type ErrorMatcher, ExceptionGroup } from "anyio-ts";
 * const timeouts: ErrorMatcher<Error> = (e) => e instanceof Error && e.message.includes("timed out");
 * const group = new ExceptionGroup("x", [new Error("timed out"), new TypeError("bad")]);
 * console.assert(group.subgroup(timeouts)?.exceptions.length === 1);
 * ```
 */
export type ErrorMatcher<E> = ErrorClass<E> | ((error: unknown) => boolean);

function toPredicate(matcher: ErrorMatcher<unknown>): (error: unknown) => boolean {
  if (typeof matcher !== "function") {
    throw new TypeError(`Expected an error class or a predicate, got ${String(matcher)}`);
  }
  // A class has a prototype object whose constructor is itself; arrow predicates have none.
  const proto = (matcher as { prototype?: unknown }).prototype;
  if (proto !== undefined && (proto instanceof Error || proto === Error.prototype)) {
    return (e) => e instanceof (matcher as ErrorClass<unknown>);
  }
  return matcher as (error: unknown) => boolean;
}

/**
 * Several errors raised together. A subclass of `AggregateError`: `errors` and `exceptions` are
 * the same array.
 *
 * @example
 * ```ts
 * import { ExceptionGroup } from "anyio-ts";
 * const group = new ExceptionGroup("two failures", [new TypeError("a"), new RangeError("b")]);
 * const [types, rest] = group.split(TypeError);
 * console.assert(types?.exceptions.length === 1 && rest?.exceptions.length === 1);
 * ```
 */
export class ExceptionGroup<E = unknown> extends AggregateError {
  /** The errors in the group, in the order they were raised. */
  readonly exceptions: readonly E[];

  /**
   * @throws {TypeError} If `exceptions` is not an array or is empty.
   */
  constructor(message: string, exceptions: readonly E[], options?: ErrorOptions) {
    if (!Array.isArray(exceptions) || exceptions.length === 0) {
      throw new TypeError(`ExceptionGroup needs a non-empty array of errors, got ${exceptions}`);
    }
    super(exceptions, message, options);
    this.name = "ExceptionGroup";
    this.exceptions = exceptions;
  }

  /**
   * Splits the group by a class or predicate applied to every leaf, keeping the nesting.
   * Returns `[matching, rest]`; either is `undefined` when empty.
   */
  split<M extends E>(
    matcher: ErrorMatcher<M>,
  ): [ExceptionGroup<M> | undefined, ExceptionGroup<E> | undefined] {
    const test = toPredicate(matcher);
    return splitGroup(this, test) as [ExceptionGroup<M> | undefined, ExceptionGroup<E> | undefined];
  }

  /** The part of the group whose leaves match, keeping the nesting; `undefined` if none. */
  subgroup<M extends E>(matcher: ErrorMatcher<M>): ExceptionGroup<M> | undefined {
    return this.split(matcher)[0];
  }

  /** Every leaf error of the group and its nested groups, depth first. */
  leaves(): E[] {
    const out: E[] = [];
    for (const e of this.exceptions) {
      if (e instanceof ExceptionGroup) out.push(...(e.leaves() as E[]));
      else out.push(e);
    }
    return out;
  }

  /** A group with the same message and options (cause) around other errors. */
  derive<F>(exceptions: readonly F[]): ExceptionGroup<F> {
    const options = this.cause === undefined ? undefined : { cause: this.cause };
    return new ExceptionGroup(this.message, exceptions, options);
  }
}

function splitGroup(
  group: ExceptionGroup,
  test: (e: unknown) => boolean,
): [ExceptionGroup | undefined, ExceptionGroup | undefined] {
  if (test(group)) return [group, undefined];
  const matched: unknown[] = [];
  const rest: unknown[] = [];
  for (const e of group.exceptions) {
    if (e instanceof ExceptionGroup) {
      const [m, r] = splitGroup(e, test);
      if (m) matched.push(m);
      if (r) rest.push(r);
    } else if (test(e)) matched.push(e);
    else rest.push(e);
  }
  return [
    matched.length ? group.derive(matched) : undefined,
    rest.length ? group.derive(rest) : undefined,
  ];
}

/**
 * Handles the errors of one type from a thrown value, and rethrows everything else: the
 * equivalent of Python's `except* Type`. If `error` is an `ExceptionGroup`, `handler` gets the
 * subgroup of matching leaves (nesting kept) and whatever does not match is rethrown as a group;
 * if `error` itself matches, `handler` gets a one-element group around it; otherwise `error` is
 * rethrown unchanged. Whatever `handler` throws propagates.
 *
 * @throws The non-matching part of `error`.
 * @example
 * ```ts
 * import { catchGroup, withTaskGroup } from "anyio-ts";
 * try {
 *   await withTaskGroup(async (tg) => {
 *     tg.startSoon(async () => { throw new RangeError("bad"); });
 *   });
 * } catch (e) {
 *   catchGroup(e, RangeError, (group) => console.log(group.exceptions.length)); // 1
 * }
 * ```
 */
export function catchGroup<M>(
  error: unknown,
  matcher: ErrorMatcher<M>,
  handler: (matched: ExceptionGroup<M>) => void,
): void {
  const test = toPredicate(matcher);
  if (error instanceof ExceptionGroup) {
    const [matched, rest] = splitGroup(error, test);
    if (matched) handler(matched as ExceptionGroup<M>);
    if (rest) throw rest;
    return;
  }
  if (test(error)) {
    handler(new ExceptionGroup("caught error", [error as M]));
    return;
  }
  throw error;
}
