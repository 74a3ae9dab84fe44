import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stackManifests } from "../infra/k8s/manifests";
import { SMOKE_SCRIPT } from "../infra/k8s/smokeTest";
import { specFrom } from "./helpers";

/** The smoke script runs for real in python3, against a stand-in API on loopback. */
let server: Server;
let base = "";
let reply: unknown = {};
const seen: { auth?: string; body?: unknown }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      seen.push({ auth: req.headers.authorization, body: JSON.parse(data || "{}") });
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

function smoke(env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const p = spawn("python3", ["-c", SMOKE_SCRIPT], {
      env: {
        PATH: process.env["PATH"],
        API_URL: base,
        SERVED_MODEL: "glm-5-fp8",
        PROMPT: "ping",
        MAX_TOKENS: "16",
        ...env,
      },
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (status) => ok({ status, stdout, stderr }));
  });
}

describe("smoke test", () => {
  it("passes when the model answers, sending the served name and the API key", async () => {
    reply = { choices: [{ message: { role: "assistant", content: "ready" } }] };
    const r = await smoke({ API_KEY: "sk-test" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("glm-serving: smoke test passed: glm-5-fp8 answered 'ready'\n");
    expect(seen.at(-1)).toEqual({
      auth: "Bearer sk-test",
      body: {
        model: "glm-5-fp8",
        max_tokens: 16,
        messages: [{ role: "user", content: "ping" }],
        // GLM thinks by default; the smoke test asks for the answer.
        chat_template_kwargs: { enable_thinking: false },
      },
    });
  });

  it("accepts a reasoning trace as current vLLM returns it (reasoning) and as older engines did (reasoning_content)", async () => {
    for (const key of ["reasoning", "reasoning_content"]) {
      reply = { choices: [{ message: { role: "assistant", content: null, [key]: "The user wants one word" } }] };
      const r = await smoke({});
      expect(r.status).toBe(0);
      expect(r.stdout).toBe("glm-serving: smoke test passed: glm-5-fp8 answered 'The user wants one word'\n");
    }
  });

  it("fails when the model returns no text", async () => {
    reply = { choices: [{ message: { role: "assistant", content: "" } }] };
    const r = await smoke({});
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^glm-serving: smoke test: the model returned no text: /);
  });

  it("fails when the API cannot be reached", async () => {
    const r = await smoke({ API_URL: "http://127.0.0.1:1/v1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^glm-serving: smoke test: the request failed: /);
  });

  it("the Job runs in the engine's image after /health answers, named after what it tests", () => {
    const job = stackManifests(specFrom({ smokeTest: { enabled: true } }, "s")).smokeTestJob!;
    const pod = job.spec!.template.spec!;
    expect(job.metadata!.name).toMatch(/^s-engine-smoke-[0-9a-f]{8}$/);
    expect(pod.initContainers![0]!.env).toContainEqual({
      name: "ENGINE_HEALTH_URL",
      value: "http://s.s.svc.cluster.local:8000/health",
    });
    expect(pod.containers[0]!.image).toBe("vllm/vllm-openai:glm5");
    expect(pod.containers[0]!.env).toContainEqual({
      name: "API_URL",
      value: "http://s.s.svc.cluster.local:8000/v1",
    });
    const other = stackManifests(
      specFrom({ smokeTest: { enabled: true }, model: { revision: "1".repeat(40) } }, "s"),
    ).smokeTestJob!;
    expect(other.metadata!.name).not.toBe(job.metadata!.name);
  });
});
