import os, runpy, sys
key = os.environ.pop("SGLANG_API_KEY", "")
if not key: sys.exit("SGLANG_API_KEY is empty: the credentials Secret has no api-key")
sys.argv = ["sglang.launch_server", *sys.argv[1:], "--api-key", key]
runpy.run_module("sglang.launch_server", run_name="__main__", alter_sys=True)
