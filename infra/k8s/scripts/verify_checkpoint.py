#!/usr/bin/env python3
"""Verifies a downloaded checkpoint before the weight cache is marked complete.

usage: verify_checkpoint.py <checkpoint dir> <manifest.json> [--jobs N]

The manifest lists the files the hub says the revision holds: [{"path", "size", "sha256"?}]. Every
file must be present with that size, and hash to that sha256 where the hub gives one. Every shard the
checkpoint's safetensors index references must be among them and present. An empty manifest (a hub
with no listing) leaves the index as the check. Exit 0 when all holds; exit 1 with one
line per problem otherwise (standard library only: it runs in any engine image).
"""
import hashlib
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

CHUNK = 16 * 1024 * 1024


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def check_file(root, entry):
    path = os.path.join(root, entry["path"])
    if not os.path.isfile(path):
        return "missing: " + entry["path"]
    size = os.path.getsize(path)
    if size != entry["size"]:
        return "wrong size: %s is %d bytes, the hub lists %d" % (entry["path"], size, entry["size"])
    if entry.get("sha256") and sha256_of(path) != entry["sha256"]:
        return "wrong content: %s does not hash to the hub's sha256 %s" % (entry["path"], entry["sha256"])
    return None


def files_on_disk(root):
    return {
        os.path.relpath(os.path.join(d, f), root)
        for d, _, names in os.walk(root)
        for f in names
        if not os.path.relpath(os.path.join(d, f), root).startswith(".")
    }


def index_problems(root, listed):
    """Every shard a safetensors index names must be listed and present."""
    problems = []
    for name in sorted(listed):
        if not name.endswith(".safetensors.index.json") or not os.path.isfile(os.path.join(root, name)):
            continue
        with open(os.path.join(root, name)) as f:
            shards = set(json.load(f).get("weight_map", {}).values())
        base = os.path.dirname(name)
        for shard in sorted(shards):
            path = os.path.join(base, shard)
            if path not in listed:
                problems.append("index %s names %s, which the hub does not list" % (name, shard))
            elif not os.path.isfile(os.path.join(root, path)):
                problems.append("missing: %s (named by %s)" % (path, name))
    return problems


def main(argv):
    args = [a for a in argv if not a.startswith("--jobs")]
    jobs = int(next((a.split("=", 1)[1] for a in argv if a.startswith("--jobs=")), "4"))
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    root, manifest_path = args
    with open(manifest_path) as f:
        manifest = json.load(f)
    # Without a listing from the hub, the files on disk stand for it and the index is the check.
    listed = {e["path"] for e in manifest} or files_on_disk(root)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        problems = [p for p in pool.map(lambda e: check_file(root, e), manifest) if p]
    problems += index_problems(root, listed)
    if not any(p.endswith(".safetensors") for p in listed):
        problems.append("no *.safetensors weights in %s" % root)
    for p in problems:
        print("glm-serving: verify: " + p, file=sys.stderr)
    total = sum(e["size"] for e in manifest)
    if problems:
        print("glm-serving: verify: %d problem(s); the cache stays incomplete" % len(problems), file=sys.stderr)
        return 1
    hashed = sum(1 for e in manifest if e.get("sha256"))
    print("glm-serving: verify: %d files, %d bytes, %d hashed: complete" % (len(manifest), total, hashed))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
