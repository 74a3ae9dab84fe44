import json, os, sys
from glm_serving_common import post_chat
body = json.dumps({"model": os.environ["SERVED_MODEL"], "max_tokens": int(os.environ["MAX_TOKENS"]),
                   "messages": [{"role": "user", "content": os.environ["PROMPT"]}],
                   "chat_template_kwargs": {"enable_thinking": False}}).encode()
reply = post_chat(body, "smoke test")
message = (reply.get("choices") or [{}])[0].get("message") or {}
text = (message.get("content") or message.get("reasoning") or message.get("reasoning_content") or "").strip()
if not text:
    print("glm-serving: smoke test: the model returned no text: %s" % json.dumps(reply)[:500], file=sys.stderr)
    sys.exit(1)
print("glm-serving: smoke test passed: %s answered %r" % (os.environ["SERVED_MODEL"], text[:200]))
