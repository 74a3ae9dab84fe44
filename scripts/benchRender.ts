// npm run bench:render -- [--stack NAME] [--runs N]: one render's time next to the bare import time of
// @pulumi/pulumi + @pulumi/kubernetes, each in fresh Node processes (median of N runs).
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stackNames } from "../infra/render/renderAll";
import { InputError, runScript, type Command } from "./cli";

/**
 * Every figure is the wall time of a fresh process, from its spawn to its exit, as a user waits for
 * `npm run render` (npm's own start-up excluded):
 * - import: `node -e` requiring @pulumi/pulumi and @pulumi/kubernetes, nothing else;
 * - render: what `npm run render -- <stack> --out DIR` runs, `node scripts/run.cjs render`: the
 *   precompiled command (built once beforehand, outside the timing), the program under Pulumi's mocks,
 *   every object built and written to a temporary directory;
 *   run.cjs keeps V8's code cache of every module it loads, @pulumi/* included;
 * - import with the same code cache: the bare import as run.cjs's process does it, so the second ratio
 *   shows what the render itself adds;
 * - under tsx: the same command as `tsx scripts/render.ts`, transpiling on every start (how it ran
 *   before run.cjs; shown for comparison).
 */
const IMPORT_CHILD = `require("@pulumi/pulumi");
require("@pulumi/kubernetes");`;
const CODE_CACHE = join(__dirname, "..", "node_modules", ".cache", "glm-serving-cli", "v8");
const CACHED_IMPORT_CHILD = `require("node:module").enableCompileCache?.(${JSON.stringify(CODE_CACHE)});
${IMPORT_CHILD}`;

const ROOT = join(__dirname, "..");

function timed(args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: "utf8", cwd: process.cwd() });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`bench child failed (${r.status}): ${r.stderr}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export const command: Command = {
  name: "bench:render",
  usage: "[--stack NAME] [--runs N]",
  summary:
    "Times one render of a stack (default h200-fp8, as npm run render runs it) and the bare import of @pulumi/pulumi + @pulumi/kubernetes, each in fresh Node processes, and prints both with their ratio.",
  options: {
    stack: { type: "string", help: "the stack to render (default h200-fp8)" },
    runs: { type: "string", help: "processes per measurement, the median is printed (default 3)" },
  },
  async run({ values }, io) {
    const stack = typeof values.stack === "string" ? values.stack : "h200-fp8";
    if (!stackNames("stacks").includes(stack)) throw new InputError(`no stack "${stack}" in stacks/`);
    const runs = Number(values.runs ?? 3);
    if (!Number.isInteger(runs) || runs < 1) throw new InputError(`--runs ${String(values.runs)}: a whole number >= 1`);
    const out = () => mkdtempSync(join(tmpdir(), "glm-bench-render-"));
    const render = () => ["scripts/run.cjs", "render", stack, "--out", out()].map((a, i) => (i ? a : join(ROOT, a)));
    timed(render()); // builds the precompiled command if a source changed since the last build
    timed(["-e", CACHED_IMPORT_CHILD]);
    const imports = Array.from({ length: runs }, () => timed(["-e", IMPORT_CHILD]));
    const cachedImports = Array.from({ length: runs }, () => timed(["-e", CACHED_IMPORT_CHILD]));
    const renders = Array.from({ length: runs }, () => timed(render()));
    const underTsx = Array.from({ length: runs }, () =>
      timed(["--import", "tsx", join(ROOT, "scripts", "render.ts"), stack, "--out", out()]),
    );
    const importTotal = median(imports);
    const renderTotal = median(renders);
    io.out(`bench:render, stack "${stack}", median of ${runs} fresh process(es) each:`);
    io.out(`  import @pulumi/pulumi + @pulumi/kubernetes  ${s(importTotal)}`);
    const cachedImportTotal = median(cachedImports);
    io.out(`  one render (npm run render, precompiled)    ${s(renderTotal)}`);
    io.out(`  the same under tsx (no precompile)          ${s(median(underTsx))}`);
    io.out(
      `  ratio                                       ${(renderTotal / importTotal).toFixed(2)} (target: at most 1.5)`,
    );
    io.out(
      `  import with run.cjs's code cache            ${s(cachedImportTotal)}  (render / that: ${(renderTotal / cachedImportTotal).toFixed(2)})`,
    );
    return 0;
  },
};

runScript(command);
