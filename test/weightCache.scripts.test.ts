import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DOWNLOAD_SCRIPT, WAIT_FOR_CACHE_SCRIPT } from "../infra/k8s/weightCache";

/**
 * The download and wait scripts run for real in `sh`, against a temporary HF_HOME, with stand-ins for
 * `hf` (writes a snapshot and logs its argv) and `python3` (logs that the old revision was pruned).
 */
const REPO = "zai-org/GLM-5-FP8";
const OLD = "1111111111111111111111111111111111111111";
const NEW = "7ca2d2f1f1703aa0b189977fe3c126caf18b70e1";

function sandbox() {
  const root = mkdtempSync(join(tmpdir(), "glm-cache-"));
  const bin = join(root, "bin");
  const home = join(root, "hf");
  mkdirSync(bin);
  mkdirSync(home);
  const log = join(root, "calls.log");
  writeFileSync(
    join(bin, "hf"),
    `#!/bin/sh\necho "hf $*" >> "${log}"\n[ -n "\${HF_FAIL:-}" ] && exit 1\nmkdir -p "$HF_HOME/hub/models--zai-org--GLM-5-FP8/snapshots/$4"\n`,
  );
  writeFileSync(join(bin, "python3"), `#!/bin/sh\necho "python3 prune keep=$MODEL_REVISION" >> "${log}"\n`);
  chmodSync(join(bin, "hf"), 0o755);
  chmodSync(join(bin, "python3"), 0o755);
  const marker = join(home, ".glm-serving", "zai-org--GLM-5-FP8.revision");
  const run = (script: string, args: string[] = [], env: Record<string, string> = {}) =>
    spawnSync("/bin/sh", ["-c", script, "script", ...args], {
      encoding: "utf8",
      env: {
        PATH: `${bin}:/usr/bin:/bin`,
        HF_HOME: home,
        MODEL_HUB: "huggingface",
        MODEL_REPO: REPO,
        MODEL_REVISION: NEW,
        CACHE_MARKER: marker,
        ...env,
      },
    });
  const calls = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []);
  return { home, marker, run, calls };
}

describe("download script", () => {
  it("downloads the pinned commit, points refs/main at it, and writes the marker last", () => {
    const s = sandbox();
    const r = s.run(DOWNLOAD_SCRIPT, ["--include", "*.json"]);
    expect(r.status).toBe(0);
    expect(s.calls()).toEqual([`hf download ${REPO} --revision ${NEW} --include *.json`]);
    expect(readFileSync(join(s.home, "hub", "models--zai-org--GLM-5-FP8", "refs", "main"), "utf8")).toBe(NEW);
    expect(readFileSync(s.marker, "utf8")).toBe(`${NEW}\n`);
  });

  it("a failed download leaves no marker (the engine keeps waiting)", () => {
    const s = sandbox();
    const r = s.run(DOWNLOAD_SCRIPT, [], { HF_FAIL: "1" });
    expect(r.status).not.toBe(0);
    expect(existsSync(s.marker)).toBe(false);
  });

  it("a revision change drops the old marker and snapshot before downloading", () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".glm-serving"));
    writeFileSync(s.marker, `${OLD}\n`);
    const r = s.run(DOWNLOAD_SCRIPT);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`glm-serving: revision changed from ${OLD} to ${NEW}: removing the old snapshot`);
    expect(s.calls()).toEqual([`python3 prune keep=${NEW}`, `hf download ${REPO} --revision ${NEW}`]);
    expect(readFileSync(s.marker, "utf8")).toBe(`${NEW}\n`);
  });

  it("the same revision again: no pruning, the download resumes", () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".glm-serving"));
    writeFileSync(s.marker, `${NEW}\n`);
    expect(s.run(DOWNLOAD_SCRIPT).status).toBe(0);
    expect(s.calls()).toEqual([`hf download ${REPO} --revision ${NEW}`]);
  });
});

describe("the engine's wait step", () => {
  it("passes at once when the marker holds the pinned revision", () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".glm-serving"));
    writeFileSync(s.marker, `${NEW}\n`);
    const r = s.run(WAIT_FOR_CACHE_SCRIPT, [], { WAIT_SECONDS: "0" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`glm-serving: weight cache complete for ${REPO}@${NEW}\n`);
  });

  it("refuses a stale marker (another revision), with a clear line, at the deadline", () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".glm-serving"));
    writeFileSync(s.marker, `${OLD}\n`);
    const r = s.run(WAIT_FOR_CACHE_SCRIPT, [], { WAIT_SECONDS: "0" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `glm-serving: weight cache for ${REPO}@${NEW} not complete after 0 s (marker ${s.marker}: ${OLD}); check the download Job\n`,
    );
  });

  it("refuses a missing marker the same way", () => {
    const s = sandbox();
    const r = s.run(WAIT_FOR_CACHE_SCRIPT, [], { WAIT_SECONDS: "0" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("(marker ");
    expect(r.stderr).toContain(": missing); check the download Job");
  });
});
