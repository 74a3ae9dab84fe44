// npm run plan -- <stack> [--json]: does the stack fit its devices, and how much KV cache does it get?
// Exit status 0 when it fits, 1 when it does not (or the config is invalid), 2 on usage errors.
import { loadSpec } from "../infra/config/load";
import { branchNotes, specWarnings } from "../infra/config/warnings";
import { timeBudgets } from "../infra/planner/budgets";
import { coldStart, formatColdStart } from "../infra/planner/coldStart";
import { formatPlan } from "../infra/planner/format";
import { planStack } from "../infra/planner/fromSpec";
import { rawStackConfig, readStackFile } from "../infra/render/stackFile";
import { runScript, type Command } from "./cli";

export const command: Command = {
  name: "plan",
  usage: "<stack> [--json]",
  summary:
    "Plans stacks/Pulumi.<stack>.yaml: memory per device, KV cache, time budgets, and whether it fits (exit 1 when it does not). --json prints the plan as one object.",
  positionals: ["stack"],
  async run({ values, positionals }, io) {
    const stack = positionals[0]!;
    const file = readStackFile("stacks", stack);
    const spec = loadSpec(rawStackConfig(stack, file));
    const plan = planStack(spec);
    const budgets = timeBudgets(spec);
    if (values.json) {
      io.out(JSON.stringify({ ...plan, budgets, coldStart: coldStart(spec) }, null, 2));
    } else {
      io.out(formatPlan(plan));
      io.out(
        `  time       weights read in ${budgets.readWeightsSeconds} s; startup budget ${budgets.startupSeconds} s; download deadline ${budgets.downloadDeadlineSeconds} s`,
      );
      io.out(formatColdStart(coldStart(spec)));
      for (const w of [...specWarnings(spec), ...branchNotes(spec)]) io.out(`  note       ${w}`);
    }
    return plan.fits ? 0 : 1;
  },
};

runScript(command);
