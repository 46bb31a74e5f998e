/**
 * The benchmark suite still runs: `dist/bench/main.js --smoke` runs every case of every
 * scenario (ours, the floors and the peers) with a few operations, under the runtime running
 * the tests, and each must report a measurement, or say why it cannot run here.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { scenarios } from "../bench/catalog.js";
import { type CaseOutput, RESULT_MARK } from "../bench/harness.js";
import { runtimeName } from "../src/backends/runtime.js";
import { collect } from "./fixtures/spawn-runtime.js";
import { describe, it } from "./harness.js";

/** The runtime's own flags for a benchmark process: garbage collection must be callable. */
function benchArgs(script: string): string[] {
  if (runtimeName === "deno") return ["run", "-A", "--no-lock", "--v8-flags=--expose-gc", script];
  if (runtimeName === "bun") return [script];
  return ["--expose-gc", script];
}

describe("benchmark suite", () => {
  it(
    "runs every case of every scenario in a smoke run",
    async () => {
      const script = fileURLToPath(new URL("../bench/main.js", import.meta.url));
      const child = spawn(process.execPath, [...benchArgs(script), "--smoke"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      const { code, out } = await collect(child);
      assert.equal(code, 0, `the smoke run failed:\n${out.slice(-2000)}`);
      const results = new Map<string, CaseOutput>();
      for (const line of out.split("\n")) {
        if (!line.startsWith(RESULT_MARK)) continue;
        const result = JSON.parse(line.slice(RESULT_MARK.length)) as CaseOutput;
        results.set(`${result.scenario}/${result.case}`, result);
      }
      for (const scenario of scenarios) {
        for (const def of scenario.cases) {
          const key = `${scenario.name}/${def.name}`;
          const result = results.get(key);
          assert.ok(result !== undefined, `${key} reported nothing`);
          const unsupported = def.unsupported?.[result.runtime];
          if (unsupported !== undefined) {
            // Only what the case itself declares unsupported here may be missing.
            assert.equal(result.unavailable, unsupported, key);
            continue;
          }
          assert.equal(result.unavailable, undefined, key);
          assert.equal(result.samples.length, 1, key);
          const [sample] = result.samples as [number];
          // A time is positive; a heap figure of a few hundred tasks may be anything finite.
          const sane = scenario.measure === "time" ? sample > 0 : Number.isFinite(sample);
          assert.ok(sane, `${key} measured ${sample}`);
        }
      }
      assert.equal(results.size, scenarios.flatMap((s) => s.cases).length);
    },
    { timeout: 120_000 },
  );
});
