import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { diffTree, GITOPS_HEADER, WORKFLOW_PATH, writeTree, type Tree } from "../infra/render/renderAll";
import { RENDER_HEADER } from "../infra/render/manifestFiles";
import { writeFiles } from "../infra/render/renderStack";
import { LOCK_DIR, recover, RenderWriteError, STAGING_DIR, withRenderLock } from "../infra/render/transaction";
import { REPO_ROOT } from "./helpers";

/**
 * The writing side of render, render:all and render:check: only generated files are written,
 * changed or deleted; links are never followed; a stack is written all at once; one render at a time.
 */

const rendered = (stack: string, body: string) =>
  `${RENDER_HEADER}stacks/Pulumi.${stack}.yaml. Do not edit: change the stack and render again.\n${body}\n`;
const gitops = (body: string) => `${GITOPS_HEADER}gitops/settings.yaml. Do not edit.\n${body}\n`;

function tmp(prefix: string): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}

function put(root: string, rel: string, text: string) {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}

/** Every regular file under root (relative path -> contents), links listed as "-> target". */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) out[path] = "-> link";
      else if (e.isDirectory()) walk(path);
      else if (e.isFile()) out[path] = readFileSync(join(root, path), "utf8");
      else out[path] = "(special)";
    }
  };
  walk("");
  return out;
}

/** A repository as render:all left it, plus the hand-written files people keep beside it. */
function repository() {
  const root = tmp("glm-files-");
  const before: Tree = new Map([
    ["rendered/one/00-namespace-x.yaml", rendered("one", "kind: Namespace")],
    ["rendered/one/40-job-old.yaml", rendered("one", "kind: Job # old")],
    ["rendered/gone/50-deployment-x.yaml", rendered("gone", "kind: Deployment")],
    ["gitops/one/argocd-application.yaml", gitops("kind: Application")],
    ["gitops/addons/lws/argocd-application.yaml", gitops("kind: Application # lws")],
    [WORKFLOW_PATH, gitops("name: glm-serving")],
  ]);
  for (const [p, t] of before) put(root, p, t);
  const handWritten: Record<string, string> = {
    "rendered/one/kustomization.yaml": "resources: [00-namespace-x.yaml]\n",
    "rendered/README.md": "ours\n",
    "gitops/settings.yaml": "repository: x\n",
    "gitops/cluster-config/ingress.yaml": "kind: Ingress\n",
    "gitops/addons/README.md": "notes\n",
    "gitops/one/values-override.yaml": "a: 1\n",
    ".github/workflows/other.yml": "name: other\n",
  };
  for (const [p, t] of Object.entries(handWritten)) put(root, p, t);
  const after: Tree = new Map([
    ["rendered/one/00-namespace-x.yaml", rendered("one", "kind: Namespace")],
    ["rendered/one/40-job-new.yaml", rendered("one", "kind: Job # new")],
    ["gitops/one/argocd-application.yaml", gitops("kind: Application # changed")],
    [WORKFLOW_PATH, gitops("name: glm-serving")],
  ]);
  return { root, handWritten, after };
}

describe("render:all writes only generated files", () => {
  it("replaces and deletes generated files; hand-written files beside them survive", async () => {
    const { root, handWritten, after } = repository();
    await writeTree(root, after);
    expect(snapshot(root)).toEqual({ ...handWritten, ...Object.fromEntries(after) });
    expect(existsSync(join(root, "rendered", "gone"))).toBe(false); // emptied of generated files
    expect(existsSync(join(root, "gitops", "addons"))).toBe(true); // still holds a README
    expect(diffTree(root, after)).toEqual([]);
  });

  it("render:check does not call hand-written files stale", () => {
    const { root, after } = repository();
    expect(diffTree(root, after)).toEqual([
      "stale:   gitops/addons/lws/argocd-application.yaml (no stack renders it any more)",
      "differs: gitops/one/argocd-application.yaml",
      "stale:   rendered/gone/50-deployment-x.yaml (no stack renders it any more)",
      "missing: rendered/one/40-job-new.yaml",
      "stale:   rendered/one/40-job-old.yaml (no stack renders it any more)",
    ]);
  });

  it("never follows a link: a linked folder's files survive, a link at a generated path is refused", async () => {
    const { root, after } = repository();
    const outside = tmp("glm-outside-");
    writeFileSync(join(outside, "keep.yaml"), gitops("kind: Outside"));
    writeFileSync(join(outside, "target.yaml"), "precious\n");
    symlinkSync(outside, join(root, "gitops", "linked"));
    symlinkSync(outside, join(root, "rendered", "linked"));
    // Refused: a link where a generated file goes. Its target and every other file stay as they were.
    symlinkSync(join(outside, "target.yaml"), join(root, "rendered", "one", "40-job-new.yaml"));
    const before = snapshot(root);
    await expect(writeTree(root, after)).rejects.toThrow(
      new RenderWriteError(
        "Refusing to write: rendered/one/40-job-new.yaml is a symbolic link; a render writes only regular files it generated",
      ),
    );
    expect(snapshot(root)).toEqual(before);
    expect(snapshot(outside)).toEqual({ "keep.yaml": gitops("kind: Outside"), "target.yaml": "precious\n" });
    expect(diffTree(root, after)).toContain(
      "blocked: rendered/one/40-job-new.yaml (rendered/one/40-job-new.yaml is a symbolic link; a render writes only regular files it generated)",
    );
    // Without the refused link, the linked folders are left alone and their files are not stale.
    const rest = new Map([...after].filter(([p]) => p !== "rendered/one/40-job-new.yaml"));
    await writeTree(root, rest);
    expect(snapshot(outside)).toEqual({ "keep.yaml": gitops("kind: Outside"), "target.yaml": "precious\n" });
    expect(diffTree(root, rest)).toEqual([]);
  });

  it("never writes through a linked folder on the way to a generated file", async () => {
    const root = tmp("glm-linkdir-");
    const outside = tmp("glm-outside-");
    mkdirSync(join(root, "rendered"));
    symlinkSync(outside, join(root, "rendered", "one"));
    await expect(writeTree(root, new Map([["rendered/one/a.yaml", rendered("one", "a")]]))).rejects.toThrow(
      "Refusing to write: rendered/one is a symbolic link; a render never writes through one",
    );
    expect(readdirSync(outside)).toEqual([]);
  });

  it("a FIFO among the files neither hangs render:check nor is written through", async () => {
    const { root, after } = repository();
    const fifo = join(root, "rendered", "one", "40-job-new.yaml");
    if (spawnSync("mkfifo", [fifo]).status !== 0) return; // no mkfifo on this system
    put(root, "rendered/one/pipe-hand-made", "");
    expect(diffTree(root, after)).toContain(
      "blocked: rendered/one/40-job-new.yaml (rendered/one/40-job-new.yaml is not a regular file (a FIFO, socket or device))",
    );
    await expect(writeTree(root, after)).rejects.toThrow(RenderWriteError);
  });
});

describe("render --out", () => {
  const files = new Map([
    ["00-namespace-x.yaml", rendered("one", "kind: Namespace")],
    ["50-deployment-x.yaml", rendered("one", "kind: Deployment")],
  ]);

  it("replaces this stack's files and keeps everything else, other YAML included", async () => {
    const dir = tmp("glm-out-");
    writeFileSync(join(dir, "99-old.yaml"), rendered("one", "kind: Job"));
    writeFileSync(join(dir, "kustomization.yaml"), "resources: []\n");
    writeFileSync(join(dir, "README.md"), "keep");
    await writeFiles(dir, "one", files);
    expect(readdirSync(dir).sort()).toEqual([
      "00-namespace-x.yaml",
      "50-deployment-x.yaml",
      "README.md",
      "kustomization.yaml",
    ]);
  });

  it("refuses a file, another stack's folder, gitops/ and a name with a path separator, writing nothing", async () => {
    const cwd = tmp("glm-cwd-");
    put(cwd, "notes.txt", "mine\n");
    put(cwd, "rendered/two/00-namespace-x.yaml", rendered("two", "kind: Namespace"));
    put(cwd, "elsewhere/00-namespace-x.yaml", rendered("two", "kind: Namespace"));
    put(cwd, "gitops/one/argocd-application.yaml", gitops("kind: Application"));
    const before = snapshot(cwd);
    const write = (out: string, f = files) => writeFiles(out, "one", f, { cwd, stacks: ["one", "two", "three"] });
    await expect(write("notes.txt")).rejects.toThrow(new RenderWriteError("--out notes.txt: is a file, not a folder"));
    await expect(write("rendered/three")).rejects.toThrow(
      '--out rendered/three: is the rendered folder of stack "three"',
    );
    await expect(write("elsewhere")).rejects.toThrow(
      '--out elsewhere: holds 00-namespace-x.yaml, rendered from stack "two"',
    );
    await expect(write("gitops/one")).rejects.toThrow(
      "--out gitops/one: gitops/ holds the objects npm run render:all writes",
    );
    await expect(write("out", new Map([...files, ["a/b.yaml", "x"]]))).rejects.toThrow(
      '--out out: the stack renders a file named "a/b.yaml", which is not a plain file name',
    );
    expect(snapshot(cwd)).toEqual(before);
  });

  it("writes into a folder outside the working tree, with the lock beside it", async () => {
    const cwd = tmp("glm-cwd-");
    const parent = tmp("glm-parent-");
    await writeFiles(join(parent, "out"), "one", files, { cwd });
    expect(readdirSync(join(parent, "out")).sort()).toEqual([...files.keys()]);
    expect(readdirSync(parent)).toEqual(["out"]); // no lock or staging folder left behind
  });

  it("a link or a FIFO where one of its files goes is refused; the link's target survives", async () => {
    const dir = tmp("glm-out-");
    const outside = tmp("glm-outside-");
    writeFileSync(join(outside, "target.yaml"), "precious\n");
    symlinkSync(join(outside, "target.yaml"), join(dir, "00-namespace-x.yaml"));
    await expect(writeFiles(dir, "one", files)).rejects.toThrow(
      `Refusing to write: ${basename(dir)}/00-namespace-x.yaml is a symbolic link; a render writes only regular files it generated`,
    );
    expect(readFileSync(join(outside, "target.yaml"), "utf8")).toBe("precious\n");
    const fifoDir = tmp("glm-out-");
    if (spawnSync("mkfifo", [join(fifoDir, "50-deployment-x.yaml")]).status !== 0) return;
    await expect(writeFiles(fifoDir, "one", files)).rejects.toThrow(
      `Refusing to write: ${basename(fifoDir)}/50-deployment-x.yaml is not a regular file (a FIFO, socket or device)`,
    );
  });

  it("refuses an --out that is a link", async () => {
    const cwd = tmp("glm-cwd-");
    const outside = tmp("glm-outside-");
    symlinkSync(outside, join(cwd, "out"));
    await expect(writeFiles("out", "one", files, { cwd })).rejects.toThrow(
      "Refusing to write: out is a symbolic link; a render never writes through one",
    );
    expect(readdirSync(outside)).toEqual([]);
  });
});

/** Runs `body` (TypeScript, with `root` and the transaction module in scope) in a child process. */
function child(root: string, body: string) {
  const script = join(root, "..", `child-${process.pid}-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(
    script,
    `import * as t from ${JSON.stringify(join(REPO_ROOT, "infra", "render", "transaction.ts"))};\nconst root = ${JSON.stringify(root)};\n${body}\n`,
  );
  return spawn(process.execPath, ["--import", "tsx", script], { cwd: REPO_ROOT, stdio: "pipe" });
}
const exited = (p: ReturnType<typeof spawn>) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    p.on("exit", (code, signal) => r({ code, signal })),
  );

describe("a stack is written all at once", () => {
  const change = `{ write: new Map([["rendered/one/00-namespace-x.yaml", "new a"], ["rendered/one/40-job-new.yaml", "new b"], ["rendered/one/50-deployment-x.yaml", "new c"]]), remove: ["rendered/one/40-job-old.yaml"] }`;

  it("a crash while writing leaves the previous files intact; the next render starts clean", async () => {
    const { root, after } = repository();
    const before = snapshot(root);
    const r = await exited(
      child(
        root,
        `t.withRenderLock(root, () => t.commitChange(root, ${change}, { afterStaged: (n) => { if (n === 2) process.kill(process.pid, "SIGKILL"); } }));`,
      ),
    );
    expect(r.signal).toBe("SIGKILL");
    const left = snapshot(root);
    expect(Object.fromEntries(Object.entries(left).filter(([p]) => !p.startsWith(".glm-serving-render")))).toEqual(
      before,
    );
    expect(existsSync(join(root, LOCK_DIR))).toBe(true); // held by a process that is gone
    // The next render takes the dead render's lock over and drops its uncommitted files.
    await writeTree(root, after);
    expect(existsSync(join(root, STAGING_DIR))).toBe(false);
    expect(existsSync(join(root, LOCK_DIR))).toBe(false);
    expect(diffTree(root, after)).toEqual([]);
  }, 30_000);

  it("a crash after the commit point is finished by the next render; render:check says so meanwhile", async () => {
    const { root, after } = repository();
    const r = await exited(
      child(
        root,
        `t.withRenderLock(root, () => t.commitChange(root, ${change}, { afterCommit: () => process.kill(process.pid, "SIGKILL") }));`,
      ),
    );
    expect(r.signal).toBe("SIGKILL");
    expect(diffTree(root, after)[0]).toBe(
      `pending: ${STAGING_DIR}/ (an interrupted render; npm run render:all finishes it)`,
    );
    await withRenderLock(root, () => recover(root)); // what every render does first
    expect(readFileSync(join(root, "rendered/one/40-job-new.yaml"), "utf8")).toBe("new b");
    expect(existsSync(join(root, "rendered/one/40-job-old.yaml"))).toBe(false);
    expect(readFileSync(join(root, "rendered/one/kustomization.yaml"), "utf8")).toBe(
      "resources: [00-namespace-x.yaml]\n",
    );
  }, 30_000);

  it("an error half-way through writing writes nothing", async () => {
    const { root, after } = repository();
    const before = snapshot(root);
    await expect(
      writeTree(root, after, {
        afterStaged: (n) => {
          if (n === 2) throw new Error("disk full");
        },
      }),
    ).rejects.toThrow("disk full");
    const left = snapshot(root);
    expect(Object.fromEntries(Object.entries(left).filter(([p]) => !p.startsWith(".glm-serving-render")))).toEqual(
      before,
    );
    await writeTree(root, after);
    expect(diffTree(root, after)).toEqual([]);
  });
});

describe("one render at a time", () => {
  it("a second render waits for the lock; a lock of a dead process is taken over", async () => {
    const root = tmp("glm-lock-");
    const events: string[] = [];
    let release!: () => void;
    const first = withRenderLock(root, async () => {
      events.push("first in");
      await new Promise<void>((r) => (release = r));
      events.push("first out");
    });
    await new Promise((r) => setTimeout(r, 50));
    const second = withRenderLock(root, () => void events.push("second in"));
    await new Promise((r) => setTimeout(r, 400));
    expect(events).toEqual(["first in"]);
    release();
    await Promise.all([first, second]);
    expect(events).toEqual(["first in", "first out", "second in"]);
    // A lock left by a killed render (its pid no longer runs).
    mkdirSync(join(root, LOCK_DIR));
    writeFileSync(join(root, LOCK_DIR, "pid"), "2147483646");
    await withRenderLock(root, () => void events.push("after stale"));
    expect(events.at(-1)).toBe("after stale");
  });

  it("two render processes at once both finish, one after the other, and the tree is complete", async () => {
    const root = tmp("glm-race-");
    const many = (tag: string) =>
      `new Map(Array.from({ length: 200 }, (_, i) => ["rendered/s/" + String(i).padStart(3, "0") + ".yaml", "${tag}"]))`;
    const results = await Promise.all(
      ["a", "b"].map((tag) =>
        exited(child(root, `t.withRenderLock(root, () => t.commitChange(root, { write: ${many(tag)}, remove: [] }));`)),
      ),
    );
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    const contents = new Set(
      readdirSync(join(root, "rendered", "s")).map((f) => readFileSync(join(root, "rendered", "s", f), "utf8")),
    );
    expect(contents.size).toBe(1); // all of one render, none interleaved
    expect(readdirSync(join(root, "rendered", "s")).length).toBe(200);
  }, 30_000);
});
