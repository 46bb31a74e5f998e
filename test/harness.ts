/**
 * A tiny test harness: `describe`, `it`, `beforeEach`, `afterEach`, and nothing else.
 *
 * Why not `node:test`, `bun test` or `deno test`? Each runner has its own ideas about
 * concurrency, timeouts, sanitizers and reporting, and a concurrency library must behave the
 * same on every runtime. So the suite is compiled once by `tsc` and the very same `.js` files
 * are run by `test/run.ts` on Node, Bun and Deno, with one harness whose behaviour is ours.
 *
 * This module only registers tests and knows how to run one. Discovery, filters, leak checks
 * and reporting live in `run.ts`. Assertions come from `node:assert/strict`.
 */

/** A hook or test body; it may return a promise. */
export type TestFn = () => void | Promise<void>;

/** Options of {@link it}. */
export interface ItOptions {
  /**
   * Milliseconds the test (with its hooks) may take before it is failed.
   * @default 10000, or the runner's default
   */
  timeout?: number;
}

interface Suite {
  readonly name: string;
  readonly parent: Suite | undefined;
  readonly beforeEach: TestFn[];
  readonly afterEach: TestFn[];
}

/** One registered test. */
export interface TestCase {
  /** The file that registered it, as given to {@link Registry.beginFile}. */
  readonly file: string;
  /** The names of the enclosing `describe` blocks and of the test, joined by " > ". */
  readonly fullName: string;
  readonly fn: TestFn;
  readonly timeout: number | undefined;
  readonly suite: Suite;
}

/** What running one test gave. */
export interface TestResult {
  readonly ok: boolean;
  /** The first error thrown by a hook or the body, or the timeout error. */
  readonly error: unknown;
  /** Wall-clock milliseconds. */
  readonly ms: number;
  /** True when the test did not settle in time; its body may still be running. */
  readonly timedOut: boolean;
}

/** Milliseconds a test may take unless it says otherwise. */
export const DEFAULT_TIMEOUT = 10_000;

function rootSuite(): Suite {
  return { name: "", parent: undefined, beforeEach: [], afterEach: [] };
}

/** Holds registered tests. The module exports one; tests of the harness make their own. */
export class Registry {
  readonly tests: TestCase[] = [];
  #file = "";
  #current: Suite = rootSuite();

  /** Starts a new file: later registrations belong to it, with a fresh root scope for hooks. */
  beginFile(file: string): void {
    this.#file = file;
    this.#current = rootSuite();
  }

  describe(name: string, fn: () => void): void {
    const suite: Suite = { name, parent: this.#current, beforeEach: [], afterEach: [] };
    const outer = this.#current;
    this.#current = suite;
    try {
      const result: unknown = fn();
      if (result instanceof Promise) {
        throw new TypeError(
          `describe("${name}") callback must be synchronous; it returned a promise`,
        );
      }
    } finally {
      this.#current = outer;
    }
  }

  it(name: string, fn: TestFn, options: ItOptions = {}): void {
    const { timeout } = options;
    if (timeout !== undefined && !(timeout > 0)) {
      throw new RangeError(`it("${name}") timeout must be a positive number, got ${timeout}`);
    }
    const names: string[] = [name];
    for (let s: Suite | undefined = this.#current; s !== undefined; s = s.parent) {
      if (s.name !== "") names.unshift(s.name);
    }
    this.tests.push({
      file: this.#file,
      fullName: names.join(" > "),
      fn,
      timeout,
      suite: this.#current,
    });
  }

  beforeEach(fn: TestFn): void {
    this.#current.beforeEach.push(fn);
  }

  afterEach(fn: TestFn): void {
    this.#current.afterEach.push(fn);
  }
}

/**
 * Runs the `beforeEach` hooks (outermost first), the test, then the `afterEach` hooks
 * (innermost first). The `afterEach` hooks run even when a hook or the test threw; the first
 * error wins. The whole sequence is raced against the timeout: on timeout the test fails and
 * whatever it was awaiting is abandoned, so a hung test cannot hang the run.
 */
export async function runTest(
  test: TestCase,
  defaultTimeout = DEFAULT_TIMEOUT,
): Promise<TestResult> {
  const chain: Suite[] = [];
  for (let s: Suite | undefined = test.suite; s !== undefined; s = s.parent) chain.unshift(s);

  const body = async (): Promise<void> => {
    let failure: { error: unknown } | undefined;
    try {
      for (const suite of chain) for (const hook of suite.beforeEach) await hook();
      await test.fn();
    } catch (error) {
      failure = { error };
    }
    for (const suite of [...chain].reverse()) {
      for (const hook of [...suite.afterEach].reverse()) {
        try {
          await hook();
        } catch (error) {
          failure ??= { error };
        }
      }
    }
    if (failure !== undefined) throw failure.error;
  };

  const timeout = test.timeout ?? defaultTimeout;
  const start = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeout);
  });
  try {
    const outcome = await Promise.race([body().then(() => "done" as const), expired]);
    const ms = performance.now() - start;
    if (outcome === "timeout") {
      const error = new Error(`Test timed out after ${timeout} ms (it did not settle; abandoned)`);
      return { ok: false, error, ms, timedOut: true };
    }
    return { ok: true, error: undefined, ms, timedOut: false };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - start, timedOut: false };
  } finally {
    clearTimeout(timer);
  }
}

/** The registry that test files register into and `run.ts` runs. */
export const registry = new Registry();

/** Groups tests; the callback runs at once and must be synchronous. */
export function describe(name: string, fn: () => void): void {
  registry.describe(name, fn);
}

/** Registers a test; `fn` may be async. */
export function it(name: string, fn: TestFn, options?: ItOptions): void {
  registry.it(name, fn, options);
}

/** Runs `fn` before each test of the enclosing `describe` (or file), outer hooks first. */
export function beforeEach(fn: TestFn): void {
  registry.beforeEach(fn);
}

/** Runs `fn` after each test of the enclosing `describe` (or file), inner hooks first. */
export function afterEach(fn: TestFn): void {
  registry.afterEach(fn);
}
