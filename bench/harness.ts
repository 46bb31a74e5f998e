/**
 * The benchmark harness: what a scenario and a case are, and how one case is measured inside
 * its own process.
 *
 * Design
 * ------
 * A *scenario* is one job (spawn and join 100,000 tasks, say) done several ways: by us, by the
 * *floor* (the least code that does the same job by hand on that runtime), by other hand-written
 * ways worth *showing*, and by the *peers* (other libraries). Each way is a *case*.
 *
 * The driver (scripts/bench.mjs) runs every case in a process of its own: on Node 20 the first
 * `AsyncLocalStorage.run` enables async hooks that tax every later promise of the process, so a
 * case measured after one of ours (or after the ALS floor) would be charged for it. Inside that
 * process a case is prepared once (libraries loaded, objects made), run a few times to warm up,
 * then measured several times: one full garbage collection before the first run, and a
 * young-generation one before each later run (see {@link collectYoung}); the child
 * prints the raw samples on one marked line and the driver takes the median.
 *
 * Case modules import the library they measure lazily, inside `prepare()`, so that importing the
 * catalog (as the driver does) loads no library at all.
 *
 * @module
 */

/** Where a case stands in the table. */
export type CaseKind = "us" | "floor" | "shown" | "peer";

/** The runtimes the driver knows. */
export type RuntimeName = "node20" | "node24" | "bun" | "deno";

/** What one repetition may report besides its time. */
export interface RepResult {
  /** For scenarios measured by value (bytes per task): the value itself. */
  value?: number;
  /** Side measurements shown in the notes column (timer ticks, elapsed ms). */
  extra?: Record<string, number>;
}

/** One repetition of a case: does `ops` operations once. */
export type Rep = () => Promise<RepResult | undefined> | RepResult | undefined;

/** One way of doing a scenario's job. */
export interface CaseDef {
  /** Short id used on the command line and in the JSON ("us", "floor", "effect"). */
  readonly name: string;
  readonly kind: CaseKind;
  /** What the case does, for the table ("withTaskGroup + startSoon"). */
  readonly label: string;
  /** Operations per repetition (tasks, checkpoints, items). */
  readonly ops: number;
  /**
   * Repetitions discarded before measuring, at the least; default 1. A timed case warms up
   * until {@link MIN_WARMUP_MS} too, unless this is 0.
   */
  readonly warmup?: number;
  /** Measured repetitions, at the least; default 5 (a timed case: until MIN_MEASURE_MS too). */
  readonly reps?: number;
  /** Runtimes the case cannot run on, with the reason printed as "n/a (reason)". */
  readonly unsupported?: Partial<Record<RuntimeName, string>>;
  /** Loads what the case needs and returns one repetition. */
  prepare(ops: number): Promise<Rep>;
}

/** Targets from issue 7, checked by the driver for every "us" case. */
export interface Target {
  /** The largest allowed ratio of us to the floor. */
  readonly maxRatio?: number;
  /** Cases that us must be no slower than. */
  readonly noSlowerThan?: readonly string[];
}

/** One job, done several ways. */
export interface Scenario {
  /** Id used on the command line ("spawn-join"). */
  readonly name: string;
  /** The item of issue 7 it implements. */
  readonly item: number;
  readonly title: string;
  /** "time": the harness times each repetition; "value": the repetition reports its value. */
  readonly measure: "time" | "value";
  /** The unit of the median column. */
  readonly unit: "µs/op" | "bytes/task";
  /** The name of the floor case that ratios are taken against. */
  readonly floor: string;
  readonly cases: readonly CaseDef[];
  readonly target?: Target;
}

/** The runtime this process runs on. */
export function currentRuntime(): { name: RuntimeName; version: string } {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  if (g.Bun !== undefined) return { name: "bun", version: g.Bun.version };
  if (g.Deno !== undefined) return { name: "deno", version: g.Deno.version.deno };
  const major = Number(process.versions.node.split(".")[0]);
  return { name: major >= 24 ? "node24" : "node20", version: process.versions.node };
}

/**
 * Collects garbage fully, if the runtime lets us: `gc()` with `--expose-gc` on Node and
 * `--v8-flags=--expose-gc` on Deno, `Bun.gc(true)` on Bun.
 * @returns Whether a collection could be forced.
 */
export function collectGarbage(): boolean {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (g.Bun !== undefined) {
    g.Bun.gc(true);
    return true;
  }
  if (typeof g.gc === "function") {
    // Twice: the first pass runs finalizers that free more on the second.
    g.gc();
    g.gc();
    return true;
  }
  return false;
}

/** Bun's young-generation collection, loaded on Bun only (`bun:jsc` exists nowhere else). */
const edenGC: (() => void) | undefined =
  (globalThis as { Bun?: unknown }).Bun === undefined
    ? undefined
    : ((await import("bun:jsc" as string)) as { edenGC: () => void }).edenGC;

/**
 * Collects the young generation only (a scavenge on V8, an eden collection on Bun), so every
 * repetition starts with an empty nursery.
 *
 * Not a full collection: on V8 a full one between repetitions throws away the optimized code
 * of every function that embedded an object or map of the repetition before (`--trace-deopt`:
 * "embedded weak objects cleared"), so each repetition ran half-warm code again. On Node 24
 * the contended Lock's functions were compiled 6 times in 6 repetitions instead of twice, at
 * 400 ns a cycle instead of 230; the floors, with fewer functions, lost less.
 */
export function collectYoung(): void {
  if (edenGC !== undefined) edenGC();
  else (globalThis as { gc?: (options: { type: "minor" }) => void }).gc?.({ type: "minor" });
}

/** Bytes of the JavaScript heap in use now. */
export function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

/** Resolves after one macrotask turn (every ready microtask has run by then). */
export function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** What a case process prints, on one line after {@link RESULT_MARK}. */
export interface CaseOutput {
  runtime: RuntimeName;
  version: string;
  scenario: string;
  case: string;
  ops: number;
  /** One value per measured repetition, in the scenario's unit. */
  samples: number[];
  /** One record per measured repetition, if the case reported extras. */
  extra: Record<string, number>[];
  /** Set when the case could not run here: the reason. */
  unavailable?: string;
}

/** The prefix of the line that carries a case's result. */
export const RESULT_MARK = "@@bench-result ";

/**
 * Measures one case in this process: prepare, warm up, then the measured repetitions. A full
 * garbage collection comes before the first run, a young-generation one before every other.
 */
/** How much of a case to run: the case's own figures unless given (the smoke run shrinks them). */
export interface MeasureOptions {
  readonly ops?: number;
  readonly warmup?: number;
  readonly reps?: number;
  /** Whether to collect garbage before each repetition (default true; a smoke run skips it). */
  readonly collect?: boolean;
  /**
   * Whether a timed case also warms up for {@link MIN_WARMUP_MS} and is measured for
   * {@link MIN_MEASURE_MS} (default true; a smoke run skips it).
   */
  readonly byTime?: boolean;
}

/**
 * The least time a timed case warms up for, unless it has no warm-up at all. A single short
 * repetition is not enough for the compilers to settle: our contended `Lock` on Deno went on
 * getting faster for ten repetitions of 20 ms (~210 -> ~115 ns a cycle) while the mutex settled
 * after five, so a case with more functions to compile was measured half-warm. 150 ms was not
 * enough either: after it, the first samples of our limiter rows on Bun were still 1.5-2× the
 * later ones in the same process, where the floor's had settled; after 400 ms they had too.
 */
export const MIN_WARMUP_MS = 400;
/** The least time a timed case is measured for: a median of three 30 ms samples is noise. */
export const MIN_MEASURE_MS = 300;
/** However short its repetitions, a case runs at most this many of each kind. */
const MAX_REPS = 25;

export async function measureCase(
  scenario: Scenario,
  def: CaseDef,
  options: MeasureOptions = {},
): Promise<CaseOutput> {
  const runtime = currentRuntime();
  const ops = options.ops ?? def.ops;
  const out: CaseOutput = {
    runtime: runtime.name,
    version: runtime.version,
    scenario: scenario.name,
    case: def.name,
    ops,
    samples: [],
    extra: [],
  };
  const reason = def.unsupported?.[runtime.name];
  if (reason !== undefined) {
    out.unavailable = reason;
    return out;
  }
  const rep = await def.prepare(ops);
  const warmup = options.warmup ?? def.warmup ?? 1;
  const reps = options.reps ?? def.reps ?? 5;
  const collect = options.collect ?? true;
  const byTime = (options.byTime ?? true) && scenario.measure === "time";
  let runs = 0;
  /** One repetition, after a clean heap the first time and a clean nursery after that. */
  const once = async (): Promise<{ result: RepResult | undefined; elapsed: number }> => {
    if (collect) {
      if (runs === 0) collectGarbage();
      else collectYoung();
    }
    runs++;
    await macrotask();
    const started = performance.now();
    const result = await rep();
    return { result, elapsed: performance.now() - started };
  };
  // Counts first, then time (byTime) up to MAX_REPS; a case with no warm-up gets none.
  const more = (n: number, least: number, ms: number, leastMs: number): boolean =>
    n < least || (byTime && least > 0 && ms < leastMs && n < MAX_REPS);
  for (let n = 0, ms = 0; more(n, warmup, ms, MIN_WARMUP_MS); n++) ms += (await once()).elapsed;
  for (let n = 0, ms = 0; more(n, reps, ms, MIN_MEASURE_MS); n++) {
    const { result, elapsed } = await once();
    ms += elapsed;
    if (scenario.measure === "time") out.samples.push((elapsed * 1000) / ops);
    else {
      if (result?.value === undefined) {
        throw new Error(`case ${def.name} of ${scenario.name} reported no value`);
      }
      out.samples.push(result.value);
    }
    if (result?.extra !== undefined) out.extra.push(result.extra);
  }
  return out;
}

/** `n` copies of `i => i`: the work lists the scenarios map over. */
export function range(n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
