#!/usr/bin/env python3
"""Verifies a downloaded checkpoint before the weight cache is marked complete.

usage: verify_checkpoint.py <checkpoint dir> <manifest.json> [--jobs N]

The manifest lists the files the hub says the revision holds, as hub_manifest.py writes it
({"revision", "files": [{"path", "size", "sha256"?, "blobId"?}]}, or the bare list). Every file must be
present with that size and hash to what the hub lists: the sha256 of its content for LFS files, the git
blob id (sha1 of "blob <size>\\0" + content) for the others. Every shard the checkpoint's safetensors
index references must be among them and present, and the index must be JSON. An empty listing (a hub
with no listing) leaves the index as the check. Exit 0 when all holds; exit 1 with one line per problem
otherwise, a malformed manifest or index included (standard library only: it runs in any image).

weight_cache.py imports check() to verify only the files it has not verified yet and to learn which
files to delete and fetch again.
"""
import hashlib
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

CHUNK = 16 * 1024 * 1024


class ManifestError(Exception):
    """The listing cannot be read: reported as a problem, never as a traceback."""


def hashes_of(path, size):
    """sha256 of the content and its git blob id, in one read."""
    sha256 = hashlib.sha256()
    blob = hashlib.sha1(b"blob %d\0" % size)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            sha256.update(block)
            blob.update(block)
    return sha256.hexdigest(), blob.hexdigest()


def load_manifest(path):
    """The listed files, checked for shape; ManifestError says what is wrong."""
    try:
        with open(path) as f:
            data = json.load(f)
    except OSError as e:
        raise ManifestError("the hub listing %s cannot be read: %s" % (path, e.strerror))
    except ValueError as e:
        raise ManifestError("the hub listing %s is not valid JSON: %s" % (path, e))
    return checked_files(data, path)


def checked_files(data, path):
    """The listing's files, each with a path, an integer size and string hashes; else ManifestError."""
    files = data.get("files") if isinstance(data, dict) else data
    if not isinstance(files, list):
        raise ManifestError("the hub listing %s holds no list of files" % path)
    for i, e in enumerate(files):
        ok = (
            isinstance(e, dict)
            and isinstance(e.get("path"), str)
            and isinstance(e.get("size"), int)
            and not isinstance(e.get("size"), bool)
            and all(isinstance(e.get(k), str) for k in ("sha256", "blobId") if k in e)
        )
        if not ok:
            raise ManifestError("the hub listing %s has a malformed entry %d: %s" % (path, i, json.dumps(e)[:200]))
    return files


def check_file(root, entry):
    """(problem or None, stat of the file as verified)."""
    rel = entry["path"]
    path = os.path.join(root, rel)
    if not os.path.isfile(path):
        return "missing: " + rel, None
    st = os.stat(path)
    if st.st_size != entry["size"]:
        return "wrong size: %s is %d bytes, the hub lists %d" % (rel, st.st_size, entry["size"]), None
    if entry.get("sha256") or entry.get("blobId"):
        sha256, blob_id = hashes_of(path, st.st_size)
        if entry.get("sha256") and sha256 != entry["sha256"]:
            return "wrong content: %s does not hash to the hub's sha256 %s" % (rel, entry["sha256"]), None
        if not entry.get("sha256") and blob_id != entry["blobId"]:
            return "wrong content: %s does not hash to the hub's git blob id %s" % (rel, entry["blobId"]), None
    return None, [st.st_size, st.st_mtime_ns]


def files_on_disk(root):
    return {
        os.path.relpath(os.path.join(d, f), root)
        for d, _, names in os.walk(root)
        for f in names
        if not os.path.relpath(os.path.join(d, f), root).startswith(".")
    }


def index_problems(root, listed):
    """Every shard a safetensors index names must be listed and present; (problems, files to fetch again)."""
    problems, bad = [], []
    for name in sorted(listed):
        if not name.endswith(".safetensors.index.json") or not os.path.isfile(os.path.join(root, name)):
            continue
        try:
            with open(os.path.join(root, name)) as f:
                weight_map = json.load(f).get("weight_map", {})
            shards = set(weight_map.values())
            if not all(isinstance(s, str) for s in shards):
                raise ValueError("weight_map values are not file names")
        except (ValueError, AttributeError, TypeError) as e:
            problems.append("malformed index: %s is not a safetensors index (%s)" % (name, e))
            bad.append(name)
            continue
        base = os.path.dirname(name)
        for shard in sorted(shards):
            path = os.path.join(base, shard)
            if path not in listed:
                problems.append("index %s names %s, which the hub does not list" % (name, shard))
            elif not os.path.isfile(os.path.join(root, path)):
                problems.append("missing: %s (named by %s)" % (path, name))
                bad.append(path)
    return problems, bad


def check(root, manifest, jobs=4, skip=None):
    """Verifies `manifest` (minus the paths in `skip`, verified before and unchanged since).

    Returns (problems, bad, good): every problem as a line, the paths to delete and fetch again, and
    {path: [size, mtime_ns]} of each file that passed.
    """
    skip = skip or set()
    todo = [e for e in manifest if e["path"] not in skip]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(lambda e: check_file(root, e), todo))
    problems, bad, good = [], [], {}
    for entry, (problem, st) in zip(todo, results):
        if problem:
            problems.append(problem)
            bad.append(entry["path"])
        else:
            good[entry["path"]] = st
    # Without a listing from the hub, the files on disk stand for it and the index is the check.
    listed = {e["path"] for e in manifest} or files_on_disk(root)
    more, refetch = index_problems(root, listed)
    problems += more
    for path in refetch:
        good.pop(path, None)
        if path not in bad:
            bad.append(path)
    # Weights: safetensors (vLLM, SGLang, vLLM-Ascend) or GGUF (llama.cpp).
    if not any(p.endswith((".safetensors", ".gguf")) for p in listed):
        problems.append("no *.safetensors or *.gguf weights in %s" % root)
    return problems, bad, good


def parse_args(argv):
    """(the two positional arguments, jobs) from `<dir> <manifest> [--jobs N | --jobs=N]`; None if malformed."""
    args, jobs, rest = [], "4", list(argv)
    while rest:
        a = rest.pop(0)
        if a == "--jobs" and rest:
            jobs = rest.pop(0)
        elif a.startswith("--jobs="):
            jobs = a.split("=", 1)[1]
        else:
            args.append(a)
    if len(args) != 2 or not jobs.isdigit() or int(jobs) < 1:
        return None
    return args, int(jobs)


def main(argv):
    parsed = parse_args(argv)
    if parsed is None:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    args, jobs = parsed
    root, manifest_path = args
    try:
        manifest = load_manifest(manifest_path)
    except ManifestError as e:
        print("glm-serving: verify: %s; the cache stays incomplete" % e, file=sys.stderr)
        return 1
    problems, _, _ = check(root, manifest, jobs)
    for p in problems:
        print("glm-serving: verify: " + p, file=sys.stderr)
    total = sum(e["size"] for e in manifest)
    if problems:
        print("glm-serving: verify: %d problem(s); the cache stays incomplete" % len(problems), file=sys.stderr)
        return 1
    hashed = sum(1 for e in manifest if e.get("sha256") or e.get("blobId"))
    print("glm-serving: verify: %d files, %d bytes, %d hashed: complete" % (len(manifest), total, hashed))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
