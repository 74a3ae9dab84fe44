import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readBounded } from "../infra/core/boundedRead";
import { gitopsSettings } from "../scripts/gitopsSettings";

/** Input files are read bounded: regular files only, a size limit, a wall-clock limit; never a hang. */
describe("readBounded", () => {
  const dir = mkdtempSync(join(tmpdir(), "glm-bounded-"));
  writeFileSync(join(dir, "stack.yaml"), "config: {}\n");
  writeFileSync(join(dir, "empty.yaml"), "");
  mkdirSync(join(dir, "folder"));
  execFileSync("mkfifo", [join(dir, "fifo")]);
  symlinkSync("/dev/zero", join(dir, "zero"));

  it("a regular file: its text; an empty one: empty", () => {
    expect(readBounded(join(dir, "stack.yaml"), 100)).toEqual({ ok: true, text: "config: {}\n" });
    expect(readBounded(join(dir, "empty.yaml"), 100)).toEqual({ ok: true, text: "" });
  });

  it("refused at once: a directory, a FIFO, a device behind a link, a missing file, a file over the limit", () => {
    const started = Date.now();
    expect(readBounded(join(dir, "folder"), 100)).toEqual({ ok: false, reason: "not-regular", kind: "a directory" });
    expect(readBounded(join(dir, "fifo"), 100)).toEqual({
      ok: false,
      reason: "not-regular",
      kind: "a named pipe (FIFO)",
    });
    expect(readBounded(join(dir, "zero"), 100)).toEqual({ ok: false, reason: "not-regular", kind: "a device" });
    expect(readBounded(join(dir, "none"), 100)).toEqual({ ok: false, reason: "open", code: "ENOENT" });
    expect(readBounded(join(dir, "stack.yaml"), 5)).toEqual({ ok: false, reason: "too-big", size: 11 });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("a /proc file (size 0, like every file that may block): read by a child, at most the limit", () => {
    const status = readBounded("/proc/self/status", 1 << 20);
    expect(status.ok && status.text.startsWith("Name:")).toBe(true);
    expect(readBounded("/proc/self/status", 10)).toEqual({ ok: false, reason: "too-big", size: 11 });
  });

  it("a read that blocks is cut off after the wall-clock limit, and the process is not held", () => {
    const started = Date.now();
    expect(readBounded(join(dir, "fifo"), 100, 500, { blocking: true })).toEqual({
      ok: false,
      reason: "timeout",
      seconds: 0.5,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("gitops/settings.yaml as a FIFO or a directory: an input error naming it, at once", () => {
    expect(() => gitopsSettings(join(dir, "fifo"))).toThrow(
      `${join(dir, "fifo")} cannot be read: it is a named pipe (FIFO), not a regular file`,
    );
    expect(() => gitopsSettings(join(dir, "folder"))).toThrow(
      `${join(dir, "folder")} cannot be read: it is a directory, not a regular file`,
    );
  });
});
