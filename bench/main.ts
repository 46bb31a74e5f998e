/**
 * Runs one case in this process and prints its result on one marked line:
 * `node --expose-gc dist/bench/main.js SCENARIO CASE`. The driver (scripts/bench.mjs) starts one
 * such process per case and runtime; run it by hand to profile one case
 * (`node --cpu-prof --expose-gc dist/bench/main.js spawn-join us`).
 *
 * @module
 */
import { findScenario, scenarios } from "./catalog.js";
import { measureCase, RESULT_MARK } from "./harness.js";

const [scenarioName, caseName] = process.argv.slice(2);
const scenario = scenarioName === undefined ? undefined : findScenario(scenarioName);
const def = scenario?.cases.find((c) => c.name === caseName);
if (scenario === undefined || def === undefined) {
  const known = scenarios.map((s) => `${s.name}: ${s.cases.map((c) => c.name).join(" ")}`);
  process.stderr.write(`usage: main.js SCENARIO CASE\n${known.join("\n")}\n`);
  process.exit(2);
}
const result = await measureCase(scenario, def);
process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
// Peers may leave timers or handles behind (that is theirs to answer for, not ours to wait on).
process.exit(0);
