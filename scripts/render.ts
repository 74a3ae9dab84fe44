// npm run render -- <stack> [--out DIR]: writes every Kubernetes object the stack would apply, one YAML file each.
import { join } from "node:path";
import { stackNames } from "../infra/render/renderAll";
import { loadSpec } from "../infra/config/load";
import { branchNotes, specWarnings } from "../infra/config/warnings";
import { renderStack, writeFiles } from "../infra/render/renderStack";
import { rawStackConfig, readStackFile } from "../infra/render/stackFile";
import { checkOutDir, raiseTestSignal, runScript, type Command } from "./cli";

export const command: Command = {
  name: "render",
  usage: "<stack> [--out DIR]",
  summary:
    "Renders the stack stacks/Pulumi.<stack>.yaml offline (the real program under Pulumi's mocks) and writes one YAML file per object to rendered/<stack>/ or DIR.",
  options: { out: { type: "string", help: "directory for the files (default rendered/<stack>)" } },
  positionals: ["stack"],
  afterInputError: "Nothing was written.",
  async run({ values, positionals }, io) {
    const stack = positionals[0]!;
    const outDir = typeof values.out === "string" ? values.out : join("rendered", stack);
    checkOutDir(outDir);
    // Everything is rendered into memory first: an input error leaves nothing behind.
    const { files, outputs, charts } = await renderStack(stack, "stacks");
    await writeFiles(outDir, stack, files, {
      stacks: stackNames("stacks"),
      hooks: { afterStaged: (n) => void (n === 1 && raiseTestSignal("write")) },
    });
    io.out(`Rendered ${files.size} objects of stack "${stack}" to ${outDir}/`);
    for (const name of files.keys()) io.out(`  ${name}`);
    for (const chart of charts)
      io.out(
        `Helm chart installed by pulumi up (for GitOps: an Application in gitops/, from npm run render:all): ${chart}`,
      );
    io.out("Outputs:");
    // Outputs are secret when the stack's config holds secrets beyond the credentials.
    for (const [k, v] of Object.entries(outputs))
      io.out(`  ${k}: ${typeof v === "string" ? v : "[secret: shown by pulumi stack output --show-secrets]"}`);
    const spec = loadSpec(rawStackConfig(stack, readStackFile("stacks", stack)));
    for (const w of [...specWarnings(spec), ...branchNotes(spec)]) io.out(`Note: ${w}`);
    return 0;
  },
};

runScript(command);
