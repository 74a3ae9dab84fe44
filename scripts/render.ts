// npm run render -- <stack> [--out DIR]: writes every Kubernetes object the stack would apply, one YAML file each.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { stackNames } from "../infra/render/renderAll";
import { renderStack, writeFiles } from "../infra/render/renderStack";
import { runScript } from "./cli";

const USAGE = "usage: npm run render -- <stack> [--out DIR]   (stacks are the files stacks/Pulumi.<stack>.yaml)";

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: "string" } } });
  const stack = positionals[0];
  if (!stack || positionals.length > 1) {
    console.error(USAGE);
    return 2;
  }
  const outDir = values.out ?? join("rendered", stack);
  // Everything is rendered into memory first: an input error leaves nothing behind.
  const { files, outputs, charts } = await renderStack(stack, "stacks");
  await writeFiles(outDir, stack, files, { stacks: stackNames("stacks") });
  console.log(`Rendered ${files.size} objects of stack "${stack}" to ${outDir}/`);
  for (const name of files.keys()) console.log(`  ${name}`);
  for (const chart of charts)
    console.log(`Helm chart installed by pulumi up (for GitOps: gitops/addons/, from npm run render:all): ${chart}`);
  console.log("Outputs:");
  for (const [k, v] of Object.entries(outputs)) console.log(`  ${k}: ${String(v)}`);
  return 0;
}

runScript(main, "Nothing was written.");
