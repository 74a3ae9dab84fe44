import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONTAINER_SCRIPTS, containerScript } from "../infra/containerScripts";
import { REPO_ROOT } from "./helpers";

/**
 * The interpreter behind `python3`, resolved once: a version manager's `python3` is often a shell
 * shim that costs a tenth of a second per start, and the script tests start Python many times.
 */
export const PYTHON: string = (() => {
  const r = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : "python3";
})();

let shipped: string | undefined;

/** A directory holding every container script as a container gets it (shared helpers in place). */
export function shippedScriptsDir(): string {
  if (!shipped) {
    shipped = mkdtempSync(join(tmpdir(), "glm-scripts-"));
    for (const name of CONTAINER_SCRIPTS) writeFileSync(join(shipped, name), containerScript(name));
  }
  return shipped;
}

export interface HarnessRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** What the script asked of its stand-ins: urlopen calls, sleeps. */
  readonly events: Record<string, unknown>[];
}

/**
 * Runs a shipped Python script in one Python process with stand-ins (test/fixtures/containerScripts/
 * harness.py): urlopen replies, a service-account directory, a clock that sleeps at once.
 */
export function runHarness(
  script: (typeof CONTAINER_SCRIPTS)[number],
  env: Record<string, string>,
  opts: { urlopen?: object[]; saDir?: string; args?: string[] } = {},
): HarnessRun {
  const log = join(mkdtempSync(join(tmpdir(), "glm-harness-")), "log.json");
  const r = spawnSync(
    PYTHON,
    [
      join(REPO_ROOT, "test", "fixtures", "containerScripts", "harness.py"),
      join(shippedScriptsDir(), script),
      ...(opts.args ?? []),
    ],
    {
      encoding: "utf8",
      env: {
        PATH: process.env["PATH"],
        HARNESS_LOG: log,
        ...(opts.urlopen ? { HARNESS_URLOPEN: JSON.stringify(opts.urlopen) } : {}),
        ...(opts.saDir ? { HARNESS_SA_DIR: opts.saDir } : {}),
        ...env,
      },
    },
  );
  const events = (() => {
    try {
      return (JSON.parse(readFileSync(log, "utf8")) as { events: Record<string, unknown>[] }).events;
    } catch {
      return [];
    }
  })();
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, events };
}
