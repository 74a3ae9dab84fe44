import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DOWNLOAD_SCRIPT, READY_PROBE, WAIT_FOR_CACHE_SCRIPT } from "../infra/k8s/weightCache";
import { PYTHON, shippedScriptsDir } from "./scriptRunner";

/**
 * The cache's scripts run for real: the download step (sh, then weight_cache.py) and the engine's
 * wait step (python3 -c) in the machine's python3, against a temporary HF_HOME, with a stand-in `hf`
 * client (writes the files of a fake revision, skips files already in the snapshot as the real one
 * does, and can fail, hang or serve corrupt bytes) and a fake `huggingface_hub` package (the listing,
 * with sizes, git blob ids and LFS sha256, and pruning, recorded). Each fault of issue 11 is here:
 * the engine never starts on bad or partial bytes, and a verified revision is never lost.
 */
/** The scripts as the ConfigMap ships them (infra/containerScripts, shared helpers in place). */
const SCRIPTS = shippedScriptsDir();
const REPO = "zai-org/GLM-5-FP8";
const OLD = "1111111111111111111111111111111111111111";
const NEW = "7ca2d2f1f1703aa0b189977fe3c126caf18b70e1";
const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const blobId = (s: string) =>
  createHash("sha1")
    .update(`blob ${Buffer.byteLength(s)}\0`)
    .update(s)
    .digest("hex");

/** A small checkpoint: an index naming two shards, the shards, a config. */
const FILES: Record<string, string> = {
  "config.json": '{"model_type":"glm_moe_dsa"}',
  "model.safetensors.index.json": JSON.stringify({
    weight_map: { "a.weight": "model-00001.safetensors", "b.weight": "model-00002.safetensors" },
  }),
  "model-00001.safetensors": "shard one",
  "model-00002.safetensors": "shard two, longer",
};
/** What the hub lists for the revision: sizes, git blob ids, and sha256 for the LFS files (the shards). */
const siblingsOf = (files: Record<string, string>) =>
  Object.entries(files).map(([path, text]) => ({
    rfilename: path,
    size: Buffer.byteLength(text),
    blob_id: path.endsWith(".safetensors") ? sha(`pointer ${path}`).slice(0, 40) : blobId(text),
    ...(path.endsWith(".safetensors") ? { sha256: sha(text) } : {}),
  }));

const FAKE_HUB = `import json, os
class _Lfs:
    def __init__(self, sha256): self.sha256 = sha256
class _Sibling:
    def __init__(self, d):
        self.rfilename, self.size, self.blob_id = d["rfilename"], d["size"], d["blob_id"]
        self.lfs = _Lfs(d["sha256"]) if "sha256" in d else None
class _Info:
    def __init__(self, revision):
        if os.environ.get("FAKE_HUB_DOWN"): raise ConnectionError("hub unreachable")
        self.sha = os.environ.get("FAKE_SHA") or revision
        self.siblings = [_Sibling(d) for d in json.loads(os.environ["FAKE_SIBLINGS"])]
class HfApi:
    def model_info(self, repo, revision=None, files_metadata=False): return _Info(revision)
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
    def __init__(self):
        snaps = os.path.join(os.environ["HF_HOME"], "hub", "models--zai-org--GLM-5-FP8", "snapshots")
        self.repos = [_Repo(os.environ["MODEL_REPO"], sorted(os.listdir(snaps)) if os.path.isdir(snaps) else [])]
    def delete_revisions(self, *revs): return _Plan(revs)
def scan_cache_dir(): return _Cache()
`;

/**
 * \`hf download <repo> --revision <rev> [...]\`: logs its argv; writes the payload's files that the
 * snapshot lacks. HF_FAIL: exit 1. HF_HANG: write nothing and sleep. HF_CORRUPT=<file>:<n>: the first
 * n times it writes that file, its bytes are wrong (same size).
 */
const FAKE_HF = `#!/usr/bin/env python3
import json, os, sys, time
root = os.environ["SANDBOX"]
with open(os.path.join(root, "calls.log"), "a") as f: f.write("hf " + " ".join(sys.argv[1:]) + "\\n")
if os.environ.get("HF_FAIL"): sys.exit(1)
if os.environ.get("HF_HANG"): time.sleep(60); sys.exit(0)
d = os.path.join(os.environ["HF_HOME"], "hub", "models--zai-org--GLM-5-FP8", "snapshots", sys.argv[4])
os.makedirs(d, exist_ok=True)
corrupt, _, times = os.environ.get("HF_CORRUPT", "").partition(":")
count = os.path.join(root, "corrupt.count")
blobs = os.path.join(os.path.dirname(os.path.dirname(d)), "blobs")
listing = {e["rfilename"]: e for e in json.loads(os.environ["FAKE_SIBLINGS"])}
for name, text in json.load(open(os.path.join(root, "payload.json"))).items():
    if os.path.exists(os.path.join(d, name)): continue
    if os.environ.get("HF_BLOBS"):
        # The Hub's layout: the content once, as blobs/<sha256 or git blob id>; each snapshot links it.
        blob = os.path.join(blobs, listing[name].get("sha256") or listing[name]["blob_id"])
        if not os.path.exists(blob):
            os.makedirs(blobs, exist_ok=True)
            open(blob, "w").write(text)
        os.symlink(os.path.relpath(blob, d), os.path.join(d, name))
        continue
    if name == corrupt:
        n = int(open(count).read()) if os.path.exists(count) else 0
        if n < int(times): text = "X" * len(text); open(count, "w").write(str(n + 1))
    open(os.path.join(d, name), "w").write(text)
`;

/**
 * A stand-in \`boto3\` (PYTHONPATH): an S3 bucket as a directory, $SANDBOX/bucket/<bucket>/<key>, with
 * each object's metadata beside it. Calls are logged. FAKE_S3_DENIED: every upload is refused;
 * FAKE_S3_SHORT: uploads land one byte short (what the HEAD after the upload must catch).
 */
const FAKE_BOTO3 = `import json, os, shutil
class ClientError(Exception):
    def __init__(self, code, op):
        super().__init__("An error occurred (%s) when calling the %s operation" % (code, op))
        self.response = {"Error": {"Code": code}}
class _S3:
    def _path(self, bucket, key): return os.path.join(os.environ["SANDBOX"], "bucket", bucket, key)
    def _log(self, line):
        with open(os.path.join(os.environ["SANDBOX"], "calls.log"), "a") as f: f.write(line + "\\n")
    def head_object(self, Bucket, Key):
        p = self._path(Bucket, Key)
        if not os.path.exists(p): raise ClientError("404", "HeadObject")
        return {"ContentLength": os.path.getsize(p), "Metadata": json.load(open(p + ".meta"))}
    def upload_file(self, Filename, Bucket, Key, ExtraArgs=None):
        self._log("s3 put s3://%s/%s" % (Bucket, Key))
        if os.environ.get("FAKE_S3_DENIED"): raise ClientError("AccessDenied", "PutObject")
        p = self._path(Bucket, Key)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        data = open(Filename, "rb").read()
        open(p, "wb").write(data[:-1] if os.environ.get("FAKE_S3_SHORT") else data)
        json.dump((ExtraArgs or {}).get("Metadata", {}), open(p + ".meta", "w"))
def client(name): return _S3()
`;

/** Stands in for a small disk: FAKE_FREE_BYTES is what shutil.disk_usage reports free (Python loads
 * sitecustomize from PYTHONPATH at start, before the step runs). */
const FAKE_DISK = `import os, shutil
if os.environ.get("FAKE_FREE_BYTES"):
    _real = shutil.disk_usage
    def _small(path):
        u = _real(path)
        return type(u)(u.total, u.used, int(os.environ["FAKE_FREE_BYTES"]))
    shutil.disk_usage = _small
`;

function sandbox(files: Record<string, string> = FILES) {
  const root = mkdtempSync(join(tmpdir(), "glm-cache-"));
  const bin = join(root, "bin");
  const lib = join(root, "lib", "huggingface_hub");
  const home = join(root, "hf");
  mkdirSync(bin);
  mkdirSync(lib, { recursive: true });
  mkdirSync(home);
  writeFileSync(join(root, "payload.json"), JSON.stringify(files));
  writeFileSync(join(lib, "__init__.py"), FAKE_HUB);
  writeFileSync(join(root, "lib", "sitecustomize.py"), FAKE_DISK);
  mkdirSync(join(root, "lib", "boto3"));
  writeFileSync(join(root, "lib", "boto3", "__init__.py"), FAKE_BOTO3);
  writeFileSync(join(bin, "hf"), FAKE_HF);
  // python3 on PATH (the download step's `exec python3`, the stand-ins' shebang) is the interpreter itself.
  symlinkSync(PYTHON, join(bin, "python3"));
  chmodSync(join(bin, "hf"), 0o755);
  const state = join(home, ".glm-serving", "zai-org--GLM-5-FP8");
  const snapshot = (rev: string) => join(home, "hub", "models--zai-org--GLM-5-FP8", "snapshots", rev);
  const baseEnv = (env: Record<string, string>) => ({
    PATH: `${bin}:${process.env["PATH"]}`,
    PYTHONPATH: join(root, "lib"),
    SANDBOX: root,
    CALLS_LOG: join(root, "calls.log"),
    FAKE_SIBLINGS: JSON.stringify(siblingsOf(FILES)),
    HF_HOME: home,
    SCRIPTS,
    ALLOW_PATTERNS: "",
    MODEL_HUB: "huggingface",
    MODEL_REPO: REPO,
    MODEL_REVISION: NEW,
    CACHE_ROOT: home,
    CACHE_STATE: state,
    STACK_NAME: "h200-fp8",
    PROGRESS_SECONDS: "0.2",
    ...env,
  });
  /** The download Job's container: /bin/sh -c DOWNLOAD_SCRIPT download [args]. */
  const download = (env: Record<string, string> = {}, args: string[] = []) =>
    spawnSync("/bin/sh", ["-c", DOWNLOAD_SCRIPT, "download", ...args], { encoding: "utf8", env: baseEnv(env) });
  /** The engine's init step: python3 -c WAIT_FOR_CACHE_SCRIPT. */
  const wait = (env: Record<string, string> = {}) =>
    spawnSync(PYTHON, ["-c", WAIT_FOR_CACHE_SCRIPT], {
      encoding: "utf8",
      env: baseEnv({ WAIT_SECONDS: "0", ...env }),
    });
  const calls = () => {
    const log = join(root, "calls.log");
    return existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [];
  };
  const marker = (rev: string) => join(state, `${rev}.complete`);
  const status = (rev: string) => JSON.parse(readFileSync(join(state, `${rev}.status`), "utf8"));
  return { root, home, state, snapshot, marker, status, download, wait, calls };
}

function verify(dir: string, manifest: object[] | string, options: string[] = []) {
  const m = join(mkdtempSync(join(tmpdir(), "glm-manifest-")), "manifest.json");
  writeFileSync(m, typeof manifest === "string" ? manifest : JSON.stringify(manifest));
  return spawnSync(PYTHON, [join(SCRIPTS, "verify_checkpoint.py"), dir, m, ...options], { encoding: "utf8" });
}

function checkpointDir(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), "glm-ckpt-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const MANIFEST = siblingsOf(FILES).map((s) => ({
  path: s.rfilename,
  size: s.size,
  blobId: s.blob_id,
  ...(s.sha256 ? { sha256: s.sha256 } : {}),
}));

describe("verify_checkpoint.py", () => {
  it("--jobs N and --jobs=N set the hashing threads alike; a malformed option is the usage line, exit 2", () => {
    const dir = checkpointDir(FILES);
    for (const options of [["--jobs", "2"], ["--jobs=2"], ["--jobs", "1"]]) {
      const r = verify(dir, MANIFEST, options);
      expect(r.stderr, options.join(" ")).toBe("");
      expect(r.status, options.join(" ")).toBe(0);
    }
    for (const options of [["--jobs"], ["--jobs", "0"], ["--jobs=x"], ["--jobs", "2", "extra"]]) {
      const r = verify(dir, MANIFEST, options);
      expect(r.status, options.join(" ")).toBe(2);
      expect(r.stderr).toBe("usage: verify_checkpoint.py <checkpoint dir> <manifest.json> [--jobs N]\n");
    }
  });

  it("a complete checkpoint passes", () => {
    const r = verify(checkpointDir(FILES), MANIFEST);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("glm-serving: verify: 4 files, 144 bytes, 4 hashed: complete\n");
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

  it("an LFS file of the right size with other content fails its sha256", () => {
    const r = verify(checkpointDir({ ...FILES, "model-00001.safetensors": "shard 1!!" }), MANIFEST);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `glm-serving: verify: wrong content: model-00001.safetensors does not hash to the hub's sha256 ${sha("shard one")}\n`,
    );
  });

  it("a small file of the right size with other content fails its git blob id", () => {
    const other = '{"model_type":"glm_moe_xyz"}';
    expect(other.length).toBe(FILES["config.json"]!.length);
    const r = verify(checkpointDir({ ...FILES, "config.json": other }), MANIFEST);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `glm-serving: verify: wrong content: config.json does not hash to the hub's git blob id ${blobId(FILES["config.json"]!)}\nglm-serving: verify: 1 problem(s); the cache stays incomplete\n`,
    );
  });

  it("a malformed index is a problem, not a traceback", () => {
    const r = verify(checkpointDir({ ...FILES, "model.safetensors.index.json": "{not json" }), []);
    expect(r.status).toBe(1);
    expect(r.stderr).not.toContain("Traceback");
    expect(r.stderr).toContain(
      "glm-serving: verify: malformed index: model.safetensors.index.json is not a safetensors index (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))\n",
    );
  });

  it("a malformed listing is a problem, not a traceback", () => {
    const bad = verify(checkpointDir(FILES), '[{"path": "config.json"');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(
      /^glm-serving: verify: the hub listing \S+ is not valid JSON: .*; the cache stays incomplete\n$/,
    );
    const wrongShape = verify(checkpointDir(FILES), '[{"path": "config.json", "size": "28"}]');
    expect(wrongShape.stderr).toMatch(
      /^glm-serving: verify: the hub listing \S+ has a malformed entry 0: \{"path": "config.json", "size": "28"\}; the cache stays incomplete\n$/,
    );
  });

  it("a directory without any *.safetensors weights fails, even with nothing else missing", () => {
    const r = verify(checkpointDir({ "config.json": FILES["config.json"]! }), []);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^glm-serving: verify: no \*\.safetensors or \*\.gguf weights in \S+\nglm-serving: verify: 1 problem\(s\); the cache stays incomplete\n$/,
    );
  });

  it("GGUF weights (llama.cpp) count as weights", () => {
    const r = verify(checkpointDir({ "config.json": "{}", "glm-5.1-UD-IQ3_XXS-00001-of-00002.gguf": "gguf" }), []);
    expect(r.status).toBe(0);
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

describe("download step: the states of a revision", () => {
  it("absent -> downloading -> verifying -> complete: the marker names the commit and is written last", () => {
    const s = sandbox();
    const r = s.download({}, ["--include", "*.json"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(s.calls()).toEqual([`hf download ${REPO} --revision ${NEW} --include *.json`]);
    expect(r.stdout).toContain(
      `glm-serving: huggingface lists 4 files for ${REPO}@${NEW} (${NEW} resolves to ${NEW})\n`,
    );
    expect(r.stdout).toContain(`glm-serving: state: ${REPO}@${NEW}: downloading\n`);
    expect(r.stdout).toContain(`glm-serving: state: ${REPO}@${NEW}: verifying\n`);
    expect(r.stdout).toContain(
      "glm-serving: verify: 4 file(s) checked, 0 verified earlier and unchanged, 0 problem(s)\n",
    );
    expect(r.stdout).toContain(`glm-serving: state: ${REPO}@${NEW}: complete (4 files, 0.0 GB)\n`);
    const marker = JSON.parse(readFileSync(s.marker(NEW), "utf8"));
    expect(marker.revision).toBe(NEW);
    expect(Object.keys(marker.files).sort()).toEqual(Object.keys(FILES).sort());
    expect(readFileSync(join(s.state, "refs", NEW), "utf8")).toBe(`${NEW}\n`);
    expect(readFileSync(join(s.state, "stacks", "h200-fp8"), "utf8")).toBe(`${NEW}\n`);
    expect(readFileSync(join(s.home, "hub", "models--zai-org--GLM-5-FP8", "refs", "main"), "utf8")).toBe(NEW);
    expect(s.status(NEW)).toMatchObject({ state: "complete", bytesDone: 144, bytesTotal: 144, revision: NEW });
    expect(s.wait().stdout).toBe(`glm-serving: weight cache complete for ${REPO}@${NEW}\n`);
  });

  it("a complete, unchanged revision is neither fetched nor re-read on the next run", () => {
    const s = sandbox();
    expect(s.download().status).toBe(0);
    const r = s.download();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      `glm-serving: cache complete for ${REPO}@${NEW}: unchanged since it was verified, nothing fetched or re-read (the hub is not asked)\n`,
    );
    expect(s.calls()).toEqual([`hf download ${REPO} --revision ${NEW}`]);
  });

  it("fault: a shard truncated after completion: the engine refuses at once; the Job drops the marker first, fetches the shard again, and completes", () => {
    const s = sandbox();
    expect(s.download().status).toBe(0);
    truncateSync(join(s.snapshot(NEW), "model-00002.safetensors"), 5);
    const refused = s.wait();
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe(
      `glm-serving: model-00002.safetensors of ${REPO}@${NEW} changed since it was verified (5 bytes now, 17 verified): refusing to start on it; re-run the download Job, which re-verifies and fetches it again\n`,
    );
    // The Job again, with the download failing: the marker is gone before anything else happens.
    const failed = s.download({ HF_FAIL: "1" });
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain(
      `glm-serving: marker of ${REPO}@${NEW} removed: 1 file(s) changed since it was verified\n`,
    );
    expect(existsSync(s.marker(NEW))).toBe(false);
    expect(s.wait().status).toBe(1);
    // The Job's next pod: verifies, deletes the short shard, fetches it again, completes.
    const r = s.download();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      "glm-serving: repair: deleted model-00002.safetensors (wrong size: model-00002.safetensors is 5 bytes, the hub lists 17); fetching it again\n",
    );
    expect(r.stdout).toContain(`glm-serving: state: ${REPO}@${NEW}: downloading: repair round 1 of 2\n`);
    // The second verification reads only the fetched file.
    expect(r.stdout).toContain(
      "glm-serving: verify: 1 file(s) checked, 3 verified earlier and unchanged, 0 problem(s)\n",
    );
    expect(readFileSync(join(s.snapshot(NEW), "model-00002.safetensors"), "utf8")).toBe(
      FILES["model-00002.safetensors"],
    );
    expect(s.wait().status).toBe(0);
  });

  it("fault: a corrupt blob is deleted and fetched again, with the file and the reason in the log", () => {
    const s = sandbox();
    const r = s.download({ HF_CORRUPT: "model-00001.safetensors:1" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      `glm-serving: repair: deleted model-00001.safetensors (wrong content: model-00001.safetensors does not hash to the hub's sha256 ${sha("shard one")}); fetching it again\n`,
    );
    expect(s.calls()).toEqual([`hf download ${REPO} --revision ${NEW}`, `hf download ${REPO} --revision ${NEW}`]);
    expect(s.wait().status).toBe(0);
  });

  it("fault: a blob that stays corrupt ends as corrupt after bounded repairs: no marker, the engine does not start", () => {
    const s = sandbox();
    const r = s.download({ HF_CORRUPT: "model-00001.safetensors:99", MAX_REPAIRS: "2" });
    expect(r.status).toBe(1);
    expect(s.calls()).toHaveLength(3);
    expect(r.stderr).toBe(
      `glm-serving: ${REPO}@${NEW} is corrupt after 2 fresh download(s) of the failing files: wrong content: model-00001.safetensors does not hash to the hub's sha256 ${sha("shard one")}. The hub's copy or its listing is inconsistent; no marker is written and the engine does not start on it (any earlier complete revision is kept)\n`,
    );
    expect(existsSync(s.marker(NEW))).toBe(false);
    expect(s.status(NEW).state).toBe("corrupt");
    const w = s.wait();
    expect(w.status).toBe(1);
    expect(w.stderr).toContain(`"state": "corrupt"`);
  });

  it("fault: a small file of the right size and other content is caught by its blob id and fetched again", () => {
    const s = sandbox();
    const r = s.download({ HF_CORRUPT: "config.json:1" });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      `glm-serving: repair: deleted config.json (wrong content: config.json does not hash to the hub's git blob id ${blobId(FILES["config.json"]!)}); fetching it again\n`,
    );
  });

  it("fault: a malformed index is fetched again, and reported, never a traceback", () => {
    const s = sandbox();
    const r = s.download({ HF_CORRUPT: "model.safetensors.index.json:99" });
    expect(r.status).toBe(1);
    expect(r.stderr).not.toContain("Traceback");
    expect(r.stdout).toContain(
      "glm-serving: verify: malformed index: model.safetensors.index.json is not a safetensors index",
    );
    expect(existsSync(s.marker(NEW))).toBe(false);
  });

  it("a hub that cannot be reached: a complete, unchanged revision needs none (a restart of a node's filling pod starts); anything else is one line, and nothing changes", () => {
    const s = sandbox();
    expect(s.download().status).toBe(0);
    const offline = s.download({ FAKE_HUB_DOWN: "1" });
    expect(offline.status).toBe(0);
    expect(offline.stdout).toContain("nothing fetched or re-read (the hub is not asked)");
    // A file changed since it was verified: that needs the hub's listing, which it cannot get.
    truncateSync(join(s.snapshot(NEW), "model-00002.safetensors"), 5);
    const r = s.download({ FAKE_HUB_DOWN: "1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `glm-serving: the huggingface listing of ${REPO}@${NEW} could not be read: ConnectionError: hub unreachable\n`,
    );
    expect(s.wait().status).toBe(1);
    expect(s.download().status).toBe(0);
    expect(s.wait().status).toBe(0);
  });
});

describe("download step: nothing good is lost", () => {
  function completeOld() {
    const s = sandbox();
    expect(s.download({ MODEL_REVISION: OLD }).status).toBe(0);
    return s;
  }

  it("fault: a revision change whose download fails leaves the old revision complete and served", () => {
    const s = completeOld();
    const r = s.download({ HF_FAIL: "1" });
    expect(r.status).toBe(1);
    expect(s.calls()).toEqual([`hf download ${REPO} --revision ${OLD}`, `hf download ${REPO} --revision ${NEW}`]);
    expect(existsSync(s.marker(OLD))).toBe(true);
    expect(s.wait({ MODEL_REVISION: OLD }).status).toBe(0);
    expect(s.wait().status).toBe(1);
  });

  it("the old revision is pruned only after the new one is complete (rollback then needs no download of it while it lasts)", () => {
    const s = completeOld();
    const r = s.download();
    expect(r.status).toBe(0);
    expect(s.calls()).toEqual([
      `hf download ${REPO} --revision ${OLD}`,
      `hf download ${REPO} --revision ${NEW}`,
      `prune ${OLD}`,
    ]);
    expect(r.stdout.indexOf(`state: ${REPO}@${NEW}: complete`)).toBeLessThan(
      r.stdout.indexOf(`pruning ${REPO}@${OLD}`),
    );
    expect(existsSync(s.marker(OLD))).toBe(false);
    expect(s.wait().status).toBe(0);
  });

  it("a marker of the previous layout (one per repository) is migrated: its revision is pruned only after the new one completes", () => {
    const s = sandbox();
    mkdirSync(join(s.home, ".glm-serving"), { recursive: true });
    writeFileSync(`${s.state}.revision`, `${OLD}\n`);
    mkdirSync(s.snapshot(OLD), { recursive: true });
    const r = s.download();
    expect(r.status).toBe(0);
    expect(s.calls()).toEqual([`hf download ${REPO} --revision ${NEW}`, `prune ${OLD}`]);
    expect(existsSync(`${s.state}.revision`)).toBe(false);
  });

  it("fault: two stacks on one claim with different revisions keep each other's revision and marker", () => {
    const s = completeOld(); // stack h200-fp8 serves OLD
    const r = s.download({ STACK_NAME: "other" }); // another stack, NEW, same claim
    expect(r.status).toBe(0);
    expect(s.calls()).toEqual([`hf download ${REPO} --revision ${OLD}`, `hf download ${REPO} --revision ${NEW}`]);
    expect(readdirSync(join(s.state, "stacks")).sort()).toEqual(["h200-fp8", "other"]);
    expect(s.wait({ MODEL_REVISION: OLD }).status).toBe(0);
    expect(s.wait().status).toBe(0);
    // The first stack moves to NEW too: its OLD is not named by anyone else any more, and goes.
    expect(s.download().status).toBe(0);
    expect(s.calls().at(-1)).toBe(`prune ${OLD}`);
  });

  it("the other stack's revision is kept even when this stack's previous revision is the same", () => {
    const s = completeOld();
    expect(s.download({ STACK_NAME: "other", MODEL_REVISION: OLD }).status).toBe(0);
    const r = s.download();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`glm-serving: keeping ${REPO}@${OLD}: another stack on this volume serves it\n`);
    expect(s.calls()).not.toContain(`prune ${OLD}`);
    expect(s.wait({ MODEL_REVISION: OLD }).status).toBe(0);
  });
});

describe("download step: room for a new revision", () => {
  const TOTAL = 144; // the fake checkpoint's bytes

  it("fault: too little free space for the new revision: nothing is fetched, the old revision stays complete and served", () => {
    const s = sandbox();
    expect(s.download({ MODEL_REVISION: OLD }).status).toBe(0);
    const r = s.download({ FAKE_FREE_BYTES: "100" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `glm-serving: the volume has 0.0 GB free and ${REPO}@${NEW} needs 0.0 GB more; every complete revision on it stays as it is. Grow the claim (weightCache.size) to hold the new revision next to the old one\n`,
    );
    // The client never ran for NEW; OLD keeps its marker and its engine still starts; NEW's does not.
    expect(s.calls()).toEqual([`hf download ${REPO} --revision ${OLD}`]);
    expect(existsSync(s.marker(OLD))).toBe(true);
    expect(s.wait({ MODEL_REVISION: OLD }).status).toBe(0);
    expect(s.wait().status).toBe(1);
    // With room (the claim grown), the same Job's next pod downloads it.
    expect(s.download({ FAKE_FREE_BYTES: String(TOTAL) }).status).toBe(0);
    expect(s.wait().status).toBe(0);
  });

  it("on a node's disk, the message names the directory and the instance store", () => {
    const s = sandbox();
    const r = s.download({ FAKE_FREE_BYTES: "0", CACHE_HOST_PATH: "/mnt/k8s-disks/0/glm-serving/weights" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `glm-serving: the node's disk has 0.0 GB free and ${REPO}@${NEW} needs 0.0 GB more; every complete revision on it stays as it is. The node's directory /mnt/k8s-disks/0/glm-serving/weights is too small: on a Karpenter node it belongs on the instance store's RAID0 array (EC2NodeClass instanceStorePolicy: RAID0 mounts it at /mnt/k8s-disks/0), or set weightCache.mode volume\n`,
    );
    expect(s.calls()).toEqual([]);
  });

  it("blobs the old revision shares with the new one need no room (the Hub's layout links them)", () => {
    const s = sandbox();
    expect(s.download({ MODEL_REVISION: OLD, HF_BLOBS: "1" }).status).toBe(0);
    // Every file of NEW is already a blob of OLD: no free byte is needed.
    const r = s.download({ HF_BLOBS: "1", FAKE_FREE_BYTES: "0" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(s.wait().status).toBe(0);
  });
});

describe("download step: a blob shared by two revisions", () => {
  it("fault: found bad while verifying one revision, it drops both revisions' markers, is fetched again, and each revision is verified again before it is served", () => {
    const s = sandbox();
    expect(s.download({ MODEL_REVISION: OLD, HF_BLOBS: "1", STACK_NAME: "other" }).status).toBe(0);
    const blob = join(s.home, "hub", "models--zai-org--GLM-5-FP8", "blobs", sha(FILES["model-00001.safetensors"]!));
    expect(readlinkSync(join(s.snapshot(OLD), "model-00001.safetensors"))).toBe(
      `../../blobs/${sha(FILES["model-00001.safetensors"]!)}`,
    );
    // The blob rots on disk (same size); this stack's Job then downloads NEW, which shares it.
    writeFileSync(blob, "X".repeat(FILES["model-00001.safetensors"]!.length));
    const r = s.download({ HF_BLOBS: "1" });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      `glm-serving: marker of ${REPO}@${OLD} removed: its model-00001.safetensors is the same bad blob\n`,
    );
    expect(r.stdout).toContain(
      `glm-serving: repair: deleted model-00001.safetensors (wrong content: model-00001.safetensors does not hash to the hub's sha256 ${sha(FILES["model-00001.safetensors"]!)}); fetching it again\n`,
    );
    expect(readFileSync(blob, "utf8")).toBe(FILES["model-00001.safetensors"]);
    // NEW is served; OLD (the other stack's) is not, until its own Job verifies it again...
    expect(s.wait().status).toBe(0);
    expect(existsSync(s.marker(OLD))).toBe(false);
    expect(s.wait({ MODEL_REVISION: OLD }).status).toBe(1);
    // ...which fetches nothing (the blob is good again) and writes its marker: nothing good is lost.
    const again = s.download({ MODEL_REVISION: OLD, HF_BLOBS: "1", STACK_NAME: "other" });
    expect(again.status).toBe(0);
    expect(s.wait({ MODEL_REVISION: OLD }).status).toBe(0);
  });
});

describe("engine.streamFrom: the verified revision copied to the bucket and checked", () => {
  const URI = `s3://models/zai-org/GLM-5-FP8/${NEW}/`;
  const object = (root: string, path: string) => join(root, "bucket", "models", "zai-org", "GLM-5-FP8", NEW, path);

  it("every file is uploaded with its verified hash, read back, and only then is the copy marked; the engine waits for that", () => {
    const s = sandbox();
    // Before the copy exists the engine (which reads the bucket) does not start, even on a complete cache.
    expect(s.download({ HF_FAIL: "1" }).status).toBe(1);
    expect(s.wait({ STREAM_FROM: URI }).stderr).toContain("not complete");
    const r = s.download({ STREAM_TO: URI });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      `glm-serving: mirror: ${URI} holds the verified revision (4 file(s) copied, 0 already there)\n`,
    );
    for (const [path, text] of Object.entries(FILES)) expect(readFileSync(object(s.root, path), "utf8")).toBe(text);
    expect(JSON.parse(readFileSync(`${object(s.root, "model-00001.safetensors")}.meta`, "utf8"))).toEqual({
      "glm-serving-sha256": sha(FILES["model-00001.safetensors"]!),
    });
    expect(JSON.parse(readFileSync(`${object(s.root, "config.json")}.meta`, "utf8"))).toEqual({
      "glm-serving-blob-id": blobId(FILES["config.json"]!),
    });
    expect(JSON.parse(readFileSync(join(s.state, `${NEW}.mirrored`), "utf8")).uri).toBe(URI);
    expect(s.wait({ STREAM_FROM: URI }).status).toBe(0);
    // Another bucket is not this copy.
    expect(s.wait({ STREAM_FROM: `s3://other/${NEW}/` }).stderr).toContain(`is not verified yet`);
    // A re-run reads the objects' heads and uploads nothing.
    const again = s.download({ STREAM_TO: URI });
    expect(again.stdout).toContain("(0 file(s) copied, 4 already there)");
    expect(s.calls().filter((c) => c.startsWith("s3 put"))).toHaveLength(4);
  });

  it("fault: an upload refused (no permission): exit 1 with the reason; the cache stays complete, the engine does not stream", () => {
    const s = sandbox();
    const r = s.download({ STREAM_TO: URI, FAKE_S3_DENIED: "1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `glm-serving: copying ${REPO}@${NEW} to ${URI} failed: ClientError: An error occurred (AccessDenied) when calling the PutObject operation; the engine does not stream from it until the copy is verified (the Job's next pod retries; the pod's service account needs s3:PutObject and s3:GetObject there)\n`,
    );
    expect(existsSync(s.marker(NEW))).toBe(true);
    expect(existsSync(join(s.state, `${NEW}.mirrored`))).toBe(false);
    expect(s.wait({ STREAM_FROM: URI }).status).toBe(1);
  });

  it("fault: an object that is not the verified size after its upload is refused; one changed in the bucket later is uploaded again", () => {
    const s = sandbox();
    const r = s.download({ STREAM_TO: URI, FAKE_S3_SHORT: "1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `glm-serving: s3://models/zai-org/GLM-5-FP8/${NEW}/config.json is 27 bytes after its upload, not the verified 28 bytes with its hash; the copy stays unverified and the engine does not stream from it\n`,
    );
    expect(existsSync(join(s.state, `${NEW}.mirrored`))).toBe(false);
    expect(s.download({ STREAM_TO: URI }).status).toBe(0);
    writeFileSync(object(s.root, "model-00002.safetensors"), "tampered");
    const again = s.download({ STREAM_TO: URI });
    expect(again.stdout).toContain("(1 file(s) copied, 3 already there)");
    expect(readFileSync(object(s.root, "model-00002.safetensors"), "utf8")).toBe(FILES["model-00002.safetensors"]);
  });
});

describe("download step: only commits are served", () => {
  it("a branch is resolved to a commit and recorded before anything is downloaded; the marker and the wait step use the commit", () => {
    const s = sandbox();
    const r = s.download({ MODEL_REVISION: "main", FAKE_SHA: NEW, HF_FAIL: "1" });
    expect(r.status).toBe(1);
    expect(readFileSync(join(s.state, "refs", "main"), "utf8")).toBe(`${NEW}\n`);
    expect(s.calls()).toEqual([`hf download ${REPO} --revision ${NEW}`]);
    expect(existsSync(join(s.home, "hub", "models--zai-org--GLM-5-FP8", "refs", "main"))).toBe(false);
    expect(s.download({ MODEL_REVISION: "main", FAKE_SHA: NEW }).status).toBe(0);
    expect(existsSync(s.marker(NEW))).toBe(true);
    // The Hub layout's own ref of the branch, as `hf download --revision main` writes it, once complete.
    expect(readFileSync(join(s.home, "hub", "models--zai-org--GLM-5-FP8", "refs", "main"), "utf8")).toBe(NEW);
    expect(s.wait({ MODEL_REVISION: "main" }).stdout).toBe(
      `glm-serving: weight cache complete for ${REPO}@main (commit ${NEW})\n`,
    );
  });

  it("a moved branch: the engine waits for the new commit's marker, never serves the old commit under the branch's name", () => {
    const s = sandbox();
    expect(s.download({ MODEL_REVISION: "main", FAKE_SHA: OLD }).status).toBe(0);
    // Pinned at download time: the branch moved, but a run under the same refresh token stays on OLD.
    const same = s.download({ MODEL_REVISION: "main", FAKE_SHA: NEW });
    expect(same.stdout).toContain(`(the hub is not asked; main stays on it until weightCache.refresh changes)`);
    expect(readFileSync(join(s.state, "refs", "main"), "utf8")).toBe(`${OLD}\n`);
    expect(s.calls()).toEqual([`hf download ${REPO} --revision ${OLD}`]);
    // A new weightCache.refresh token resolves it again; until NEW is complete the engine waits.
    expect(
      s.download({ MODEL_REVISION: "main", FAKE_SHA: NEW, HF_FAIL: "1", CACHE_REFRESH: "2026-12-01" }).status,
    ).toBe(1);
    const w = s.wait({ MODEL_REVISION: "main" });
    expect(w.status).toBe(1);
    expect(w.stderr).toContain(`${REPO}@${NEW} is not complete`);
    expect(existsSync(s.marker(OLD))).toBe(true);
  });
});

describe("download step: progress and stalls", () => {
  it("a stalled download fails after STALL_SECONDS with a clear line, progress logged and in the status file", () => {
    const s = sandbox();
    const started = Date.now();
    const r = s.download({ HF_HANG: "1", STALL_SECONDS: "1" });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/glm-serving: progress: 0\.0 GB of 0\.0 GB \(0\.0%\), 0\.0 MB\/s\n/);
    expect(r.stderr).toBe(
      "glm-serving: download stalled: no new bytes for 1 s at 0.0 GB of 0.0 GB; stopped it so the Job's next pod resumes where it stopped (raise weightCache.stallSeconds for a slower hub)\n",
    );
    expect(s.status(NEW)).toMatchObject({ state: "downloading", bytesDone: 0, bytesTotal: 144 });
    const w = s.wait();
    expect(w.stderr).toContain(`"bytesTotal": 144`);
  });
});

describe("the engine's wait step", () => {
  it("refuses a missing cache at the deadline with a clear line", () => {
    const s = sandbox();
    const r = s.wait();
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `glm-serving: weight cache for ${REPO}@${NEW} not complete after 0 s (no download has resolved ${REPO}@${NEW} yet); check the download Job\n`,
    );
  });

  it("refuses another revision's marker", () => {
    const s = sandbox();
    expect(s.download({ MODEL_REVISION: OLD }).status).toBe(0);
    const r = s.wait();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("no download has resolved");
  });

  it("the node-local readiness probe passes only with the resolved commit's marker", () => {
    const s = sandbox();
    const probe = () =>
      spawnSync("/bin/sh", ["-c", READY_PROBE], { env: { CACHE_STATE: s.state, MODEL_REVISION: NEW } }).status;
    expect(probe()).not.toBe(0);
    expect(s.download().status).toBe(0);
    expect(probe()).toBe(0);
  });
});

/** ModelScope: a fake `modelscope` package (listing, branch details) and CLI (writes into --local_dir). */
const MS_REPO = "Eco-Tech/GLM-5-w4a8";
const C1 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const C2 = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const FAKE_MS_API = `import json, os
class HubApi:
    def get_model_files(self, repo, revision=None, recursive=False):
        return [dict(d, Type="blob") for d in json.loads(os.environ["FAKE_MS_FILES"])]
    def list_repo_commits(self, repo, revision=None, page_size=50):
        # FAKE_MS_COMMIT: the branch's head; "C1,C2": it moves between two reads.
        heads = os.environ.get("FAKE_MS_COMMIT", "").split(",")
        if not heads[0]: raise AttributeError("'HubApi' object has no attribute 'list_repo_commits'")
        n_path = os.path.join(os.environ["SANDBOX"], "heads.count")
        n = int(open(n_path).read()) if os.path.exists(n_path) else 0
        open(n_path, "w").write(str(n + 1))
        class _C:
            id = heads[min(n, len(heads) - 1)]
        class _H:
            commits = [_C()]
        return _H()
`;
const FAKE_MS_CLI = `#!/usr/bin/env python3
import json, os, sys
root = os.environ["SANDBOX"]
with open(os.path.join(root, "calls.log"), "a") as f: f.write("modelscope " + " ".join(sys.argv[1:]) + "\\n")
d = sys.argv[sys.argv.index("--local_dir") + 1]
os.makedirs(d, exist_ok=True)
for name, text in json.load(open(os.path.join(root, "payload.json"))).items():
    if not os.path.exists(os.path.join(d, name)): open(os.path.join(d, name), "w").write(text)
`;

function msSandbox() {
  const root = mkdtempSync(join(tmpdir(), "glm-ms-"));
  const bin = join(root, "bin");
  const api = join(root, "lib", "modelscope", "hub");
  const cache = join(root, "ms");
  mkdirSync(bin);
  mkdirSync(api, { recursive: true });
  mkdirSync(cache);
  writeFileSync(join(root, "lib", "modelscope", "__init__.py"), "");
  writeFileSync(join(api, "__init__.py"), "");
  writeFileSync(join(api, "api.py"), FAKE_MS_API);
  writeFileSync(join(bin, "modelscope"), FAKE_MS_CLI);
  symlinkSync(PYTHON, join(bin, "python3"));
  chmodSync(join(bin, "modelscope"), 0o755);
  writeFileSync(join(root, "payload.json"), JSON.stringify(FILES));
  const listing = Object.entries(FILES).map(([p, t]) => ({ Path: p, Size: Buffer.byteLength(t), Sha256: sha(t) }));
  const modelDir = join(cache, "hub", "models", "Eco-Tech", "GLM-5-w4a8");
  const state = join(cache, ".glm-serving", "Eco-Tech--GLM-5-w4a8");
  const revisionDir = (c: string) => join(cache, "hub", "revisions", "Eco-Tech", "GLM-5-w4a8", c);
  const env = (extra: Record<string, string>) => ({
    PATH: `${bin}:${process.env["PATH"]}`,
    PYTHONPATH: join(root, "lib"),
    SANDBOX: root,
    FAKE_MS_FILES: JSON.stringify(listing),
    MODELSCOPE_CACHE: cache,
    MODEL_DIR: modelDir,
    SCRIPTS,
    ALLOW_PATTERNS: "",
    MODEL_HUB: "modelscope",
    MODEL_REPO: MS_REPO,
    MODEL_REVISION: "master",
    CACHE_ROOT: cache,
    CACHE_STATE: state,
    STACK_NAME: "a3-w4a8",
    PROGRESS_SECONDS: "0.2",
    WAIT_SECONDS: "0",
    ...extra,
  });
  const download = (extra: Record<string, string> = {}) =>
    spawnSync("/bin/sh", ["-c", DOWNLOAD_SCRIPT, "download"], { encoding: "utf8", env: env(extra) });
  const wait = (extra: Record<string, string> = {}) =>
    spawnSync(PYTHON, ["-c", WAIT_FOR_CACHE_SCRIPT], { encoding: "utf8", env: env(extra) });
  const calls = () => readFileSync(join(root, "calls.log"), "utf8").trim().split("\n");
  return { root, modelDir, state, revisionDir, download, wait, calls };
}

describe("download step on ModelScope: a branch followed commit by commit", () => {
  it("master resolves to its commit; the checkpoint lands in that commit's directory and the engine's path links to it once complete", () => {
    const s = msSandbox();
    const r = s.download({ FAKE_MS_COMMIT: C1 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(s.calls()).toEqual([
      `modelscope download --model ${MS_REPO} --revision master --local_dir ${s.revisionDir(C1)}`,
    ]);
    expect(readFileSync(join(s.state, "refs", "master"), "utf8")).toBe(`${C1}\n`);
    expect(readlinkSync(s.modelDir)).toBe(`../../revisions/Eco-Tech/GLM-5-w4a8/${C1}`);
    expect(readFileSync(join(s.modelDir, "config.json"), "utf8")).toBe(FILES["config.json"]);
    expect(s.wait().stdout).toBe(`glm-serving: weight cache complete for ${MS_REPO}@master (commit ${C1})\n`);
  });

  it("the branch moves: the new commit downloads next to the old, the link flips only when it is complete, then the old goes", () => {
    const s = msSandbox();
    expect(s.download({ FAKE_MS_COMMIT: C1 }).status).toBe(0);
    // Under the same weightCache.refresh token the branch stays on C1 (pinned at download time).
    expect(s.download({ FAKE_MS_COMMIT: C2 }).status).toBe(0);
    expect(readlinkSync(s.modelDir)).toBe(`../../revisions/Eco-Tech/GLM-5-w4a8/${C1}`);
    const r = s.download({ FAKE_MS_COMMIT: C2, CACHE_REFRESH: "2026-12-01" });
    expect(r.status).toBe(0);
    expect(r.stdout.indexOf(`state: ${MS_REPO}@${C2}: complete`)).toBeLessThan(r.stdout.indexOf(`-> ../../revisions`));
    expect(readlinkSync(s.modelDir)).toBe(`../../revisions/Eco-Tech/GLM-5-w4a8/${C2}`);
    expect(existsSync(s.revisionDir(C1))).toBe(false);
    expect(s.wait().stdout).toContain(`(commit ${C2})`);
  });

  it("a client that cannot name the branch's commit: a digest of the listing names the content", () => {
    const s = msSandbox();
    const r = s.download();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      `glm-serving: ModelScope gave no commit of ${MS_REPO}@master (AttributeError: 'HubApi' object has no attribute 'list_repo_commits')\n`,
    );
    const id = readFileSync(join(s.state, "refs", "master"), "utf8").trim();
    expect(id).toMatch(/^listing-[0-9a-f]{40}$/);
    expect(s.calls()).toEqual([
      `modelscope download --model ${MS_REPO} --revision master --local_dir ${s.revisionDir(id)}`,
    ]);
    expect(s.wait().status).toBe(0);
  });

  it("a branch that moves while its listing is read: nothing is recorded or fetched, the next pod resolves it again", () => {
    const s = msSandbox();
    const r = s.download({ FAKE_MS_COMMIT: `${C1},${C2}` });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `glm-serving: ${MS_REPO}@master moved from ${C1} to ${C2} while its listing was read; retrying\n`,
    );
    expect(existsSync(join(s.state, "refs", "master"))).toBe(false);
    expect(existsSync(join(s.root, "calls.log"))).toBe(false);
    expect(s.wait().status).toBe(1);
    expect(s.download({ FAKE_MS_COMMIT: C2 }).status).toBe(0);
    expect(s.wait().stdout).toContain(`(commit ${C2})`);
  });

  it("a checkpoint of the previous layout (one directory) is adopted by hard links, then replaced by the link", () => {
    const s = msSandbox();
    mkdirSync(s.modelDir, { recursive: true });
    for (const [name, text] of Object.entries(FILES)) writeFileSync(join(s.modelDir, name), text);
    const r = s.download({ FAKE_MS_COMMIT: C1 });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      `glm-serving: adopted ${s.modelDir} into ${s.revisionDir(C1)} (hard links; verified like any download)\n`,
    );
    expect(readlinkSync(s.modelDir)).toBe(`../../revisions/Eco-Tech/GLM-5-w4a8/${C1}`);
    expect(s.wait().status).toBe(0);
  });
});
