// npm run render:all: renders every stack into rendered/<stack>/ and its GitOps objects into gitops/<stack>/.
import { renderTree, writeTree } from "../infra/render/renderAll";
import { runScript, type Command } from "./cli";
import { gitopsSettings } from "./gitopsSettings";

export const command: Command = {
  name: "render:all",
  usage: "",
  summary:
    "Renders every stack of stacks/ into rendered/<stack>/, its GitOps objects into gitops/, and the GitHub Actions workflow, from gitops/settings.yaml.",
  afterInputError: "Nothing was written.",
  async run(_args, io) {
    const tree = await renderTree("stacks", gitopsSettings());
    await writeTree(".", tree);
    const stacks = new Set([...tree.keys()].filter((p) => p.startsWith("rendered/")).map((p) => p.split("/")[1]));
    io.out(`Rendered ${tree.size} files of ${stacks.size} stacks into rendered/, gitops/ and .github/workflows/`);
    return 0;
  },
};

runScript(command);
