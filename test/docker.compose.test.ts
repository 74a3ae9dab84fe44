import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { composeFile } from "../infra/docker/compose";
import { dockerProject } from "../infra/docker/container";
import { timeBudgets } from "../infra/planner/budgets";
import { cacheScriptFiles, DOWNLOAD_SCRIPT } from "../infra/k8s/weightCache";
import { runProgram } from "../infra/render/runProgram";
import { readStackFile } from "../infra/render/stackFile";
import { REPO_ROOT, specFrom, STACKS_DIR, stackSpec } from "./helpers";

/** The Compose Specification's schema (test/fixtures/compose-spec/README.md says where it is from). */
const SCHEMA = JSON.parse(
  readFileSync(join(REPO_ROOT, "test", "fixtures", "compose-spec", "compose-spec.json"), "utf8"),
);
// It names draft-07 by its https address, which ajv (draft-07 by default) registers under http.
delete SCHEMA.$schema;
// The schema's own formats (durations, ports) are not JSON Schema's: checked by the tests below instead.
const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(SCHEMA);

const DOCKER_STACKS = ["h200-docker", "glm51-llamacpp-docker"];
const rendered = (stack: string) => parse(readFileSync(join(REPO_ROOT, "rendered", stack, "compose.yaml"), "utf8"));

/** Compose reads `$$` as a literal `$`: what the container receives. */
const unescape = (s: string) => s.replace(/\$\$/g, "$");

describe("Docker stacks render a Compose file", () => {
  for (const stack of DOCKER_STACKS) {
    it(`rendered/${stack}/compose.yaml validates against the Compose Specification's schema`, () => {
      const ok = validate(rendered(stack));
      expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
      expect(ok).toBe(true);
    });

    it(`${stack}: the verified download runs first, the engine only after it exited 0`, () => {
      const c = rendered(stack);
      expect(Object.keys(c.services)).toEqual(["weights", "engine"]);
      expect(c.services.engine.depends_on).toEqual({ weights: { condition: "service_completed_successfully" } });
      expect(c.services.weights.restart).toBe("no");
      expect(c.services.weights.deploy).toBeUndefined();
      expect(c.services.engine.deploy.resources.reservations.devices).toEqual([
        { driver: "nvidia", count: "all", capabilities: ["gpu"] },
      ]);
      expect(c.services.engine.volumes[0].read_only).toBe(true);
      expect(c.services.engine.environment["HF_HUB_OFFLINE"] ?? "1").toBe("1");
    });

    it(`${stack}: the download is the Kubernetes cache's: its command and scripts, byte for byte`, () => {
      const c = rendered(stack);
      expect(c.services.weights.entrypoint.map(unescape)).toEqual(["/bin/sh", "-c", DOWNLOAD_SCRIPT, "download"]);
      const scripts = cacheScriptFiles();
      expect(c.services.weights.configs.map((m: { target: string }) => m.target)).toEqual(
        Object.keys(scripts).map((f) => `/opt/glm-serving/${f}`),
      );
      for (const [file, content] of Object.entries(scripts))
        expect(unescape(c.configs[`weights-${file}`].content)).toBe(content);
    });
  }

  it("the file is the pure project: rendering it again from the spec gives the same services", () => {
    const spec = stackSpec("glm51-llamacpp-docker");
    const compose = composeFile(spec, dockerProject(spec, timeBudgets(spec))) as { services: Record<string, unknown> };
    expect(compose.services).toEqual(rendered("glm51-llamacpp-docker").services);
    const weights = compose.services["weights"] as { command: string[] };
    expect(weights.command).toEqual(["--include", "UD-IQ3_XXS/*"]);
  });

  it("secrets come from the environment docker compose runs in, never the file", () => {
    const spec = specFrom({ target: "docker", engine: { kind: "sglang" }, hfToken: "t", apiKey: "k" }, "x", [
      "hfToken",
      "apiKey",
    ]);
    const c = composeFile(spec, dockerProject(spec, timeBudgets(spec))) as {
      services: Record<string, { environment: Record<string, string>; command?: string[] }>;
    };
    expect(c.services["weights"]!.environment["HF_TOKEN"]).toBe(
      "${HF_TOKEN:?the Hugging Face token (hfToken): export HF_TOKEN or set it in .env}",
    );
    expect(c.services["engine"]!.environment["SGLANG_API_KEY"]).toBe(
      "${SGLANG_API_KEY:?the API key clients send (apiKey): export SGLANG_API_KEY or set it in .env}",
    );
    // The key is in the environment only: SGLang's launcher adds --api-key in-process (engines/sglang/index.ts).
    const argv = c.services["engine"]!.command!;
    expect(argv).not.toContain("--api-key");
    expect(JSON.stringify(argv)).not.toContain("SGLANG_API_KEY:?");
    expect(JSON.stringify(c)).not.toMatch(/"(t|k)"/);
    expect(validate(c)).toBe(true);
  });

  it("the Pulumi path creates the same containers in the same order, the engine after the download", async () => {
    const f = readStackFile(STACKS_DIR, "glm51-llamacpp-docker");
    const { resources } = await runProgram("glm51-llamacpp-docker", f.values, f.secretKeys);
    const containers = resources.filter((r) => r.type === "docker:index/container:Container");
    expect(containers.map((r) => r.name)).toEqual(["glm51-llamacpp-docker-weights", "glm51-llamacpp-docker-engine"]);
    const c = rendered("glm51-llamacpp-docker");
    const [weights, engine] = containers.map((r) => r.inputs);
    expect(weights!["image"]).toBe(c.services.weights.image);
    expect(weights!["entrypoints"]).toEqual(c.services.weights.entrypoint.map(unescape));
    expect(weights!["attach"]).toBe(true);
    expect(weights!["mustRun"]).toBe(false);
    expect((weights!["uploads"] as { file: string }[]).map((u) => u.file)).toEqual(
      c.services.weights.configs.map((m: { target: string }) => m.target),
    );
    expect(engine!["image"]).toBe(c.services.engine.image);
    expect(engine!["command"]).toEqual(c.services.engine.command.map(unescape));
    expect(resources.filter((r) => r.type === "docker:index/remoteImage:RemoteImage").map((r) => r.name)).toEqual([
      "glm51-llamacpp-docker-weights-image",
      "glm51-llamacpp-docker-engine-image",
    ]);
  });
});
