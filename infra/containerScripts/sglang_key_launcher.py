import dataclasses, os, runpy, secrets, sys
argv = ["sglang.launch_server", *sys.argv[1:]]
key = os.environ.pop("SGLANG_API_KEY", None)
if key is not None:
    if not key:
        sys.exit("SGLANG_API_KEY is empty: the Secret of the API key holds no key")
    argv += ["--api-key", key]
try:
    from sglang.srt.server_args import ServerArgs
    admin = "admin_api_key" in {f.name for f in dataclasses.fields(ServerArgs)}
except Exception:
    admin = False
if admin:
    argv += ["--admin-api-key", secrets.token_urlsafe(32)]
else:
    print("glm-serving: this SGLang has no --admin-api-key: its admin endpoints answer whoever holds the API key", file=sys.stderr)
sys.argv = argv
runpy.run_module("sglang.launch_server", run_name="__main__", alter_sys=True)
