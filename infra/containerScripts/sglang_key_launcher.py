import dataclasses, os, runpy, secrets, signal, sys
argv = ["sglang.launch_server", *sys.argv[1:]]
key = os.environ.pop("SGLANG_API_KEY", None)
if key is not None:
    if not key:
        sys.exit("SGLANG_API_KEY is empty: the Secret of the API key holds no key")
    argv += ["--api-key", key]
admin_key = secrets.token_urlsafe(32)
hidden = [k.encode() for k in (key, admin_key) if k]


def redact(data):
    for k in hidden:
        data = data.replace(k, b"[redacted]")
    return data


def pump(source, target):
    # Copies what the server and every process it starts write, line by line, with the keys replaced.
    # A line longer than 64 KiB is passed on in pieces, keeping back enough bytes that a key split
    # across two reads is still found.
    keep = max(len(k) for k in hidden) - 1
    pending = b""
    while True:
        chunk = os.read(source, 65536)
        if not chunk:
            break
        pending += chunk
        cut = pending.rfind(b"\n") + 1
        if cut == 0 and len(pending) > 65536:
            cut = len(pending) - keep
        out, pending = redact(pending[:cut]), pending[cut:]
        while out:
            out = out[os.write(target, out):]
    out = redact(pending)
    while out:
        out = out[os.write(target, out):]


# SGLang logs its server arguments, keys included, at start (and its scheduler processes may again).
# Standard output and error, which every process the server starts inherits, go through one small
# process each that writes them on with the keys replaced; it ends when the last writer has closed.
for fd in (1, 2):
    read_end, write_end = os.pipe()
    if os.fork() == 0:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        os.close(write_end)
        target = os.dup(fd)
        os.close(1)
        os.close(2)
        pump(read_end, target)
        os._exit(0)
    os.dup2(write_end, fd)
    os.close(write_end)
    os.close(read_end)
try:
    from sglang.srt.server_args import ServerArgs
    admin = "admin_api_key" in {f.name for f in dataclasses.fields(ServerArgs)}
except Exception:
    admin = False
if admin:
    argv += ["--admin-api-key", admin_key]
else:
    print("glm-serving: this SGLang has no --admin-api-key: its admin endpoints answer whoever holds the API key", file=sys.stderr)
sys.argv = argv
runpy.run_module("sglang.launch_server", run_name="__main__", alter_sys=True)
