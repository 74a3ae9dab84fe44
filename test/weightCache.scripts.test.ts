import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DOWNLOAD_SCRIPT, WAIT_FOR_CACHE_SCRIPT } from "../infra/k8s/weightCache";
import { REPO_ROOT } from "./helpers";

/**
 * The cache's scripts run for real: the download script in `sh` and the verifier and manifest
 * scripts in the machine's python3, against a temporary HF_HOME, with a stand-in `hf` binary that
 * writes the files of a fake revision and a fake `huggingface_hub` package that lists them and
 * records pruning.
 */
const SCRIPTS = join(REPO_ROOT, "infra", "k8s", "scripts");
const REPO = "zai-org/GLM-5-FP8";
const OLD = "1111111111111111111111111111111111111111";
const NEW = "7ca2d2f1f1703aa0b189977fe3c126caf18b70e1";
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

/** A small checkpoint: an index naming two shards, the shards, a config. */
const FILES: Record<string, string> = {
  "config.json": '{"model_type":"glm_moe_dsa"}',
  "model.safetensors.index.json": JSON.stringify({
    weight_map: { "a.weight": "model-00001.safetensors", "b.weight": "model-00002.safetensors" },
  }),
  "model-00001.safetensors": "shard one",
  "model-00002.safetensors": "shard two, longer",
};
/** What the hub lists for the revision: sizes, and sha256 for the LFS files (the shards). */
const SIBLINGS = Object.entries(FILES).map(([path, text]) => ({
  rfilename: path,
  size: Buffer.byteLength(text),
  ...(path.endsWith(".safetensors") ? { sha256: sha(text) } : {}),
}));

const FAKE_HUB = `import json, os
class _Lfs:
    def __init__(self, sha256): self.sha256 = sha256
class _Sibling:
    def __init__(self, d):
        self.rfilename, self.size = d["rfilename"], d["size"]
        self.lfs = _Lfs(d["sha256"]) if "sha256" in d else None
class _Info:
    def __init__(self): self.siblings = [_Sibling(d) for d in json.loads(os.environ["FAKE_SIBLINGS"])]
class HfApi:
    def model_info(self, repo, revision=None, files_metadata=False): return _Info()
class _Rev:
    def __init__(self, h): self.commit_hash = h
class _Repo:
    def __init__(self, repo_id, revs): self.repo_id, self.revisions = repo_id, [_Rev(r) for r in revs]
class _Plan:
    expected_freed_size_str = "1.0G"
    def __init__(self, revs): self.revs = revs
    def execute(self):
        with open(os.environ["CALLS_LOG"], "a") as f: f.write("prune " + " ".join(self.revs) + "\\n")
class _Cache:
    def __init__(self): self.repos = [_Repo(os.environ["MODEL_REPO"], os.environ.get("FAKE_CACHED", "").split())]
    def delete_revisions(self, *revs): return _Plan(revs)
def scan_cache_dir(): return _Cache()
`;

function sandbox(files: Record<string, string> = FILES) {
  const root = mkdtempSync(join(tmpdir(), "glm-cache-"));
  const bin = join(root, "bin");
  const lib = join(root, "lib", "huggingface_hub");
  const home = join(root, "hf");
  mkdirSync(bin);
  mkdirSync(lib, { recursive: true });
  mkdirSync(home);
  const log = join(root, "calls.log");
  const payload = join(root, "payload.json");
  writeFileSync(payload, JSON.stringify(files));
  writeFileSync(join(lib, "__init__.py"), FAKE_HUB);
  // `hf download <repo> --revision <rev> [...]`: logs its argv, writes the revision's files.
  writeFileSync(
    join(bin, "hf"),
    `#!/bin/sh\necho "hf $*" >> "${log}"\n[ -n "\${HF_FAIL:-}" ] && exit 1\npython3 -c '
import json, os, sys
d = os.path.join(os.environ["HF_HOME"], "hub", "models--zai-org--GLM-5-FP8", "snapshots", sys.argv[1])
os.makedirs(d, exist_ok=True)
for name, text in json.load(open(sys.argv[2])).items():
    open(os.path.join(d, name), "w").write(text)
' "$4" "${payload}"\n`,
  );
  chmodSync(join(bin, "hf"), 0o755);
  const marker = join(home, ".glm-serving", "zai-org--GLM-5-FP8.revision");
  const run = (script: string, args: string[] = [], env: Record<string, string> = {}) =>
    spawnSync("/bin/sh", ["-c", script, "script", ...args], {
      encoding: "utf8",
      env: {
        PATH: `${bin}:${process.env["PATH"]}`,
        PYTHONPATH: join(root, "lib"),
        CALLS_LOG: log,
        FAKE_SIBLINGS: JSON.stringify(SIBLINGS),
        HF_HOME: home,
        SCRIPTS,
        ALLOW_PATTERNS: "",
        MODEL_HUB: "huggingface",
        MODEL_REPO: REPO,
        MODEL_REVISION: NEW,
        CACHE_MARKER: marker,
        ...env,
      },
    });
  const calls = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []);
  return { root, home, marker, run, calls };
}

function verify(dir: string, manifest: object[]) {
  const m = join(mkdtempSync(join(tmpdir(), "glm-manifest-")), "manifest.json");
  writeFileSync(m, JSON.stringify(manifest));
  return spawnSync("python3", [join(SCRIPTS, "verify_checkpoint.py"), dir, m], { encoding: "utf8" });
}

function checkpointDir(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), "glm-ckpt-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const MANIFEST = SIBLINGS.map((s) => ({ path: s.rfilename, size: s.size, ...(s.sha256 ? { sha256: s.sha256 } : {}) }));

describe("verify_checkpoint.py", () => {
  it("a complete checkpoint passes", () => {
    const r = verify(checkpointDir(FILES), MANIFEST);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("glm-serving: verify: 4 files, 144 bytes, 2 hashed: complete\n");
  });

  it("a missing file fails", () => {
    const { "model-00002.safetensors": _, ...rest } = FILES;
    const r = verify(checkpointDir(rest), MANIFEST);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "glm-serving: verify: missing: model-00002.safetensors\nglm-serving: verify: missing: model-00002.safetensors (named by model.safetensors.index.json)\nglm-serving: verify: 2 problem(s); the cache stays incomplete\n",
    );
  });

  it("a short file (a cut-off download) fails", () => {
    const r = verify(checkpointDir({ ...FILES, "model-00001.safetensors": "shard" }), MANIFEST);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "glm-serving: verify: wrong size: model-00001.safetensors is 5 bytes, the hub lists 9\n",
    );
  });

  it("a file of the right size with other content fails its hash", () => {
    const r = verify(checkpointDir({ ...FILES, "model-00001.safetensors": "shard 1!!" }), MANIFEST);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `glm-serving: verify: wrong content: model-00001.safetensors does not hash to the hub's sha256 ${sha("shard one")}\n`,
    );
  });

  it("a directory without any *.safetensors weights fails, even with nothing else missing", () => {
    const r = verify(checkpointDir({ "config.json": FILES["config.json"]! }), []);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^glm-serving: verify: no \*\.safetensors weights in \S+\nglm-serving: verify: 1 problem\(s\); the cache stays incomplete\n$/,
    );
  });

  it("without a hub listing, the safetensors index is the check", () => {
    expect(verify(checkpointDir(FILES), []).status).toBe(0);
    const { "model-00001.safetensors": _, ...rest } = FILES;
    const r = verify(checkpointDir(rest), []);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "index model.safetensors.index.json names model-00001.safetensors, which the hub does not list",
    );
  });
});

describe("download script", () => {
  it("downloads the pinned commit, verifies it, points refs/main at it, and writes the marker last", () => {
    const s = sandbox();
    const r = s.run(DOWNLOAD_SCRIPT, ["--include", "*.json"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(s.calls()).toEqual([`hf download ${REPO} --revision ${NEW} --include *.json`]);
    expect(r.stdout).toContain("glm-serving: huggingface lists 4 files for zai-org/GLM-5-FP8@" + NEW);
    expect(r.stdout).toContain("glm-serving: verify: 4 files, 144 bytes, 2 hashed: complete");
    expect(readFileSync(join(s.home, "hub", "models--zai-org--GLM-5-FP8", "refs", "main"), "utf8")).toBe(NEW);
    expect(readFileSync(s.marker, "utf8")).toBe(`${NEW}\n`);
  });

  it("a download that leaves a shard short is not marked complete", () => {
    const s = sandbox({ ...FILES, "model-00002.safetensors": "shard two" });
    const r = s.run(DOWNLOAD_SCRIPT);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("wrong size: model-00002.safetensors is 9 bytes, the hub lists 17");
    expect(existsSync(s.marker)).toBe(false);
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
    const r = s.run(DOWNLOAD_SCRIPT, [], { FAKE_CACHED: `${OLD} ${NEW}` });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`glm-serving: revision changed from ${OLD} to ${NEW}: removing the old snapshot`);
    expect(s.calls()).toEqual([`prune ${OLD}`, `hf download ${REPO} --revision ${NEW}`]);
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
