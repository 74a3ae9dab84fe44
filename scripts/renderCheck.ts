// npm run render:check: fails, listing the files, when rendered/ or gitops/ is not what render:all writes.
import { diffTree, renderTree } from "../infra/render/renderAll";
import { withRenderLock } from "../infra/render/transaction";
import { runScript, type Command } from "./cli";
import { gitopsSettings } from "./gitopsSettings";

export const command: Command = {
  name: "render:check",
  usage: "",
  summary:
    "Renders every stack in memory and compares with the committed rendered/, gitops/ and .github/workflows/; exit 1 listing the stale files. Writes nothing.",
  async run(_args, io) {
    const tree = await renderTree("stacks", gitopsSettings());
    // Under the render lock: a render:all running meanwhile is not seen half-way.
    const differences = await withRenderLock(".", () => diffTree(".", tree));
    if (differences.length === 0) {
      io.out(`rendered/ and gitops/ are up to date (${tree.size} files)`);
      return 0;
    }
    io.err(
      `rendered/ and gitops/ are stale; run npm run render:all and commit:\n${differences.map((d) => `  ${d}`).join("\n")}`,
    );
    return 1;
  },
};

runScript(command);
