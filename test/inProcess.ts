import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand, type Command } from "../scripts/cli";

/**
 * Runs a command-line entry point's command in this process, with its output as the process would
 * print it (console.log: one line per call). The real process (`npm run <name>`: scripts/run.cjs) is started
 * once per command by its own test; the other cases need not pay for a cold start each.
 */
export async function runInProcess(
  cmd: Command,
  args: readonly string[],
  cwd?: string,
): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const previous = process.cwd();
  if (cwd) process.chdir(cwd);
  try {
    const status = await runCommand(cmd, args, { out: (t) => out.push(`${t}\n`), err: (t) => err.push(`${t}\n`) });
    return { status, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.chdir(previous);
  }
}

/** As runCli (test/helpers.ts), in this process: the command runs in a fresh directory whose stacks/ holds `stackFiles`. */
export async function runCliInProcess(cmd: Command, args: readonly string[], stackFiles: Record<string, string>) {
  const cwd = mkdtempSync(join(tmpdir(), `glm-${cmd.name}-`));
  mkdirSync(join(cwd, "stacks"));
  for (const [name, text] of Object.entries(stackFiles)) writeFileSync(join(cwd, "stacks", name), text);
  return { ...(await runInProcess(cmd, args, cwd)), cwd };
}
