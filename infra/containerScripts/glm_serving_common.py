"""Helpers the container scripts share: one definition each, for every script of this folder.

Not shipped as a module of its own. The scripts run where nothing else of this project is: inline
(`python3 -c <text>`) in an engine's or a tools image, or from a ConfigMap. So a script names what it
uses in one line, `from glm_serving_common import a, b`, and infra/containerScripts/index.ts puts the
definitions of a and b in place of that line when it reads the script at build time (each definition
is the block from its `def` to the next line that starts in column 0). Run from this folder, the same
line is an ordinary import. A helper uses only the modules every script here imports (json, os, sys)
or imports its own; the tests lint each script as it is shipped, which catches a name left undefined.
Standard library only.
"""
import json
import os
import sys


def write_atomic(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def read_json(path):
    text = read(path)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def remove(path):
    try:
        os.remove(path)
        return True
    except FileNotFoundError:
        return False


def post_chat(body, what):
    """POSTs a chat completion to API_URL (API_KEY, when set, as the bearer token): the reply as JSON,
    or exit 1 with a line naming `what` when the request fails. It imports urllib itself, so a script
    that uses it need not."""
    import urllib.request

    headers = {"Content-Type": "application/json"}
    if os.environ.get("API_KEY"):
        headers["Authorization"] = "Bearer " + os.environ["API_KEY"]
    request = urllib.request.Request(os.environ["API_URL"] + "/chat/completions", data=body, headers=headers)
    try:
        return json.load(urllib.request.urlopen(request, timeout=600))
    except Exception as e:
        print("glm-serving: %s: the request failed: %s" % (what, e), file=sys.stderr)
        sys.exit(1)
