#!/usr/bin/env node
// node scripts/run.cjs <name> [args ...]: runs the command of scripts/<name>.ts (what `npm run render`,
// `npm run plan`, ... call), precompiled.
//
// Why: `tsx scripts/<name>.ts` transpiles every module of the program on each start, which made one
// render cost three times the bare import of @pulumi/pulumi and @pulumi/kubernetes (npm run
// bench:render). Here the command and everything of ours it imports is bundled once into one CommonJS
// file under node_modules/.cache (esbuild, the transpiler tsx itself uses; packages stay external and
// are required as usual), rebuilt when a source file or the lock file changed, and then started by
// plain node. Each module's __dirname is written into the bundle as its source directory, so files read
// beside the sources (container scripts, charts, image contexts, health checks) are found as under tsx.
// Same code, same output: the command tests run the TypeScript itself (in-process and under tsx).
"use strict";
const { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, renameSync } = require("node:fs");
const { dirname, join, relative } = require("node:path");

const ROOT = join(__dirname, "..");
const CACHE = join(ROOT, "node_modules", ".cache", "glm-serving-cli");

/**
 * What a bundle is made of, as one digest: where the checkout is (the bundle holds each module's
 * directory), the Node version, the lock file, and the path, size and modification time of every .ts
 * under infra/ and scripts/. Any edit, added or removed file, or a moved checkout builds anew; a
 * file restored with an older time still changes the digest.
 */
function sourceStamp(root = ROOT) {
  const hash = require("node:crypto").createHash("sha256");
  hash.update(`${root}\0${process.version}\0`);
  const add = (p) => {
    const s = statSync(p);
    hash.update(`${relative(root, p)}\0${s.size}\0${s.mtimeMs}\0`);
  };
  add(join(root, "package-lock.json"));
  const walk = (dir) => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) add(p);
    }
  };
  walk(join(root, "infra"));
  walk(join(root, "scripts"));
  return hash.digest("hex");
}

/** Bundles scripts/<name>.ts with the shared runner into CACHE/<name>.js (atomically). */
async function build(name, out) {
  const esbuild = require("esbuild");
  const dirnamePlugin = {
    name: "source-dirname",
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.includes(`${join("node_modules", "")}`)) return undefined;
        const text = readFileSync(args.path, "utf8").replace(/\b__dirname\b/g, JSON.stringify(dirname(args.path)));
        return { contents: text, loader: "ts" };
      });
    },
  };
  const tmp = `${out}.${process.pid}.tmp`;
  await esbuild.build({
    stdin: {
      contents: `export { command } from "./scripts/${name}";\nexport { main } from "./scripts/cli";\n`,
      resolveDir: ROOT,
      sourcefile: `run-${name}.ts`,
      loader: "ts",
    },
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node22",
    packages: "external",
    outfile: tmp,
    logLevel: "error",
    plugins: [dirnamePlugin],
  });
  renameSync(tmp, out);
}

async function run() {
  // V8's code cache for every module this process loads (the bundle, @pulumi/*, zod, yaml): the second
  // start reads compiled code instead of parsing the sources again (Node 22.1+).
  require("node:module").enableCompileCache?.(join(CACHE, "v8"));
  const name = process.argv[2];
  if (!name || !existsSync(join(ROOT, "scripts", `${name}.ts`))) {
    console.error(`usage: node ${relative(process.cwd(), __filename)} <script> [args ...] (a scripts/<script>.ts)`);
    process.exit(2);
  }
  mkdirSync(CACHE, { recursive: true });
  const out = join(CACHE, `${name}.js`);
  const stampFile = join(CACHE, `${name}.stamp`);
  const stamp = sourceStamp();
  if (!existsSync(out) || !existsSync(stampFile) || readFileSync(stampFile, "utf8") !== stamp) {
    await build(name, out);
    writeFileSync(stampFile, stamp);
  }
  const { command, main } = require(out);
  main(command, process.argv.slice(3));
}

/**
 * A package the bundle (or the build) needs is missing: node_modules is older than package-lock.json
 * (a pull without `npm ci`). One line with the fix instead of Node's stack trace.
 */
function missingPackageMessage(e) {
  if (!e || e.code !== "MODULE_NOT_FOUND") return undefined;
  const name = /Cannot find module '([^']+)'/.exec(String(e.message))?.[1];
  if (!name || name.startsWith(".") || name.startsWith("/")) return undefined;
  return `glm-serving: the package ${name} is not installed (node_modules does not match package-lock.json): run npm ci`;
}

if (require.main === module) {
  run().catch((e) => {
    console.error(missingPackageMessage(e) ?? e);
    process.exit(1);
  });
}

module.exports = { sourceStamp, missingPackageMessage };
