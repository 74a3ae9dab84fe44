#!/usr/bin/env python3
"""Resolves a model revision to a commit and writes the revision's file listing, for verify_checkpoint.py.

usage: hub_manifest.py <hub> <repo> <revision> <out.json> [pattern ...]

Writes {"repo", "requested", "revision", "files": [{"path", "size", "sha256"?, "blobId"?}]}, where
"revision" is the commit the requested revision (a commit, branch or tag) points at now.

Hugging Face: the commit (`sha`), and each file's size, git blob id and, for LFS files, sha256 from the
Hub API (huggingface_hub's model_info with files_metadata). ModelScope: path, size and sha256 from its
file listing; the commit the branch or tag points at from its commit history (read before and after
the listing: a branch that moved in between is a problem, retried), otherwise "listing-" and a digest
of the listing itself (which changes whenever a listed file does). Modelers
publishes no listing this script can read: an empty listing (verification then rests on the
checkpoint's own safetensors index), and a branch cannot be resolved there.

A hub that cannot be reached or answers nonsense is reported in one line, never as a traceback.
"""
import fnmatch
import hashlib
import json
import re
import sys

COMMIT = re.compile(r"^[0-9a-f]{40}$")


class HubProblem(Exception):
    pass


def huggingface(repo, revision):
    from huggingface_hub import HfApi

    info = HfApi().model_info(repo, revision=revision, files_metadata=True)
    files = [
        {
            "path": s.rfilename,
            "size": s.size,
            **({"sha256": s.lfs.sha256} if getattr(s, "lfs", None) else {}),
            **({"blobId": s.blob_id} if getattr(s, "blob_id", None) else {}),
        }
        for s in info.siblings
    ]
    commit = getattr(info, "sha", None) or (revision if COMMIT.match(revision) else None)
    if not commit:
        raise HubProblem("the Hub named no commit for %s@%s" % (repo, revision))
    return commit, files


def listing_id(files):
    canonical = json.dumps(sorted(files, key=lambda e: e["path"]), sort_keys=True).encode()
    return "listing-" + hashlib.sha256(canonical).hexdigest()[:40]


def branch_head(api, repo, revision):
    """The commit a ModelScope branch or tag points at now, or None where the client cannot say.

    modelscope/hub/api.py list_repo_commits: GET /api/v1/models/<repo>/commits?Ref=<revision>, newest
    first; each commit's "Id" (DetailedCommitInfo.id, modelscope/utils/repo_utils.py) is the full hash.
    (The branch records of get_valid_revision_detail carry "Revision" and "CreatedAt", no commit.)
    """
    try:
        history = api.list_repo_commits(repo, revision=revision, page_size=1)
    except Exception as e:  # an older client without it, or the endpoint refused
        print("glm-serving: ModelScope gave no commit of %s@%s (%s: %s)" % (repo, revision, type(e).__name__, e), flush=True)
        return None
    commits = getattr(history, "commits", None) or []
    commit = getattr(commits[0], "id", None) if commits else None
    return commit if isinstance(commit, str) and COMMIT.match(commit) else None


def modelscope(repo, revision):
    from modelscope.hub.api import HubApi

    api = HubApi()
    before = None if COMMIT.match(revision) else branch_head(api, repo, revision)
    files = [
        {"path": f["Path"], "size": f["Size"], **({"sha256": f["Sha256"]} if f.get("Sha256") else {})}
        for f in api.get_model_files(repo, revision=revision, recursive=True)
        if f.get("Type") != "tree"
    ]
    if COMMIT.match(revision):
        return revision, files
    after = branch_head(api, repo, revision)
    if before != after:
        # The listing may be of either commit: name neither; the Job's next pod resolves it again.
        raise HubProblem("%s@%s moved from %s to %s while its listing was read; retrying" % (repo, revision, before, after))
    # Without a commit from the hub, a digest of the listing names the content (it changes with any file).
    return after or listing_id(files), files


def modelers(repo, revision):
    if not COMMIT.match(revision):
        raise HubProblem(
            "Modelers publishes no commit this step can read for %s@%s: set model.revision to a commit" % (repo, revision)
        )
    return revision, []


HUBS = {"huggingface": huggingface, "modelscope": modelscope, "modelers": modelers}


def manifest(hub, repo, revision, patterns):
    if hub not in HUBS:
        raise HubProblem("unknown hub %r" % hub)
    try:
        commit, files = HUBS[hub](repo, revision)
    except HubProblem:
        raise
    except Exception as e:  # the hub's client: network, authentication, a malformed answer
        raise HubProblem(
            "the %s listing of %s@%s could not be read: %s: %s" % (hub, repo, revision, type(e).__name__, e)
        )
    for f in files:
        if not isinstance(f["path"], str) or not isinstance(f["size"], int):
            raise HubProblem("the %s listing of %s@%s has a malformed entry: %r" % (hub, repo, revision, f))
    if patterns:
        files = [e for e in files if any(fnmatch.fnmatch(e["path"], p) for p in patterns)]
    return {"repo": repo, "requested": revision, "revision": commit, "files": files}


def main(argv):
    if len(argv) < 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    hub, repo, revision, out, patterns = argv[0], argv[1], argv[2], argv[3], argv[4:]
    try:
        m = manifest(hub, repo, revision, patterns)
    except HubProblem as e:
        print("glm-serving: %s" % e, file=sys.stderr)
        return 1
    with open(out, "w") as f:
        json.dump(m, f)
    print("glm-serving: %s lists %d files for %s@%s" % (hub, len(m["files"]), repo, m["revision"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
