// npm run plan -- <stack> [--json]: does the stack fit its devices, and how much KV cache does it get?
// Exit status 0 when it fits, 1 when it does not (or the config is invalid), 2 on usage errors.
import { parseArgs } from "node:util";
import { loadSpec } from "../infra/config/load";
import { ConfigError } from "../infra/config/problems";
import { timeBudgets } from "../infra/planner/budgets";
import { coldStart, formatColdStart } from "../infra/planner/coldStart";
import { formatPlan } from "../infra/planner/format";
import { planStack } from "../infra/planner/fromSpec";
import { rawStackConfig, readStackFile } from "../infra/render/stackFile";

const USAGE = "usage: npm run plan -- <stack> [--json]   (stacks are the files stacks/Pulumi.<stack>.yaml)";

function main(): number {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { json: { type: "boolean" } } });
  const stack = positionals[0];
  if (!stack || positionals.length > 1) {
    console.error(USAGE);
    return 2;
  }
  try {
    const file = readStackFile("stacks", stack);
    const spec = loadSpec(rawStackConfig(stack, file));
    const plan = planStack(spec);
    const budgets = timeBudgets(spec);
    if (values.json) {
      console.log(JSON.stringify({ ...plan, budgets, coldStart: coldStart(spec) }, null, 2));
    } else {
      console.log(formatPlan(plan));
      console.log(
        `  time       weights read in ${budgets.readWeightsSeconds} s; startup budget ${budgets.startupSeconds} s; download deadline ${budgets.downloadDeadlineSeconds} s`,
      );
      console.log(formatColdStart(coldStart(spec)));
    }
    return plan.fits ? 0 : 1;
  } catch (e) {
    if (ConfigError.isInstance(e)) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
}

process.exit(main());
