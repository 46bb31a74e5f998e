#!/usr/bin/env node
// Every public symbol (each export of src/index.ts) has a JSDoc summary and a runnable
// @example (test/docs.test.ts runs the examples). Part of `npm run lint`.
import { fileURLToPath } from "node:url";
import ts from "typescript";

const entry = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const program = ts.createProgram([entry], {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  noEmit: true,
});
const checker = program.getTypeChecker();
const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry));
const exports = checker.getExportsOfModule(moduleSymbol);
const missing = [];
for (const exported of exports) {
  const symbol =
    exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  const summary = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  const example = symbol.getJsDocTags(checker).some((tag) => tag.name === "example");
  if (!summary || !example) {
    missing.push(
      `  ${exported.name}: ${[!summary && "no summary", !example && "no @example"].filter(Boolean).join(", ")}`,
    );
  }
}
if (missing.length > 0) {
  console.error(
    `${missing.length} of ${exports.length} public symbols lack API docs:\n${missing.join("\n")}`,
  );
  process.exit(1);
}
console.log(`API docs: all ${exports.length} public symbols have a summary and an @example`);
