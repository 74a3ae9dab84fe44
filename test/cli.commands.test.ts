import { spawn, spawnSync, execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { checkOutDir, readRegularFile, runCommand, usageLine, type Command } from "../scripts/cli";
import { command as benchReport } from "../scripts/benchReport";
import { command as benchRender } from "../scripts/benchRender";
import { command as configDocs } from "../scripts/configDocs";
import { command as plan } from "../scripts/plan";
import { command as render } from "../scripts/render";
import { command as renderAll } from "../scripts/renderAll";
import { command as renderCheck } from "../scripts/renderCheck";
import { gitopsSettings } from "../scripts/gitopsSettings";
import { REPO_ROOT, STACKS_DIR } from "./helpers";

/** Every script behaves like a command: --help, one-line usage errors (exit 2), --json errors, signals. */
const COMMANDS: Command[] = [render, renderAll, renderCheck, plan, benchReport, benchRender, configDocs];

async function run(cmd: Command, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const spy = vi.fn(cmd.run);
  const code = await runCommand({ ...cmd, run: spy }, argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n"), ran: spy.mock.calls.length > 0 };
}

describe("every script", () => {
  for (const cmd of COMMANDS) {
    describe(cmd.name, () => {
      it("--help: usage on stdout, exit 0, the command does not run", async () => {
        for (const flag of ["--help", "-h"]) {
          const r = await run(cmd, [flag]);
          expect(r).toMatchObject({ code: 0, err: "", ran: false });
          expect(r.out.split("\n")[0]).toBe(usageLine(cmd));
          expect(r.out).toContain("  -h, --help");
          expect(r.out).toContain(
            "exit status: 0 success, 1 an input error (nothing written), 2 a bad invocation or path",
          );
        }
      });

      it("an unknown option: one line on stderr naming it and the usage, exit 2, the command does not run", async () => {
        const r = await run(cmd, ["--bogus"]);
        expect(r).toMatchObject({ code: 2, out: "", ran: false });
        expect(r.err).toBe(`${cmd.name}: unknown option --bogus; ${usageLine(cmd)}`);
      });

      it("--json: the usage error as one JSON object on stderr", async () => {
        const r = await run(cmd, ["--json", "--bogus"]);
        expect(r.code).toBe(2);
        expect(JSON.parse(r.err)).toEqual({
          error: { kind: "usage", exitCode: 2, message: `${cmd.name}: unknown option --bogus; ${usageLine(cmd)}` },
        });
      });

      it("a wrong number of arguments: one line, exit 2", async () => {
        const wanted = cmd.positionals ?? [];
        const r = await run(cmd, wanted.length ? [] : ["extra"]);
        expect(r).toMatchObject({ code: 2, out: "", ran: false });
        expect(r.err).toBe(
          wanted.length
            ? `${cmd.name}: missing <${wanted[0]}>; ${usageLine(cmd)}`
            : `${cmd.name}: unexpected argument "extra"; ${usageLine(cmd)}`,
        );
      });
    });
  }
});

describe("option mistakes", () => {
  it("a misspelt option gets a did-you-mean; an option without its value says so", async () => {
    expect((await run(render, ["h200-fp8", "--ou", "x"])).err).toBe(
      "render: unknown option --ou (did you mean --out?); usage: npm run render -- <stack> [--out DIR]",
    );
    expect((await run(render, ["h200-fp8", "--out"])).err).toBe(
      "render: Option '--out <value>' argument missing; usage: npm run render -- <stack> [--out DIR]",
    );
  });
});

describe("bad paths: one line, exit 2, before anything is rendered", () => {
  const dir = mkdtempSync(join(tmpdir(), "glm-cli-"));
  writeFileSync(join(dir, "a-file"), "x");
  execFileSync("mkfifo", [join(dir, "fifo")]);

  it("--out at a file, under a file, or on /proc", () => {
    expect(() => checkOutDir(join(dir, "a-file"))).toThrow(
      `--out ${join(dir, "a-file")} exists and is not a directory`,
    );
    expect(() => checkOutDir(join(dir, "a-file", "x"))).toThrow(
      `--out ${join(dir, "a-file", "x")}: ${join(dir, "a-file")} is not a directory`,
    );
    expect(() => checkOutDir("/proc/nope")).toThrow(
      "--out /proc/nope is under /proc, a virtual file system, not a directory for files",
    );
    expect(() => checkOutDir(join(dir, "new", "deeper"))).not.toThrow();
  });

  it("render --out /proc/nope through the command: exit 2 and the one line", async () => {
    const r = await runCommand(render, ["h200-fp8", "--out", "/proc/nope"], {
      out: () => {},
      err: (t) =>
        expect(t).toBe("render: --out /proc/nope is under /proc, a virtual file system, not a directory for files"),
    });
    expect(r).toBe(2);
  });

  it("bench:report on a FIFO, a directory or a missing file: refused at once", () => {
    const started = Date.now();
    expect(() => readRegularFile(join(dir, "fifo"), 1000)).toThrow(`${join(dir, "fifo")} is not a regular file`);
    expect(() => readRegularFile(dir, 1000)).toThrow(`${dir} is not a regular file`);
    expect(() => readRegularFile(join(dir, "nope"), 1000)).toThrow(
      `cannot read ${join(dir, "nope")}: no such file or directory`,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe("as processes", () => {
  const tsx = join(REPO_ROOT, "node_modules", ".bin", "tsx");
  const workdir = () => {
    const cwd = mkdtempSync(join(tmpdir(), "glm-cmd-"));
    cpSync(STACKS_DIR, join(cwd, "stacks"), { recursive: true });
    mkdirSync(join(cwd, "docs"));
    return cwd;
  };
  // As `npm run <script>` runs it: the precompiled command (scripts/run.cjs).
  const spawnScript = (cwd: string, script: string, args: string[]) =>
    spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "run.cjs"), script.replace(/\.ts$/, ""), ...args], {
      cwd,
      encoding: "utf8",
      timeout: 60000,
    });

  it("render:all --help and docs:config --help write nothing", () => {
    const cwd = workdir();
    const before = readdirSync(cwd).sort();
    for (const script of ["renderAll.ts", "configDocs.ts"]) {
      const r = spawnScript(cwd, script, ["--help"]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^usage: npm run (render:all|docs:config)\n/);
    }
    expect(readdirSync(cwd).sort()).toEqual(before);
    expect(readdirSync(join(cwd, "docs"))).toEqual([]);
  });

  it("plan --json on a config error: one JSON object on stderr with every problem, exit 1, no trace", () => {
    const cwd = workdir();
    writeFileSync(
      join(cwd, "stacks", "Pulumi.bad.yaml"),
      "config:\n  glm-servng:engine: {}\n  glm-serving:service:\n    auth: none\n",
    );
    const r = spawnScript(cwd, "plan.ts", ["bad", "--json"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    const error = JSON.parse(r.stderr).error;
    expect(error).toMatchObject({ kind: "input", exitCode: 1 });
    expect(error.problems).toEqual([
      expect.objectContaining({
        key: "glm-servng:engine",
        fix: "rename glm-servng:engine to glm-serving:engine (did you mean glm-serving?)",
      }),
    ]);
  });

  it("a FIFO as stack file: exit 1 at once, no hang", () => {
    const cwd = workdir();
    execFileSync("mkfifo", [join(cwd, "stacks", "Pulumi.pipe.yaml")]);
    const r = spawnScript(cwd, "render.ts", ["pipe", "--out", "out"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("is a named pipe (FIFO): replace it with the stack's YAML file");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(cwd, "out"))).toBe(false);
  });

  /** A render with a signal raised at a known point (GLM_SERVING_TEST_SIGNAL, scripts/cli.ts). */
  async function interrupted(at: string, extra: string[] = []) {
    const cwd = workdir();
    const child = spawn(tsx, [join(REPO_ROOT, "scripts", "render.ts"), "h200-fp8", "--out", "out", ...extra], {
      cwd,
      env: { ...process.env, GLM_SERVING_TEST_SIGNAL: at },
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += String(d)));
    const code = await new Promise<number | null>((done) => child.on("exit", (c) => done(c)));
    return { code, stderr, out: join(cwd, "out") };
  }

  it("SIGINT before anything is written: exit 130, the one line, no output directory", async () => {
    const r = await interrupted("SIGINT@start");
    expect(r.code).toBe(130);
    expect(r.stderr).toBe("render: interrupted (SIGINT); no file is left half-written\n");
    expect(existsSync(r.out)).toBe(false);
  });

  it("SIGINT while the files are written: the write completes, then exit 130; never half a tree", async () => {
    const r = await interrupted("SIGINT@write");
    expect(r.code).toBe(130);
    expect(r.stderr).toBe("render: interrupted (SIGINT); no file is left half-written\n");
    const files = readdirSync(r.out).sort();
    expect(files).toEqual(readdirSync(join(REPO_ROOT, "rendered", "h200-fp8")).sort());
    for (const f of files)
      expect(readFileSync(join(r.out, f), "utf8")).toBe(
        readFileSync(join(REPO_ROOT, "rendered", "h200-fp8", f), "utf8"),
      );
  });

  it("SIGTERM with --json: exit 143 and one JSON object on stderr", async () => {
    const r = await interrupted("SIGTERM@start", ["--json"]);
    expect(r.code).toBe(143);
    expect(JSON.parse(r.stderr)).toEqual({
      error: {
        kind: "interrupted",
        message: "render: interrupted (SIGTERM); no file is left half-written",
        exitCode: 143,
      },
    });
    expect(existsSync(r.out)).toBe(false);
  });
});

describe("gitops/settings.yaml, read by render:all and render:check", () => {
  const dir = mkdtempSync(join(tmpdir(), "glm-settings-"));
  it("missing, malformed or invalid: an input error naming the file, never a trace", () => {
    expect(() => gitopsSettings(join(dir, "none.yaml"))).toThrow(
      `${join(dir, "none.yaml")} is missing; render:all and render:check need it (see the README, GitOps)`,
    );
    writeFileSync(join(dir, "bad.yaml"), "repository: [\n");
    expect(() => gitopsSettings(join(dir, "bad.yaml"))).toThrow(
      new RegExp(`^${join(dir, "bad.yaml")} cannot be read: `),
    );
    writeFileSync(join(dir, "invalid.yaml"), "repository: not a url\n");
    expect(() => gitopsSettings(join(dir, "invalid.yaml"))).toThrow(
      /is not valid:\n  - repository: the repository's clone URL\n/,
    );
  });
});

describe("scripts/run.cjs: the npm scripts run their command precompiled", () => {
  const run = (args: string[], cwd = REPO_ROOT) =>
    spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "run.cjs"), ...args], { cwd, encoding: "utf8" });

  it("npm run render writes what the TypeScript writes (the committed rendered/h200-fp8), and again from the built bundle", () => {
    for (const pass of [1, 2]) {
      const out = mkdtempSync(join(tmpdir(), "glm-run-"));
      const r = run(["render", "h200-fp8", "--out", out]);
      expect(r.stderr, `pass ${pass}`).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`Rendered 12 objects of stack "h200-fp8" to ${out}/`);
      const committed = join(REPO_ROOT, "rendered", "h200-fp8");
      expect(readdirSync(out)).toEqual(readdirSync(committed));
      for (const f of readdirSync(committed))
        expect(readFileSync(join(out, f), "utf8"), f).toBe(readFileSync(join(committed, f), "utf8"));
    }
    // The bundle names the sources' directories, so files beside them (the container scripts) are read.
    expect(readFileSync(join(REPO_ROOT, "node_modules", ".cache", "glm-serving-cli", "render.js"), "utf8")).toContain(
      JSON.stringify(join(REPO_ROOT, "infra", "containerScripts")),
    );
  });

  it("the bundle is rebuilt on any change to its sources, even one that keeps the newest time, and after a move", () => {
    const { sourceStamp } = createRequire(import.meta.url)(join(REPO_ROOT, "scripts", "run.cjs")) as {
      sourceStamp: (root: string) => string;
    };
    const root = mkdtempSync(join(tmpdir(), "glm-stamp-"));
    mkdirSync(join(root, "infra", "core"), { recursive: true });
    mkdirSync(join(root, "scripts"));
    const when = new Date("2026-01-01T00:00:00Z");
    const put = (rel: string, text: string, time = when) => {
      writeFileSync(join(root, rel), text);
      utimesSync(join(root, rel), time, time);
    };
    put("package-lock.json", "{}");
    put("infra/core/a.ts", "export const a = 1;");
    put("infra/b.ts", "export const b = 2;", new Date("2026-06-01T00:00:00Z"));
    put("scripts/render.ts", "export const command = 0;");
    const first = sourceStamp(root);
    expect(sourceStamp(root)).toBe(first);
    // An older file restored with a different content: the newest time and the count stay the same.
    put("infra/core/a.ts", "export const a = 10;");
    const edited = sourceStamp(root);
    expect(edited).not.toBe(first);
    // One file removed, another added with the same time: same count, same newest time.
    rmSync(join(root, "infra", "core", "a.ts"));
    put("infra/core/c.ts", "export const a = 10;");
    expect(sourceStamp(root)).not.toBe(edited);
    // The same tree elsewhere: the bundle names its source directories, so it must be rebuilt.
    const moved = `${root}-moved`;
    cpSync(root, moved, { recursive: true, preserveTimestamps: true });
    expect(sourceStamp(moved)).not.toBe(sourceStamp(root));
  });

  it("a package missing from node_modules (a pull without npm ci) is one line naming it and the fix", () => {
    const { missingPackageMessage } = createRequire(import.meta.url)(join(REPO_ROOT, "scripts", "run.cjs")) as {
      missingPackageMessage: (e: unknown) => string | undefined;
    };
    const missing = Object.assign(new Error("Cannot find module '@pulumi/random'\nRequire stack:\n- /x/plan.js"), {
      code: "MODULE_NOT_FOUND",
    });
    expect(missingPackageMessage(missing)).toBe(
      "glm-serving: the package @pulumi/random is not installed (node_modules does not match package-lock.json): run npm ci",
    );
    // Our own files missing is a bug, not an install problem: the error stays as it is.
    const ours = Object.assign(new Error("Cannot find module './nope'"), { code: "MODULE_NOT_FOUND" });
    expect(missingPackageMessage(ours)).toBeUndefined();
    expect(missingPackageMessage(new Error("boom"))).toBeUndefined();
  });

  it("a script that does not exist: usage, exit 2", () => {
    const r = run(["nope"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("usage: node scripts/run.cjs <script> [args ...] (a scripts/<script>.ts)\n");
  });
});
