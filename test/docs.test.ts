/**
 * The examples in README.md, docs/*.md and the `@example` blocks of the JSDoc in src/ run: each
 * ```ts block is transpiled with TypeScript,
 * its `anyio-ts` imports pointed at this build, and imported in this process (so the harness's
 * leak checks apply to it too). Console output is silenced while it runs.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import { describe, it } from "./harness.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const entry = pathToFileURL(join(repo, "dist/src/index.js")).href;

function blocks(file: string): string[] {
  let text = readFileSync(join(repo, file), "utf8");
  // In a doc comment, the code of an example sits behind " * ".
  if (file.endsWith(".ts")) text = text.replace(/^\s*\* ?/gm, "");
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
}

function sources(dir: string): string[] {
  return readdirSync(join(repo, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (statSync(join(repo, path)).isDirectory()) return sources(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

const files = [
  "README.md",
  ...readdirSync(join(repo, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
  ...sources("src"),
];

for (const file of files) {
  describe(`examples in ${file}`, () => {
    blocks(file).forEach((source, index) => {
      it(`block ${index + 1} runs`, async () => {
        const js = ts.transpileModule(source.replaceAll('"anyio-ts"', JSON.stringify(entry)), {
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
        }).outputText;
        const dir = mkdtempSync(join(tmpdir(), "anyio-doc-"));
        const path = join(dir, `block-${index + 1}.mjs`);
        writeFileSync(path, js);
        const { log, assert: consoleAssert } = console;
        const lines: unknown[][] = [];
        console.log = (...args: unknown[]) => {
          lines.push(args);
        };
        // An example's console.assert must fail the test, not just print.
        console.assert = (condition?: unknown, ...data: unknown[]) => {
          if (!condition)
            throw new Error(`console.assert failed in the example: ${data.join(" ")}`);
        };
        try {
          await import(pathToFileURL(path).href);
        } finally {
          console.log = log;
          console.assert = consoleAssert;
          rmSync(dir, { recursive: true, force: true });
        }
        assert.ok(
          lines.length > 0 || !source.includes("console.log"),
          "the example printed nothing",
        );
      });
    });
  });
}
