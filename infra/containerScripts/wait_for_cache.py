"""The engine's init step: waits until the weight cache holds a verified copy of the stack's revision.

Run as `python3 -c <this file>` in the engine's image (standard library only). It reads what
weight_cache.py writes (see there): the commit the requested revision resolved to
(CACHE_STATE/refs/<revision>) and that commit's marker. With a marker, every file it vouches for must
still have the size and mtime it had when it was verified (a stat, no re-read); a file that changed
since then is refused at once (exit 1), naming the file: the engine never starts on bad or partial
bytes. Without one it prints the download's status (state, bytes done / total, rate) every
POLL_SECONDS and gives up at WAIT_SECONDS. A branch's model directory (ModelScope / Modelers) must point
at the verified commit. With STREAM_FROM (engine.streamFrom), the bucket's copy must be verified too
(<commit>.mirrored naming that URI), since the engine reads the bucket, not the cache.
"""
import json
import os
import sys
import time

env = os.environ
repo, requested, state = env["MODEL_REPO"], env["MODEL_REVISION"], env["CACHE_STATE"]
hub, root = env["MODEL_HUB"], env["CACHE_ROOT"]
wait, poll = int(env.get("WAIT_SECONDS", "0")), float(env.get("POLL_SECONDS", "30"))


from glm_serving_common import read


def checkpoint(commit):
    if hub == "huggingface":
        return os.path.join(env["HF_HOME"], "hub", "models--" + repo.replace("/", "--"), "snapshots", commit)
    return os.path.join(root, "hub", "revisions", repo, commit)


def check():
    """(complete?, what to say)."""
    commit = read(os.path.join(state, "refs", requested.replace("/", "%2F")))
    if not commit:
        return False, "no download has resolved %s@%s yet" % (repo, requested)
    text = read(os.path.join(state, commit + ".complete"))
    if text is None:
        status = read(os.path.join(state, commit + ".status"))
        return False, "%s@%s is not complete: %s" % (repo, commit, status or "no status yet")
    try:
        marker = json.loads(text)
        files = marker["files"]
        assert marker["revision"] == commit and isinstance(files, dict)
    except (ValueError, KeyError, TypeError, AssertionError):
        sys.exit("glm-serving: the marker of %s@%s is unreadable; re-run the download Job" % (repo, commit))
    base = checkpoint(commit)
    for rel, was in sorted(files.items()):
        try:
            st = os.stat(os.path.join(base, rel))
            now = [st.st_size, st.st_mtime_ns]
        except OSError:
            now = None
        if now != was:
            sys.exit(
                "glm-serving: %s of %s@%s changed since it was verified (%s bytes now, %d verified): refusing to start "
                "on it; re-run the download Job, which re-verifies and fetches it again"
                % (rel, repo, commit, "missing" if now is None else now[0], was[0])
            )
    if hub != "huggingface" and env.get("MODEL_DIR") and os.path.realpath(env["MODEL_DIR"]) != os.path.realpath(base):
        return False, "%s does not point at the verified %s yet" % (env["MODEL_DIR"], commit)
    stream = env.get("STREAM_FROM")
    if stream:
        mirrored = read(os.path.join(state, commit + ".mirrored"))
        try:
            uri = json.loads(mirrored)["uri"] if mirrored else None
        except (ValueError, KeyError, TypeError):
            uri = None
        if uri != stream:
            return False, "the copy of %s@%s in %s is not verified yet (the download step copies it once the cache is complete)" % (repo, commit, stream)
    return True, "weight cache complete for %s@%s%s" % (repo, requested, "" if commit == requested else " (commit %s)" % commit)


deadline = time.time() + wait
while True:
    ok, what = check()
    if ok:
        print("glm-serving: " + what, flush=True)
        sys.exit(0)
    if time.time() >= deadline:
        sys.exit("glm-serving: weight cache for %s@%s not complete after %d s (%s); check the download Job" % (repo, requested, wait, what))
    print("glm-serving: waiting for the weight cache: " + what, flush=True)
    time.sleep(poll)
