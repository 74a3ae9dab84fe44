import os, sys, time, urllib.request
url = os.environ["ENGINE_HEALTH_URL"]
deadline = time.time() + int(os.environ["WAIT_SECONDS"])
while True:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            if r.status == 200:
                print("glm-serving: engine ready at " + url, flush=True)
                sys.exit(0)
            last = "HTTP %d" % r.status
    except Exception as e:
        last = str(e)
    if time.time() > deadline:
        print("glm-serving: engine at %s not ready after %s s (%s)" % (url, os.environ["WAIT_SECONDS"], last), file=sys.stderr)
        sys.exit(1)
    print("glm-serving: waiting for the engine at %s (%s)" % (url, last), flush=True)
    time.sleep(15)
