import { spawnSync } from "node:child_process";
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";

/**
 * Reading an input file can never hang or run away: only a regular file, at most `maxBytes`, within
 * a wall-clock limit.
 * - Opened non-blocking and checked on the descriptor: a FIFO, socket, device or directory is refused
 *   at once (opening a FIFO without O_NONBLOCK waits for a writer forever).
 * - At most maxBytes + 1 bytes are ever read, whatever the file claims to hold: an endless file
 *   (/dev/zero behind a link, a /proc file) stops there.
 * - A regular file of size 0 is read by a child process killed after `timeoutMs`: that is what
 *   /proc and /sys files look like, and some of their reads block (a real empty file takes no time).
 *   A file with content is read here: a local read of a megabyte takes milliseconds.
 * What is not bounded: a network mount that hangs in open() itself.
 */
export type BoundedRead =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reason: "open"; readonly code: string }
  | { readonly ok: false; readonly reason: "not-regular"; readonly kind: string }
  | { readonly ok: false; readonly reason: "too-big"; readonly size: number }
  | { readonly ok: false; readonly reason: "timeout"; readonly seconds: number };

/** Far beyond any local read; a file that gives nothing in 10 s is not going to. */
export const READ_TIMEOUT_MS = 10_000;

export function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a named pipe (FIFO)";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  return "not a regular file";
}

/** Reads at most max + 1 bytes of an open descriptor. */
function readAtMost(fd: number, max: number): Buffer {
  const buffer = Buffer.alloc(max + 1);
  let n = 0;
  for (;;) {
    const r = readSync(fd, buffer, n, max + 1 - n, null);
    if (r === 0 || (n += r) > max) break;
  }
  return buffer.subarray(0, n);
}

// The child's program: plain CommonJS, the bytes on stdout (argv: path, max, blocking).
const CHILD = [
  'const fs = require("node:fs");',
  "const [path, max, blocking] = process.argv.slice(1);",
  'const fd = fs.openSync(path, fs.constants.O_RDONLY | (blocking === "1" ? 0 : fs.constants.O_NONBLOCK));',
  "const buffer = Buffer.alloc(Number(max) + 1);",
  "let n = 0;",
  "for (;;) { const r = fs.readSync(fd, buffer, n, buffer.length - n, null); if (r === 0 || (n += r) >= buffer.length) break; }",
  "process.stdout.write(buffer.subarray(0, n));",
].join("\n");

function readInChild(path: string, max: number, timeoutMs: number, blocking: boolean): BoundedRead {
  const r = spawnSync(process.execPath, ["-e", CHILD, path, String(max), blocking ? "1" : "0"], {
    timeout: timeoutMs,
    killSignal: "SIGKILL",
    maxBuffer: max + 2,
    env: {},
  });
  if (r.signal === "SIGKILL" || (r.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT")
    return { ok: false, reason: "timeout", seconds: timeoutMs / 1000 };
  if (r.status !== 0) return { ok: false, reason: "open", code: /\b(E[A-Z]+)\b/.exec(String(r.stderr))?.[1] ?? "EIO" };
  if (r.stdout.length > max) return { ok: false, reason: "too-big", size: r.stdout.length };
  return { ok: true, text: r.stdout.toString("utf8") };
}

/**
 * Reads `path` as UTF-8 if it is a regular file of at most `maxBytes`, answering within `timeoutMs`.
 * `blocking` (tests only) skips the checks and opens in the child without O_NONBLOCK, so a FIFO
 * hangs there on purpose.
 */
export function readBounded(
  path: string,
  maxBytes: number,
  timeoutMs = READ_TIMEOUT_MS,
  options: { blocking?: boolean } = {},
): BoundedRead {
  if (options.blocking) return readInChild(path, maxBytes, timeoutMs, true);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return { ok: false, reason: "open", code: (e as NodeJS.ErrnoException).code ?? "EIO" };
  }
  let zeroSized = false;
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { ok: false, reason: "not-regular", kind: kindOf(stats) };
    if (stats.size > maxBytes) return { ok: false, reason: "too-big", size: stats.size };
    if (stats.size > 0) {
      const bytes = readAtMost(fd, maxBytes);
      return bytes.length > maxBytes
        ? { ok: false, reason: "too-big", size: bytes.length }
        : { ok: true, text: bytes.toString("utf8") };
    }
    zeroSized = true;
  } finally {
    closeSync(fd);
  }
  return zeroSized ? readInChild(path, maxBytes, timeoutMs, false) : { ok: true, text: "" };
}
