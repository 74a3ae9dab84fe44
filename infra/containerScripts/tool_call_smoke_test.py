import json, os, sys
from glm_serving_common import post_chat
tool = {"type": "function", "function": {"name": "get_weather", "description": "Current weather of a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
body = json.dumps({"model": os.environ["SERVED_MODEL"], "max_tokens": int(os.environ["MAX_TOKENS"]), "tools": [tool],
                   "messages": [{"role": "user", "content": "What is the weather in Paris? Use the tool."}]}).encode()
reply = post_chat(body, "tool-call smoke test")
message = (reply.get("choices") or [{}])[0].get("message") or {}
calls = [c for c in message.get("tool_calls") or [] if (c.get("function") or {}).get("name") == "get_weather"]
try:
    arguments = json.loads(calls[0]["function"]["arguments"]) if calls else None
except ValueError:
    arguments = None
if not isinstance(arguments, dict):
    print("glm-serving: tool-call smoke test: no get_weather call with JSON arguments: %s" % json.dumps(reply)[:500], file=sys.stderr)
    sys.exit(1)
print("glm-serving: tool-call smoke test passed: %s called get_weather(%s)" % (os.environ["SERVED_MODEL"], json.dumps(arguments)))
