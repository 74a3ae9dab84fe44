"""Copies a verified revision to the bucket vLLM streams it from (engine.streamFrom), and verifies the copy.

Run by weight_cache.py after it wrote the revision's marker, when STREAM_TO names the copy's URI
(s3://<bucket>/<prefix>/<commit>/, the last segment the commit, as the config rules demand). For each
file the marker vouches for, the object <prefix>/<path>:

- is left alone when it already has the verified size and, in its metadata, the verified hash
  (glm-serving-sha256 for LFS files, glm-serving-blob-id for the rest): a re-run reads nothing;
- is uploaded otherwise (boto3's upload_file, multipart for large files). boto3 computes a checksum
  of every part it sends and S3 refuses a part whose bytes do not match it (botocore's default
  request_checksum_calculation "when_supported", botocore >= 1.36), so a transfer cannot corrupt it;
- is then read back by HEAD: its size must be the verified size and its metadata the verified hash.

Only when every object passed is <commit>.mirrored written (JSON: uri, and each file's size and hash)
in the cache's state directory; the engine's wait step requires it, naming the same URI, before vLLM
streams from the bucket. Anything else is a MirrorProblem: one line, the marker left unwritten.

Credentials: boto3's default chain (the pod's service account through IRSA or EKS Pod Identity).
"""
import json
import os


class MirrorProblem(Exception):
    pass


def split(uri):
    if not uri.startswith("s3://"):
        raise MirrorProblem("%s: only s3:// copies are made by this step" % uri)
    bucket, _, prefix = uri[len("s3://"):].partition("/")
    return bucket, prefix.strip("/")


def expected_metadata(entry):
    if entry.get("sha256"):
        return {"glm-serving-sha256": entry["sha256"]}
    if entry.get("blobId"):
        return {"glm-serving-blob-id": entry["blobId"]}
    return {}


def head(s3, bucket, key):
    try:
        return s3.head_object(Bucket=bucket, Key=key)
    except Exception as e:  # botocore's ClientError (404) or a fake's KeyError: not there
        if getattr(e, "response", {}).get("Error", {}).get("Code") not in (None, "404", "NoSuchKey", "NotFound"):
            raise
        return None


def matches(h, entry):
    meta = (h or {}).get("Metadata") or {}
    return h is not None and h.get("ContentLength") == entry["size"] and all(
        meta.get(k) == v for k, v in expected_metadata(entry).items()
    )


def mirror(uri, root, files, marker_path, log, s3=None):
    """Uploads what is missing or different, verifies every object, then writes the marker."""
    if s3 is None:
        import boto3

        s3 = boto3.client("s3")
    bucket, prefix = split(uri)
    copied = kept = 0
    for e in files:
        key = "%s/%s" % (prefix, e["path"]) if prefix else e["path"]
        if matches(head(s3, bucket, key), e):
            kept += 1
            continue
        s3.upload_file(os.path.join(root, e["path"]), bucket, key, ExtraArgs={"Metadata": expected_metadata(e)})
        copied += 1
        after = head(s3, bucket, key)
        if not matches(after, e):
            raise MirrorProblem(
                "s3://%s/%s is %s after its upload, not the verified %d bytes%s; the copy stays unverified and "
                "the engine does not stream from it"
                % (bucket, key, "missing" if after is None else "%s bytes" % after.get("ContentLength"), e["size"],
                   "" if not expected_metadata(e) else " with its hash")
            )
    body = {
        "uri": uri,
        "files": {e["path"]: [e["size"], next(iter(expected_metadata(e).values()), None)] for e in files},
    }
    tmp = "%s.tmp.%d" % (marker_path, os.getpid())
    with open(tmp, "w") as f:
        f.write(json.dumps(body, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, marker_path)
    log("mirror: %s holds the verified revision (%d file(s) copied, %d already there)" % (uri, copied, kept))
