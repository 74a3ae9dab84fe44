import { mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { entryAt, isInsidePath } from "./ownership";

/**
 * Writing generated files so that a crash or a second render can never leave a half-written tree:
 *
 * 1. one render at a time per root: a lock directory (`mkdir` is atomic) naming the holder's pid; a
 *    lock whose holder is gone (a killed render) is taken over;
 * 2. every new file is written into a staging directory beside the tree (same file system), so a
 *    crash while writing leaves the previous files untouched;
 * 3. a journal listing the files to move in and to delete is renamed into place: that rename is the
 *    commit point;
 * 4. the staged files are renamed over their targets (a rename replaces, it never writes through)
 *    and the stale generated files are deleted; then the staging directory goes.
 *
 * A render killed after the commit point is finished by the next render (or `render:all`) before it
 * does anything else; `render:check` reports it. Nothing is written through a symbolic link: every
 * directory on the way to a target must be a real directory, and a target that is a link, a FIFO or
 * a directory is refused.
 */

export const STAGING_DIR = ".glm-serving-render.tmp";
export const LOCK_DIR = ".glm-serving-render.lock";

export class RenderWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RenderWriteError";
  }
}

/** Files to write (path relative to root -> contents) and generated files to delete. */
export interface TreeChange {
  readonly write: ReadonlyMap<string, string>;
  readonly remove: readonly string[];
}

interface Journal {
  write: string[];
  remove: string[];
}

/** Why a file cannot be written at root/rel without following or replacing something not ours. */
export function unsafeTarget(root: string, rel: string): string | undefined {
  if (!isInsidePath(rel)) return `${rel}: not a plain path inside ${root}`;
  const parts = rel.split(sep);
  for (let i = 1; i < parts.length; i++) {
    const dir = parts.slice(0, i).join(sep);
    const kind = entryAt(join(root, dir));
    if (kind === "symlink") return `${dir} is a symbolic link; a render never writes through one`;
    if (kind === "missing") return undefined;
    if (kind !== "directory") return `${dir} is not a directory`;
  }
  const kind = entryAt(join(root, rel));
  if (kind === "symlink") return `${rel} is a symbolic link; a render writes only regular files it generated`;
  if (kind === "directory") return `${rel} is a directory`;
  if (kind === "other") return `${rel} is not a regular file (a FIFO, socket or device)`;
  return undefined;
}

/** Hooks for tests: called after each staged file and after the commit point (to simulate a crash). */
export interface TransactionHooks {
  afterStaged?: (count: number) => void;
  afterCommit?: () => void;
}

function makeDirs(root: string, rel: string): void {
  const parts = rel.split(sep);
  for (let i = 1; i <= parts.length; i++) {
    const dir = join(root, ...parts.slice(0, i));
    const kind = entryAt(dir);
    if (kind === "missing") mkdirSync(dir);
    else if (kind !== "directory") throw new RenderWriteError(`${parts.slice(0, i).join(sep)} is not a directory`);
  }
}

/** Moves staged files in and deletes stale ones; safe to run again after a crash half-way. */
function applyJournal(root: string, journal: Journal): void {
  const staged = join(root, STAGING_DIR, "files");
  for (const rel of journal.write) {
    if (entryAt(join(staged, rel)) !== "file") continue; // moved in by the run that crashed
    const problem = unsafeTarget(root, rel);
    if (problem) throw new RenderWriteError(problem);
    if (dirname(rel) !== ".") makeDirs(root, dirname(rel));
    renameSync(join(staged, rel), join(root, rel));
  }
  for (const rel of journal.remove) {
    if (unsafeTarget(root, rel) === undefined && entryAt(join(root, rel)) === "file") rmSync(join(root, rel));
    // A folder emptied of generated files goes too (never a top-level one such as rendered/).
    for (let dir = dirname(rel); dir.includes(sep); dir = dirname(dir)) {
      try {
        rmdirSync(join(root, dir));
      } catch {
        break; // not empty: someone's files are in it
      }
    }
  }
}

/** Finishes a committed render a crash interrupted, or drops an uncommitted one. */
export function recover(root: string): void {
  const staging = join(root, STAGING_DIR);
  if (entryAt(staging) === "missing") return;
  if (entryAt(staging) !== "directory") throw new RenderWriteError(`${staging} is in the way of a render`);
  const journal = join(staging, "journal.json");
  if (entryAt(journal) === "file") applyJournal(root, JSON.parse(readFileSync(journal, "utf8")) as Journal);
  rmSync(staging, { recursive: true, force: true });
}

/** Whether a render interrupted after its commit point is waiting to be finished. */
export function interruptedRender(root: string): boolean {
  return entryAt(join(root, STAGING_DIR, "journal.json")) === "file";
}

/** Applies `change` under root all at once (see above). Call inside withRenderLock. */
export function commitChange(root: string, change: TreeChange, hooks: TransactionHooks = {}): void {
  recover(root);
  const problems = [
    ...new Set(
      [...change.write.keys(), ...change.remove]
        .map((rel) => unsafeTarget(root, rel))
        .filter((p): p is string => p !== undefined),
    ),
  ];
  if (problems.length) {
    throw new RenderWriteError(
      `Refusing to write: ${problems.length === 1 ? problems[0] : `\n${problems.map((p) => `  - ${p}`).join("\n")}`}`,
    );
  }
  const staging = join(root, STAGING_DIR);
  mkdirSync(join(staging, "files"), { recursive: true });
  let count = 0;
  for (const [rel, text] of change.write) {
    mkdirSync(dirname(join(staging, "files", rel)), { recursive: true });
    writeFileSync(join(staging, "files", rel), text);
    hooks.afterStaged?.(++count);
  }
  const journal: Journal = { write: [...change.write.keys()], remove: [...change.remove] };
  writeFileSync(join(staging, "journal.json.tmp"), JSON.stringify(journal));
  renameSync(join(staging, "journal.json.tmp"), join(staging, "journal.json")); // the commit point
  hooks.afterCommit?.();
  applyJournal(root, journal);
  rmSync(staging, { recursive: true, force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` holding the render lock of root: a second render waits for the first (up to
 * `timeoutMs`), and a lock left by a process that no longer exists is taken over.
 */
export async function withRenderLock<T>(root: string, fn: () => T | Promise<T>, timeoutMs = 20 * 60_000): Promise<T> {
  const lock = join(root, LOCK_DIR);
  const started = Date.now();
  let told = false;
  for (;;) {
    const mine = `${lock}.${process.pid}`;
    rmSync(mine, { recursive: true, force: true });
    mkdirSync(mine);
    writeFileSync(join(mine, "pid"), String(process.pid));
    try {
      renameSync(mine, lock); // fails while another render holds the lock
      break;
    } catch (e) {
      rmSync(mine, { recursive: true, force: true });
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw e;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(join(lock, "pid"), "utf8"));
    } catch {
      continue; // released meanwhile
    }
    if (!alive(holder)) {
      const stale = `${lock}.stale-${process.pid}`;
      try {
        renameSync(lock, stale);
        rmSync(stale, { recursive: true, force: true });
      } catch {
        // another waiter took it over first
      }
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new RenderWriteError(
        `another render (pid ${holder}) has held ${lock} for ${Math.round(timeoutMs / 1000)} s; wait for it or stop it`,
      );
    }
    if (!told) console.error(`Waiting for another render (pid ${holder}) to finish...`);
    told = true;
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
