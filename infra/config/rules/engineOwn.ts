import { engineDriver } from "../../engines";
import type { ConfigProblem } from "../../core/problems";
import type { StackConfig } from "../schema";

/** The engine on its own: escape-hatch flags and environment. */
export function engineOwnRules(cfg: StackConfig): ConfigProblem[] {
  const e = cfg.engine;
  const driver = engineDriver(e);
  const problems: ConfigProblem[] = [...extraArgRules(e.extraArgs, driver.typedFlags, driver.shortFlags)];
  for (const name of Object.keys(e.env)) {
    if (driver.managedEnv.includes(name)) {
      const secret = name === "HF_TOKEN" ? "hfToken" : name.endsWith("API_KEY") ? "apiKey" : undefined;
      problems.push({
        path: `engine.env.${name}`,
        value: e.env[name],
        allowed: `variables other than ${driver.managedEnv.join(", ")}, which the stack sets itself`,
        fix: secret ? `remove it and use pulumi config set --secret ${secret}` : `remove engine.env.${name}`,
      });
    }
  }
  return problems;
}

/**
 * `extraArgs` must be flags (with their values) that no typed field already owns, however they are
 * spelt: `--max_model_len` and `--max-model-len=8192` are `--max-model-len` to the engine's parser,
 * `-tp 4` is `--tensor-parallel-size 4`.
 */
export function extraArgRules(
  args: readonly string[],
  typedFlags: Readonly<Record<string, string>>,
  shortFlags: Readonly<Record<string, string>>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  args.forEach((arg, i) => {
    const path = `engine.extraArgs[${i}]`;
    const flag = arg.startsWith("--")
      ? arg.slice(2).split(/[=.]/)[0]!.replace(/_/g, "-")
      : /^-[A-Za-z]/.test(arg)
        ? shortFlags[arg.slice(1).split("=")[0]!]
        : undefined;
    if (i === 0 && !arg.startsWith("-")) {
      problems.push({
        path,
        value: arg,
        allowed: "a flag starting with --, then its values",
        fix: `start engine.extraArgs with a --flag`,
      });
      return;
    }
    if (flag === undefined) return;
    const owner = typedFlags[flag] ?? typedFlags[flag.replace(/^no-/, "")];
    if (owner) {
      problems.push({
        path,
        value: arg,
        allowed: "a flag that no typed field sets",
        fix: `remove it from engine.extraArgs and set ${owner}`,
      });
    }
  });
  return problems;
}
