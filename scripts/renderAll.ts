// npm run render:all: renders every stack into rendered/<stack>/ and its GitOps objects into gitops/<stack>/.
import { readGitopsSettings } from "../infra/gitops/settings";
import { renderTree, writeTree } from "../infra/render/renderAll";
import { runScript } from "./cli";

async function main(): Promise<number> {
  const tree = await renderTree("stacks", readGitopsSettings("gitops/settings.yaml"));
  await writeTree(".", tree);
  const stacks = new Set([...tree.keys()].filter((p) => p.startsWith("rendered/")).map((p) => p.split("/")[1]));
  console.log(`Rendered ${tree.size} files of ${stacks.size} stacks into rendered/, gitops/ and .github/workflows/`);
  return 0;
}

runScript(main, "Nothing was written.");
