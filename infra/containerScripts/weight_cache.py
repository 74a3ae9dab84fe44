#!/usr/bin/env python3
"""The weight cache's download step: one revision of one repository, as a state machine.

usage: weight_cache.py [client args ...]   (e.g. --include '*.json'; passed to the hub's client)

States of a revision on the volume (README, "Weight cache"):

    absent --resolve--> downloading --> verifying --> complete(<commit>)
                            ^              |  a file fails: deleted, fetched again
                            +--- repair ---+  (at most MAX_REPAIRS rounds)
                                           '--> corrupt: still failing; exit 1, no marker
    complete --a file changed since it was verified--> marker removed --> verifying (only what changed)

Files under M/.glm-serving/<org>--<name>/ (M: the cache's mount path, CACHE_STATE):
  refs/<requested>     the commit the requested revision resolved to, written before any download, and
                       refs/<requested>.refresh the weightCache.refresh token it was resolved under: a run
                       with the same token serves that commit without asking the hub (a branch is
                       pinned until the token changes; a pod restart needs no hub)
  <commit>.complete    the marker: JSON naming the commit and each file's size and mtime as verified;
                       written last and atomically, removed before any file of the commit is changed,
                       deleted or found bad. Only its presence lets an engine start.
  <commit>.verified    files verified so far (size, mtime): a retried pod re-reads none of them
  <commit>.mirrored    engine.streamFrom: the bucket's copy of the commit is verified (mirror_to_bucket.py)
  <commit>.status      JSON: state, bytes done / total, rate, message (the engine's wait step prints it)
  stacks/<stack>       the commit each stack serves. A new revision downloads next to the old one; the
                       stack's previous commit is pruned only once the new one is complete, and never
                       while another stack's record names it.

Environment: MODEL_HUB, MODEL_REPO, MODEL_REVISION, CACHE_ROOT, CACHE_STATE, STACK_NAME, MODEL_DIR
(ModelScope / Modelers: the path the engine is given for a branch), HF_HOME (Hugging Face),
ALLOW_PATTERNS, SCRIPTS, STREAM_TO (engine.streamFrom: copy the verified revision there, mirror_to_bucket.py),
CACHE_HOST_PATH (node-local: the node's directory, for messages); tunables STALL_SECONDS (600), PROGRESS_SECONDS (30), MAX_REPAIRS (2),
VERIFY_JOBS (4). Standard library only, plus the hub's own client and huggingface_hub for pruning.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # the scripts directory is a read-only ConfigMap (and a source tree in tests)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hub_manifest  # noqa: E402
import mirror_to_bucket  # noqa: E402
import verify_checkpoint  # noqa: E402

LOG = "glm-serving: "


def log(msg):
    print(LOG + msg, flush=True)


class Failed(Exception):
    """Ends the step with exit 1 and this message; the Job's next pod starts over (resuming)."""


def gb(n):
    return "%.1f GB" % (n / 1e9)


from glm_serving_common import write_atomic, read, read_json, remove


class Cache:
    def __init__(self, env):
        self.hub = env["MODEL_HUB"]
        self.repo = env["MODEL_REPO"]
        self.requested = env["MODEL_REVISION"]
        self.root = env["CACHE_ROOT"]
        self.state = env["CACHE_STATE"]
        self.stack = env.get("STACK_NAME", "default")
        self.model_dir = env.get("MODEL_DIR", "")
        self.patterns = env.get("ALLOW_PATTERNS", "").split()
        self.stall = float(env.get("STALL_SECONDS", "600"))
        self.interval = float(env.get("PROGRESS_SECONDS", "30"))
        self.repairs = int(env.get("MAX_REPAIRS", "2"))
        self.jobs = int(env.get("VERIFY_JOBS", "4"))
        self.stream_to = env.get("STREAM_TO", "")
        self.refresh = env.get("CACHE_REFRESH", "")
        if self.hub == "huggingface":
            self.repo_dir = os.path.join(env["HF_HOME"], "hub", "models--" + self.repo.replace("/", "--"))

    # -- where things are ------------------------------------------------------------------------
    def checkpoint(self, commit):
        if self.hub == "huggingface":
            return os.path.join(self.repo_dir, "snapshots", commit)
        return os.path.join(self.root, "hub", "revisions", self.repo, commit)

    def marker(self, commit):
        return os.path.join(self.state, commit + ".complete")

    def status_path(self, commit):
        return os.path.join(self.state, commit + ".status")

    def verified_path(self, commit):
        return os.path.join(self.state, commit + ".verified")

    def mirrored_path(self, commit):
        return os.path.join(self.state, commit + ".mirrored")

    def record(self, stack):
        return os.path.join(self.state, "stacks", stack)

    # -- status --------------------------------------------------------------------------------
    def status(self, commit, state, message="", done=None, total=None, rate=None):
        self.last_state = state
        body = {"repo": self.repo, "requested": self.requested, "revision": commit, "state": state}
        if done is not None:
            body.update(bytesDone=done, bytesTotal=total, bytesPerSecond=round(rate or 0))
        body.update(message=message, updatedAt=int(time.time()))
        write_atomic(self.status_path(commit), json.dumps(body, sort_keys=True) + "\n")

    def transition(self, commit, state, why=""):
        log("state: %s@%s: %s%s" % (self.repo, commit, state, (": " + why) if why else ""))
        self.status(commit, state, why)

    # -- the marker ------------------------------------------------------------------------------
    def drop_marker(self, commit, why):
        """Before any file of `commit` is changed, deleted or found bad."""
        if remove(self.marker(commit)):
            log("marker of %s@%s removed: %s" % (self.repo, commit, why))

    def changed_files(self, commit, files):
        """Files whose size or mtime differ from what the marker says was verified."""
        marker = read_json(self.marker(commit))
        if not isinstance(marker, dict) or marker.get("revision") != commit or not isinstance(marker.get("files"), dict):
            return None
        root, changed = self.checkpoint(commit), []
        for e in files:
            try:
                st = os.stat(os.path.join(root, e["path"]))
                now = [st.st_size, st.st_mtime_ns]
            except OSError:
                now = None
            if now != marker["files"].get(e["path"]):
                changed.append((e["path"], now, marker["files"].get(e["path"])))
        return changed

    # -- download ----------------------------------------------------------------------------
    def client(self, commit, args):
        if self.hub == "huggingface":
            return ["hf", "download", self.repo, "--revision", commit] + args
        target = self.checkpoint(commit)
        os.makedirs(target, exist_ok=True)
        # The client gets the revision as the stack names it (ModelScope's client documents branches and
        # tags); the listing fetched for the resolved commit decides whether the result is kept: were the
        # branch to move during the download, the files would fail verification, no marker would be
        # written, and the Job's next pod would resolve the branch again.
        rev = self.requested
        if self.hub == "modelscope":
            return ["modelscope", "download", "--model", self.repo, "--revision", rev, "--local_dir", target] + args
        if not shutil.which("openmind-cli"):
            raise Failed("openmind-cli is not in this image; set weightCache.downloadImage to an image with openmind_hub")
        return ["openmind-cli", "pull", self.repo, "--revision", rev, "--local_dir", target] + args

    def bytes_done(self, commit, files):
        """Bytes of the revision on disk: complete files plus partial ones."""
        root = self.checkpoint(commit)
        done = 0
        for e in files:
            try:
                done += min(os.stat(os.path.join(root, e["path"])).st_size, e["size"])
                continue
            except OSError:
                pass
            # The Hub's layout stores each file once, as a blob named by its hash (sha256 for LFS files,
            # the git blob id for the rest): a blob another revision already has is linked, not fetched.
            blob = e.get("sha256") or e.get("blobId") if self.hub == "huggingface" else None
            if blob:
                try:
                    done += min(os.stat(os.path.join(self.repo_dir, "blobs", blob)).st_size, e["size"])
                except OSError:
                    pass
        partial_dirs = [os.path.join(self.repo_dir, "blobs")] if self.hub == "huggingface" else [root]
        for d in partial_dirs:
            for dirpath, _, names in os.walk(d):
                done += sum(
                    os.stat(os.path.join(dirpath, n)).st_size
                    for n in names
                    if n.endswith(".incomplete") and os.path.exists(os.path.join(dirpath, n))
                )
        return done

    def run_client(self, commit, files, args):
        total = sum(e["size"] for e in files)
        cmd = self.client(commit, args)
        log("downloading %s@%s from %s: %s" % (self.repo, commit, self.hub, " ".join(cmd)))
        proc = subprocess.Popen(cmd, start_new_session=True)
        start = last_t = last_change = time.monotonic()
        last = changed_at_bytes = self.bytes_done(commit, files)
        while True:
            try:
                rc = proc.wait(timeout=self.interval)
                break
            except subprocess.TimeoutExpired:
                pass
            now, done = time.monotonic(), self.bytes_done(commit, files)
            rate = (done - last) / max(now - last_t, 1e-6)
            if done != changed_at_bytes:
                changed_at_bytes, last_change = done, now
            pct = 100.0 * done / total if total else 100.0
            eta = " eta %ds" % ((total - done) / rate) if rate > 0 and total > done else ""
            log("progress: %s of %s (%.1f%%), %.1f MB/s%s" % (gb(done), gb(total), pct, rate / 1e6, eta))
            self.status(commit, "downloading", "", done, total, rate)
            last, last_t = done, now
            if now - last_change >= self.stall:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                raise Failed(
                    "download stalled: no new bytes for %d s at %s of %s; stopped it so the Job's next pod resumes "
                    "where it stopped (raise weightCache.stallSeconds for a slower hub)" % (self.stall, gb(done), gb(total))
                )
        done = self.bytes_done(commit, files)
        secs = time.monotonic() - start
        self.status(commit, "downloading", "client exited %d" % rc, done, total, done / max(secs, 1e-6))
        if rc != 0:
            raise Failed("the %s client exited with status %d for %s@%s; the Job's next pod resumes" % (self.hub, rc, self.repo, commit))

    # -- repair ---------------------------------------------------------------------------------
    def delete_file(self, commit, rel, why):
        """Deletes a bad file so that the client fetches it again; in the Hub's layout, its blob too,
        and the marker of every other revision whose snapshot shares that blob."""
        path = os.path.join(self.checkpoint(commit), rel)
        blob = os.path.realpath(path) if os.path.islink(path) else None
        if blob and self.hub == "huggingface":
            for other in sorted(os.listdir(os.path.join(self.repo_dir, "snapshots"))):
                link = os.path.join(self.repo_dir, "snapshots", other, rel)
                if other != commit and os.path.islink(link) and os.path.realpath(link) == blob:
                    self.drop_marker(other, "its %s is the same bad blob" % rel)
            remove(blob)
        remove(path)
        log("repair: deleted %s (%s); fetching it again" % (rel, why))

    # -- after completion -----------------------------------------------------------------------
    def others(self):
        """Commits other stacks' records name: never pruned."""
        d = os.path.join(self.state, "stacks")
        names = sorted(os.listdir(d)) if os.path.isdir(d) else []
        return {read(os.path.join(d, n)) for n in names if n != self.stack} - {None}

    def finish(self, commit, previous):
        if self.hub == "huggingface":
            # Whatever resolves the repository by its default branch offline (tokenizer, MTP draft) finds
            # this commit (last writer wins on a claim shared by stacks of other revisions).
            write_atomic(os.path.join(self.repo_dir, "refs", "main"), commit)
            if not hub_manifest.COMMIT.match(self.requested):
                # As `hf download --revision <branch>` records it: what reads refs/<branch> (llama.cpp's
                # start step) finds the verified commit, and only once it is complete.
                write_atomic(os.path.join(self.repo_dir, "refs", self.requested), commit)
        elif not hub_manifest.COMMIT.match(self.requested) or not hub_manifest.COMMIT.match(commit):
            self.point_model_dir(commit)
        write_atomic(self.record(self.stack), commit + "\n")
        for old in sorted(previous - {commit}):
            if old in self.others():
                log("keeping %s@%s: another stack on this volume serves it" % (self.repo, old))
                continue
            self.prune(old)

    def point_model_dir(self, commit):
        """A branch's model directory (what the engine is given) becomes a link to the verified commit."""
        link = self.model_dir
        os.makedirs(os.path.dirname(link), exist_ok=True)
        target = os.path.relpath(self.checkpoint(commit), os.path.dirname(link))
        legacy = os.path.isdir(link) and not os.path.islink(link)
        tmp = link + ".glm-serving-link"
        remove(tmp)
        os.symlink(target, tmp)
        if legacy:  # a directory of the previous layout, adopted (hard links) into the new revision
            shutil.rmtree(link)
        os.replace(tmp, link)
        log("%s -> %s" % (link, target))

    def prune(self, old):
        log("pruning %s@%s: %s is complete and no other stack serves it" % (self.repo, old, self.requested))
        self.drop_marker(old, "pruned")
        for p in (self.status_path(old), self.verified_path(old), self.mirrored_path(old)):
            remove(p)
        if self.hub == "huggingface":
            from huggingface_hub import scan_cache_dir

            cache = scan_cache_dir()
            revs = [r.commit_hash for repo in cache.repos if repo.repo_id == self.repo for r in repo.revisions if r.commit_hash == old]
            if revs:
                plan = cache.delete_revisions(*revs)  # keeps blobs still referenced by other revisions
                log("freeing " + plan.expected_freed_size_str)
                plan.execute()
        else:
            shutil.rmtree(self.checkpoint(old), ignore_errors=True)

    # -- the step --------------------------------------------------------------------------------
    def previous(self):
        """This stack's earlier commit: its record, or the single marker of the previous layout."""
        old = set()
        mine = read(self.record(self.stack))
        if mine:
            old.add(mine)
        legacy = self.state + ".revision"
        legacy_rev = read(legacy)
        if legacy_rev is not None:
            remove(legacy)
            log("the previous layout's marker named %s; it is now per revision" % legacy_rev)
            if hub_manifest.COMMIT.match(legacy_rev):
                old.add(legacy_rev)
        return old

    def adopt_legacy_dir(self, commit):
        """ModelScope / Modelers: a checkpoint of the previous layout (one directory, no commit) is
        hard-linked into the new revision's directory, so only what differs is fetched again."""
        if self.hub == "huggingface" or not self.model_dir:
            return
        src, dst = self.model_dir, self.checkpoint(commit)
        if os.path.isdir(src) and not os.path.islink(src) and not os.path.exists(dst):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copytree(src, dst, copy_function=os.link)
            log("adopted %s into %s (hard links; verified like any download)" % (src, dst))

    def ref_path(self):
        return os.path.join(self.state, "refs", self.requested.replace("/", "%2F"))

    def settled(self):
        """The commit to serve without asking the hub, or None: the pinned commit, or the commit a branch
        resolved to while weightCache.refresh (CACHE_REFRESH) is what it was then, when its marker holds
        for the same download filters and no file changed since it was verified. A restart of the pod
        that fills a node's copy then needs no hub, and a branch stays pinned until the token changes."""
        if self.stream_to:
            return None  # the bucket's copy is checked against the hub's hashes on every run
        ref = self.ref_path()
        pinned = hub_manifest.COMMIT.match(self.requested)
        if not pinned and (read(ref + ".refresh") or "") != self.refresh:
            return None
        commit = self.requested if pinned else read(ref)
        marker = read_json(self.marker(commit)) if commit else None
        if not isinstance(marker, dict) or not isinstance(marker.get("files"), dict) or marker.get("patterns", []) != self.patterns:
            return None
        files = [{"path": p, "size": v[0]} for p, v in sorted(marker["files"].items()) if isinstance(v, list) and v]
        if self.changed_files(commit, files) != []:
            return None
        return commit, files

    def run(self, args):
        previous = self.previous()
        hit = self.settled()
        if hit:
            commit, files = hit
            total = sum(e["size"] for e in files)
            log(
                "cache complete for %s@%s: unchanged since it was verified, nothing fetched or re-read (the hub is not "
                "asked%s)" % (self.repo, commit, "" if commit == self.requested else "; %s stays on it until weightCache.refresh changes" % self.requested)
            )
            self.status(commit, "complete", "unchanged since verified", total, total, 0)
            self.finish(commit, previous)
            return
        try:
            m = hub_manifest.manifest(self.hub, self.repo, self.requested, self.patterns)
        except hub_manifest.HubProblem as e:
            raise Failed(str(e))
        commit = m["revision"]
        try:
            files = verify_checkpoint.checked_files(m, "of %s@%s" % (self.repo, commit))
        except verify_checkpoint.ManifestError as e:
            raise Failed(str(e))
        # Recorded before anything is downloaded: the engine's wait step reads it; with the refresh token
        # it was resolved under (the next run with the same token serves this commit without the hub).
        write_atomic(self.ref_path(), commit + "\n")
        write_atomic(self.ref_path() + ".refresh", self.refresh)
        log("%s lists %d files for %s@%s (%s resolves to %s)" % (self.hub, len(files), self.repo, commit, self.requested, commit))
        total = sum(e["size"] for e in files)

        changed = self.changed_files(commit, files) if os.path.exists(self.marker(commit)) else None
        if changed == []:
            log("cache complete for %s@%s: unchanged since it was verified, nothing fetched or re-read" % (self.repo, commit))
            self.status(commit, "complete", "unchanged since verified", total, total, 0)
            self.finish(commit, previous)
            self.mirror(commit, files)
            return
        if changed:
            for rel, now, was in changed[:20]:
                log("changed since verified: %s (now %s, verified %s)" % (rel, now and now[0], was and was[0]))
            self.drop_marker(commit, "%d file(s) changed since it was verified" % len(changed))
            remove(self.verified_path(commit))
        elif changed is None:
            self.drop_marker(commit, "unreadable")  # a marker without the files it vouches for

        self.adopt_legacy_dir(commit)
        verified = read_json(self.verified_path(commit)) or {}
        free = shutil.disk_usage(self.root).free
        need = total - self.bytes_done(commit, files)
        if need > free:
            host_path = os.environ.get("CACHE_HOST_PATH")
            fix = (
                "The node's directory %s is too small: on a Karpenter node it belongs on the instance store's RAID0 "
                "array (EC2NodeClass instanceStorePolicy: RAID0 mounts it at /mnt/k8s-disks/0), or set weightCache.mode "
                "volume" % host_path
                if host_path
                else "Grow the claim (weightCache.size) to hold the new revision next to the old one"
            )
            raise Failed(
                "the %s has %s free and %s@%s needs %s more; every complete revision on it stays as it is. %s"
                % ("node's disk" if host_path else "volume", gb(free), self.repo, commit, gb(need), fix)
            )
        for round_ in range(self.repairs + 1):
            self.transition(commit, "downloading", "repair round %d of %d" % (round_, self.repairs) if round_ else "")
            self.run_client(commit, files, args)
            self.transition(commit, "verifying")
            root = self.checkpoint(commit)
            skip = set()
            for rel, st in verified.items():
                try:
                    s = os.stat(os.path.join(root, rel))
                    if [s.st_size, s.st_mtime_ns] == st:
                        skip.add(rel)
                except OSError:
                    pass
            problems, bad, good = verify_checkpoint.check(root, files, self.jobs, skip)
            verified = {k: v for k, v in verified.items() if k in skip}
            verified.update(good)
            write_atomic(self.verified_path(commit), json.dumps(verified, sort_keys=True))
            log("verify: %d file(s) checked, %d verified earlier and unchanged, %d problem(s)" % (len(files) - len(skip), len(skip), len(problems)))
            for p in problems:
                log("verify: " + p)
            if not problems:
                break
            reasons = {p.split(": ", 1)[1].split(" ")[0].rstrip(","): p for p in problems if ": " in p}
            if not bad or round_ == self.repairs:
                self.transition(commit, "corrupt", "; ".join(problems[:5]))
                raise Failed(
                    "%s@%s is corrupt after %d fresh download(s) of the failing files: %s. The hub's copy or its listing is "
                    "inconsistent; no marker is written and the engine does not start on it (any earlier complete revision is kept)"
                    % (self.repo, commit, round_, "; ".join(problems[:5]))
                )
            for rel in bad:
                self.delete_file(commit, rel, reasons.get(rel, "failed verification"))
                verified.pop(rel, None)
            write_atomic(self.verified_path(commit), json.dumps(verified, sort_keys=True))
        marker = {
            "repo": self.repo,
            "requested": self.requested,
            "revision": commit,
            "verifiedAt": int(time.time()),
            "patterns": self.patterns,
            "files": verified,
        }
        write_atomic(self.marker(commit), json.dumps(marker, sort_keys=True) + "\n")
        self.status(commit, "complete", "", total, total, 0)
        log("state: %s@%s: complete (%d files, %s)" % (self.repo, commit, len(files), gb(total)))
        self.finish(commit, previous)
        log("cache complete for %s@%s" % (self.repo, commit))
        self.mirror(commit, files)

    def mirror(self, commit, files):
        """engine.streamFrom: the verified revision copied to the bucket and checked (mirror_to_bucket.py)."""
        if not self.stream_to:
            return
        try:
            mirror_to_bucket.mirror(self.stream_to, self.checkpoint(commit), files, self.mirrored_path(commit), log)
        except mirror_to_bucket.MirrorProblem as e:
            raise Failed(str(e))
        except Exception as e:  # credentials, permissions, the network: the Job's next pod retries
            raise Failed(
                "copying %s@%s to %s failed: %s: %s; the engine does not stream from it until the copy is verified "
                "(the Job's next pod retries; the pod's service account needs s3:PutObject and s3:GetObject there)"
                % (self.repo, commit, self.stream_to, type(e).__name__, e)
            )


def main(argv):
    try:
        Cache(os.environ).run(argv)
    except Failed as e:
        print(LOG + str(e), file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
