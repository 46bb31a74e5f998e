/**
 * The test runner: `node dist/test/run.js [--file SUBSTRING] [--grep SUBSTRING] [--timeout MS]`.
 * The same compiled file runs on Node, Bun (`bun dist/test/run.js`) and Deno
 * (`deno run -A dist/test/run.js`).
 *
 * It imports every `*.test.js` below its own directory in sorted order, then runs the tests one
 * at a time. After each test it lets two macrotask turns pass and fails the test if it left
 * anything behind: something the library still holds (`leakReport()`), an unhandled rejection
 * or uncaught exception, or a new active timer, immediate, socket, server or child process as
 * reported by `process.getActiveResourcesInfo()` (Bun reports nothing there; that check is then
 * a no-op). Each check compares with a snapshot taken just before the test, so one leaky test
 * fails alone instead of failing every test after it.
 */

import { readdirSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { inspect } from "node:util";
import { leakReport } from "../src/core/_internal/registry.js";
import { DEFAULT_TIMEOUT, registry, runTest, type TestCase } from "./harness.js";

interface Options {
  file: string | undefined;
  grep: string | undefined;
  timeout: number;
}

const USAGE = "usage: run.js [--file SUBSTRING] [--grep SUBSTRING] [--timeout MS]";

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { file: undefined, grep: undefined, timeout: DEFAULT_TIMEOUT };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq !== -1 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq !== -1 && arg.startsWith("--")) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new TypeError(`Option ${flag} needs a value. ${USAGE}`);
      return next;
    };
    if (flag === "--file") options.file = value();
    else if (flag === "--grep") options.grep = value();
    else if (flag === "--timeout") {
      const raw = value();
      const ms = Number(raw);
      if (!(ms > 0)) throw new RangeError(`Option --timeout must be a positive number, got ${raw}`);
      options.timeout = ms;
    } else if (flag === "--help" || flag === "-h") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new TypeError(`Unknown argument ${JSON.stringify(arg)}. ${USAGE}`);
  }
  return options;
}

function runtimeName(): string {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  if (g.Bun !== undefined) return `bun ${g.Bun.version}`;
  if (g.Deno !== undefined) return `deno ${g.Deno.version.deno}`;
  return `node ${process.version}`;
}

function findTestFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith(".test.js")) out.push(path);
    }
  };
  walk(dir);
  return out.sort();
}

// --- Leak detection ---------------------------------------------------------------------------

/** Kinds of active resource whose increase during a test is a leak. */
function isWatchedKind(kind: string): boolean {
  // CloseReq, FSReqCallback, TTYWrap, ... are transient or belong to stdio: not watched.
  // Stdio PipeWraps exist before the first test (stdout/stderr are touched at start-up), so
  // an increase of PipeWrap is a real pipe (a Unix socket or a child process's stdio).
  return (
    kind === "Timeout" ||
    kind === "Immediate" ||
    /^(TCP|UDP|Pipe|TLS|Process|Http2?|JSStream)/.test(kind)
  );
}

function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  const info = (process as { getActiveResourcesInfo?: () => string[] }).getActiveResourcesInfo;
  if (typeof info !== "function") return counts;
  for (const kind of info.call(process)) {
    if (isWatchedKind(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

function newResources(before: Map<string, number>, after: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [kind, n] of after) {
    const extra = n - (before.get(kind) ?? 0);
    if (extra > 0) out.push(`${extra} new active ${kind} handle(s) left open`);
  }
  return out;
}

/** Errors that escaped the test: unhandled rejections and uncaught exceptions. */
let escaped: string[] = [];
process.on("unhandledRejection", (reason: unknown) => {
  escaped.push(`unhandled rejection: ${describeError(reason)}`);
});
process.on("uncaughtException", (error: unknown) => {
  escaped.push(`uncaught exception: ${describeError(error)}`);
});

function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Settles like `promise`, or rejects if it takes longer than `ms` (a hung top-level await). */
async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function describeError(error: unknown): string {
  return inspect(error, { depth: 6 });
}

// --- Main ---------------------------------------------------------------------------------------

interface Failure {
  readonly test: TestCase | undefined;
  readonly title: string;
  readonly error: unknown;
  readonly problems: readonly string[];
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  // Touch stdio so its handles are part of every baseline (they are created lazily).
  void process.stdout;
  void process.stderr;
  const out = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };

  const started = performance.now();
  const here = dirname(fileURLToPath(import.meta.url));
  const failures: Failure[] = [];
  let passed = 0;

  const files = findTestFiles(here)
    .map((path) => ({ path, name: relative(here, path).split(sep).join("/") }))
    .filter(({ name }) => options.file === undefined || name.includes(options.file));
  for (const { path, name } of files) {
    registry.beginFile(name);
    try {
      await withTimeout(import(pathToFileURL(path).href), options.timeout, `Loading ${name}`);
    } catch (error) {
      out(`FAIL ${name} (could not be loaded)`);
      failures.push({ test: undefined, title: `loading ${name}`, error, problems: [] });
    }
  }

  const grep = options.grep;
  const tests = registry.tests.filter((t) => grep === undefined || t.fullName.includes(grep));
  if (tests.length === 0 && failures.length === 0) {
    out(`no tests matched (${files.length} file(s); --file ${options.file}, --grep ${grep})`);
    return 1;
  }

  for (const test of tests) {
    const baseResources = activeResources();
    const baseLeaks = leakReport();
    escaped = [];

    const result = await runTest(test, options.timeout);
    await macrotask();
    await macrotask();

    const problems = [
      ...leakReport()
        .filter((line) => !baseLeaks.includes(line))
        .map((line) => `library still holds: ${line}`),
      ...escaped,
      ...newResources(baseResources, activeResources()),
    ];
    escaped = [];
    const ok = result.ok && problems.length === 0;
    out(`${ok ? "ok  " : "FAIL"} ${test.fullName} (${Math.round(result.ms)} ms)`);
    if (ok) passed++;
    else {
      const title = `${test.fullName}  [${test.file}]`;
      failures.push({ test, title, error: result.ok ? undefined : result.error, problems });
    }
  }

  // Errors that escape after the last test's checks (a late timer, say) still fail the run.
  await macrotask();
  await macrotask();
  if (escaped.length > 0) {
    out("FAIL (after the last test)");
    failures.push({
      test: undefined,
      title: "after the last test",
      error: undefined,
      problems: escaped,
    });
  }

  for (const failure of failures) {
    out("");
    out(`--- FAIL ${failure.title}`);
    if (failure.error !== undefined) {
      out(describeError(failure.error));
    }
    if (failure.problems.length > 0) {
      out("left behind after the test:");
      for (const problem of failure.problems) out(`  - ${problem}`);
    }
  }

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (failures.length > 0) out("");
  out(`${runtimeName()}: ${passed} passed, ${failures.length} failed (${seconds} s)`);
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`test runner crashed: ${describeError(error)}\n`);
    process.exit(2);
  },
);
