#!/usr/bin/env python3
"""Writes the file manifest of a model revision, as its hub lists it, for verify_checkpoint.py.

usage: hub_manifest.py <hub> <repo> <revision> <out.json> [pattern ...]

Hugging Face: path, size and (for LFS files) sha256 from the Hub API. ModelScope: path, size and
sha256 from its file listing. Modelers publishes no listing this script can read: it writes an empty
manifest, and verification then rests on the checkpoint's own safetensors index.
"""
import fnmatch
import json
import sys


def huggingface(repo, revision):
    from huggingface_hub import HfApi

    info = HfApi().model_info(repo, revision=revision, files_metadata=True)
    return [
        {"path": s.rfilename, "size": s.size, **({"sha256": s.lfs.sha256} if s.lfs else {})}
        for s in info.siblings
    ]


def modelscope(repo, revision):
    from modelscope.hub.api import HubApi

    files = HubApi().get_model_files(repo, revision=revision, recursive=True)
    return [
        {"path": f["Path"], "size": f["Size"], **({"sha256": f["Sha256"]} if f.get("Sha256") else {})}
        for f in files
        if f.get("Type") != "tree"
    ]


def main(argv):
    if len(argv) < 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    hub, repo, revision, out, patterns = argv[0], argv[1], argv[2], argv[3], argv[4:]
    entries = {"huggingface": huggingface, "modelscope": modelscope}.get(hub, lambda r, v: [])(repo, revision)
    if patterns:
        entries = [e for e in entries if any(fnmatch.fnmatch(e["path"], p) for p in patterns)]
    with open(out, "w") as f:
        json.dump(entries, f)
    print("glm-serving: %s lists %d files for %s@%s" % (hub, len(entries), repo, revision))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
