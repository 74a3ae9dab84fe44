import { closeSync, constants, lstatSync, openSync, readdirSync, readSync } from "node:fs";
import { isAbsolute, join, normalize, sep } from "node:path";

/**
 * Which files on disk a render wrote. A render owns a file only when it is a regular file (never a
 * symbolic link, a FIFO or a device: those are someone else's and are neither read through, written
 * through nor deleted) whose first line is one of the render's headers. Everything else next to the
 * generated files (a kustomization, a cluster-config folder, a README) belongs to the user.
 */

/** What is at a path, without following a symbolic link at it. */
export type Entry = "missing" | "file" | "directory" | "symlink" | "other";

export function entryAt(path: string): Entry {
  try {
    const st = lstatSync(path);
    return st.isSymbolicLink() ? "symlink" : st.isFile() ? "file" : st.isDirectory() ? "directory" : "other";
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR")
      return "missing";
    throw e;
  }
}

/**
 * The first line of a regular file (at most 512 bytes of it), or undefined for anything that is not a
 * regular file. Opened with O_NOFOLLOW and O_NONBLOCK: a link swapped in after the check fails instead
 * of being followed, and a FIFO never blocks the render.
 */
export function firstLine(path: string): string | undefined {
  if (entryAt(path) !== "file") return undefined;
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(512);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString("utf8").split("\n")[0];
  } finally {
    closeSync(fd);
  }
}

/** A path relative to a root that stays inside it: no absolute path, no `..`, no empty segment. */
export function isInsidePath(rel: string): boolean {
  return (
    rel.length > 0 &&
    !isAbsolute(rel) &&
    normalize(rel) === rel &&
    !rel.split(sep).some((s) => s === ".." || s === "." || s === "")
  );
}

/**
 * Regular files under root/dir (relative to root) whose first line `owns` accepts. Symbolic links are
 * never followed (a linked directory is not walked, a linked file is not read).
 */
export function ownedFiles(root: string, dir: string, owns: (firstLine: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    if (entryAt(join(root, rel)) !== "directory") return;
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = join(rel, name);
      const kind = entryAt(join(root, path));
      if (kind === "directory") walk(path);
      else if (kind === "file") {
        const line = firstLine(join(root, path));
        if (line !== undefined && owns(line)) out.push(path);
      }
    }
  };
  walk(dir);
  return out;
}
