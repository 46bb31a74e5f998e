/**
 * Runs one case in this process and prints its result on one marked line:
 * `node --expose-gc dist/bench/main.js SCENARIO CASE`. The driver (scripts/bench.mjs) starts one
 * such process per case and runtime; run it by hand to profile one case
 * (`node --cpu-prof --expose-gc dist/bench/main.js spawn-join us`).
 *
 * `main.js --smoke` instead runs every case of every scenario once, with a few operations
 * each, and prints a marked line per case: the test suite runs it on every runtime
 * (test/bench.test.ts), so a case that no longer runs fails CI instead of the next benchmark.
 *
 * @module
 */
import { findScenario, scenarios } from "./catalog.js";
import { measureCase, RESULT_MARK } from "./harness.js";

/** Operations per case in a smoke run: divisible by the 100 workers and 4 producers. */
const SMOKE_OPS = 400;

const [scenarioName, caseName] = process.argv.slice(2);
if (scenarioName === "--smoke") {
  for (const scenario of scenarios) {
    for (const def of scenario.cases) {
      const ops = Math.min(def.ops, SMOKE_OPS);
      const result = await measureCase(scenario, def, {
        ops,
        warmup: 0,
        reps: 1,
        collect: false,
        byTime: false,
      });
      process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
    }
  }
  process.exit(0);
}
const scenario = scenarioName === undefined ? undefined : findScenario(scenarioName);
const def = scenario?.cases.find((c) => c.name === caseName);
if (scenario === undefined || def === undefined) {
  const known = scenarios.map((s) => `${s.name}: ${s.cases.map((c) => c.name).join(" ")}`);
  process.stderr.write(`usage: main.js SCENARIO CASE | main.js --smoke\n${known.join("\n")}\n`);
  process.exit(2);
}
const result = await measureCase(scenario, def);
process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
// Peers may leave timers or handles behind (that is theirs to answer for, not ours to wait on).
process.exit(0);
