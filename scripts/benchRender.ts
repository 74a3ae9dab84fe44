// npm run bench:render -- [--stack NAME] [--runs N]: one render's time next to the bare import time of
// @pulumi/pulumi + @pulumi/kubernetes, each in fresh Node processes (median of N runs).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { stackNames } from "../infra/render/renderAll";
import { InputError, runScript, type Command } from "./cli";

/**
 * Both measurements are wall time of a fresh process, from its start to the end of the work, as a
 * user waits for `npm run render` (npm's own start-up excluded from both):
 * - import: `node -e` requiring @pulumi/pulumi and @pulumi/kubernetes, nothing else;
 * - render: `node --import tsx` running renderStack on the stack in memory (the program under Pulumi's
 *   mocks, every object built, no file written): the TypeScript loader, every import and the render.
 * The render child also reports its own split (loader and imports until renderStack starts, then the
 * render itself), so a slow figure says where the time goes.
 */
const IMPORT_CHILD = `const t0 = performance.now();
require("@pulumi/pulumi");
require("@pulumi/kubernetes");
console.log(JSON.stringify({ total: performance.now(), imports: performance.now() - t0 }));`;

const RENDER_CHILD = `const start = performance.now();
const { renderStack } = await import(${JSON.stringify(join(__dirname, "..", "infra", "render", "renderStack.ts"))});
const ready = performance.now();
await renderStack(process.env.BENCH_STACK, "stacks");
console.log(JSON.stringify({ total: performance.now(), before: ready, render: performance.now() - ready, imports: ready - start }));`;

function child(args: string[], env: Record<string, string> = {}): Record<string, number> {
  const r = spawnSync(process.execPath, args, { encoding: "utf8", env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`bench child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export const command: Command = {
  name: "bench:render",
  usage: "[--stack NAME] [--runs N]",
  summary:
    "Times one render of a stack (default h200-fp8) and the bare import of @pulumi/pulumi + @pulumi/kubernetes, each in fresh Node processes, and prints both with their ratio.",
  options: {
    stack: { type: "string", help: "the stack to render (default h200-fp8)" },
    runs: { type: "string", help: "processes per measurement, the median is printed (default 3)" },
  },
  async run({ values }, io) {
    const stack = typeof values.stack === "string" ? values.stack : "h200-fp8";
    if (!stackNames("stacks").includes(stack)) throw new InputError(`no stack "${stack}" in stacks/`);
    const runs = Number(values.runs ?? 3);
    if (!Number.isInteger(runs) || runs < 1) throw new InputError(`--runs ${String(values.runs)}: a whole number >= 1`);
    const imports = Array.from({ length: runs }, () => child(["-e", IMPORT_CHILD]));
    const renders = Array.from({ length: runs }, () =>
      child(["--import", "tsx", "--input-type=module", "-e", RENDER_CHILD], { BENCH_STACK: stack }),
    );
    const importTotal = median(imports.map((r) => r.total!));
    const renderTotal = median(renders.map((r) => r.total!));
    io.out(`bench:render, stack "${stack}", median of ${runs} fresh process(es) each:`);
    io.out(`  import @pulumi/pulumi + @pulumi/kubernetes  ${s(importTotal)}`);
    io.out(
      `  one render                                  ${s(renderTotal)}  (loader and imports ${s(median(renders.map((r) => r.before!)))}, render ${s(median(renders.map((r) => r.render!)))})`,
    );
    io.out(
      `  ratio                                       ${(renderTotal / importTotal).toFixed(2)} (target: at most 1.5)`,
    );
    return 0;
  },
};

runScript(command);
