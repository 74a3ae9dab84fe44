import { describe, expect, it } from "vitest";
import { SGLANG_COMMAND, SGLANG_KEY_LAUNCHER, sglangArgs } from "../infra/engines/sglang";
import { sglangDriver } from "../infra/engines/sglang";
import { stackManifests } from "../infra/k8s/manifests";
import { timeBudgets } from "../infra/planner/budgets";
import { readStackFile } from "../infra/render/stackFile";
import { loadSpec } from "../infra/config/load";
import type { ServingSpec } from "../infra/config/spec";
import type { SglangEngineConfig } from "../infra/engines/sglang/schema";
import {
  configErrorOf,
  deploymentOf,
  engineSpecFrom,
  HAVE_SHARED,
  SKIP_SHARED_REASON,
  seedCommand,
  STACKS_DIR,
  withoutRevision,
} from "./helpers";
import { processEnvVar } from "../infra/k8s/secret";

const PINNED = "7ca2d2f1f1703aa0b189977fe3c126caf18b70e1";
function stack(name: string) {
  const f = readStackFile(STACKS_DIR, name);
  const spec = loadSpec({ stack: name, values: f.values, secretKeys: new Set(f.secretKeys) });
  if (spec.engine.kind !== "sglang") throw new Error("not sglang");
  return spec as ServingSpec & { engine: SglangEngineConfig };
}
/** Seed 003 / seed 000 flags, as written there (from --model-path on). */
const SEED_FLAGS = [
  "--tp-size",
  "8",
  "--tool-call-parser",
  "glm47",
  "--reasoning-parser",
  "glm45",
  "--speculative-algorithm",
  "EAGLE",
  "--speculative-num-steps",
  "3",
  "--speculative-eagle-topk",
  "1",
  "--speculative-num-draft-tokens",
  "4",
  "--mem-fraction-static",
  "0.85",
  "--served-model-name",
  "glm-5-fp8",
];

/**
 * b200-sglang's one stated deviation from seed 003 (README, stacks table): `--enable-metrics`, since
 * SGLang serves /metrics only with it and the stack is monitored (ServiceMonitor, alerts, dashboard).
 */
const B200_SEED_EXCEPTION = "--enable-metrics";
/** b200-sglang's argv without the revision and without its one stated exception (which must be there once). */
function b200SeedArgv(argv: readonly string[]): string[] {
  const rest = withoutRevision(argv);
  expect(rest.filter((a) => a === B200_SEED_EXCEPTION)).toEqual([B200_SEED_EXCEPTION]);
  return rest.filter((a) => a !== B200_SEED_EXCEPTION);
}

describe("SGLang argv", () => {
  it("b200-sglang reproduces seed 003's launch_server flags, plus the pinned revision and --enable-metrics", () => {
    const argv = sglangArgs(stack("b200-sglang"));
    expect(withoutRevision(argv)).toEqual([
      "--model-path",
      "zai-org/GLM-5-FP8",
      "--host",
      "0.0.0.0",
      "--port",
      "8000",
      ...SEED_FLAGS,
      B200_SEED_EXCEPTION,
    ]);
    expect(argv.slice(-2)).toEqual(["--revision", PINNED]);
    // The seeds' command, which the launcher runs in-process (SGLANG_KEY_LAUNCHER, tested in credentials.scan).
    expect([...SGLANG_COMMAND]).toEqual(["python3", "-m", "sglang.launch_server"]);
    expect(SGLANG_KEY_LAUNCHER).toContain('runpy.run_module("sglang.launch_server", run_name="__main__"');
  });

  it("h200-sglang reproduces seed 000's SGLang flags, plus --host/--port (SGLang's defaults are unreachable from a Service)", () => {
    const argv = withoutRevision(sglangArgs(stack("h200-sglang")));
    const [host, port] = [argv.slice(2, 4), argv.slice(4, 6)];
    expect(host).toEqual(["--host", "0.0.0.0"]);
    expect(port).toEqual(["--port", "8000"]);
    expect([...argv.slice(0, 2), ...argv.slice(6)]).toEqual(["--model-path", "zai-org/GLM-5-FP8", ...SEED_FLAGS]);
  });

  it.skipIf(!HAVE_SHARED)(
    `matches the commands in ../shared/seeds/003 and 000 (${HAVE_SHARED ? "present" : SKIP_SHARED_REASON})`,
    () => {
      // Seed 003 runs `python -m sglang.launch_server` in the image; the image's python is python3.
      const seed003 = seedCommand("003_794c08be5bc17e71.txt", "python -m sglang.launch_server");
      // Flag for flag, but for the one stated exception (B200_SEED_EXCEPTION), which the seed lacks.
      expect(seed003).not.toContain(B200_SEED_EXCEPTION);
      expect(b200SeedArgv(sglangArgs(stack("b200-sglang")))).toEqual(seed003.slice(3));
      const seed000 = seedCommand("000_64bd8d7cd27d4e48.txt", "python3 -m sglang.launch_server");
      const ours = withoutRevision(sglangArgs(stack("h200-sglang")));
      expect([...ours.slice(0, 2), ...ours.slice(6)]).toEqual(seed000.slice(3));
    },
  );

  it("h200-glm51-sglang: seed 001's GLM-5.1 SGLang command, plus --host/--port", () => {
    const argv = withoutRevision(sglangArgs(stack("h200-glm51-sglang")));
    expect(argv).toEqual([
      "--model-path",
      "zai-org/GLM-5.1-FP8",
      "--host",
      "0.0.0.0",
      "--port",
      "8000",
      "--tp-size",
      "8",
      "--tool-call-parser",
      "glm47",
      "--reasoning-parser",
      "glm45",
      "--speculative-algorithm",
      "EAGLE",
      "--speculative-num-steps",
      "3",
      "--speculative-eagle-topk",
      "1",
      "--speculative-num-draft-tokens",
      "4",
      "--mem-fraction-static",
      "0.88",
      "--context-length",
      "65536",
      "--served-model-name",
      "glm-5.1",
    ]);
  });

  it.skipIf(!HAVE_SHARED)(
    `h200-glm51-sglang matches the command in ../shared/seeds/001 (${HAVE_SHARED ? "present" : SKIP_SHARED_REASON})`,
    () => {
      const seed001 = seedCommand("001_7abee53d21b9f263.txt", "python3 -m sglang.launch_server");
      const ours = withoutRevision(sglangArgs(stack("h200-glm51-sglang")));
      expect([...ours.slice(0, 2), ...ours.slice(6)]).toEqual(seed001.slice(3));
    },
  );

  it("picks the image of the GPU generation, and the shared memory SGLang asks for", () => {
    const b200 = deploymentOf(stackManifests(stack("b200-sglang"))).spec!.template.spec!;
    const h200 = deploymentOf(stackManifests(stack("h200-sglang"))).spec!.template.spec!;
    expect(b200.containers[0]!.image).toBe("lmsysorg/sglang:glm5-blackwell");
    expect(h200.containers[0]!.image).toBe("lmsysorg/sglang:glm5-hopper");
    // Every SGLang container starts through the launcher: keys off the argv, admin endpoints closed.
    expect(b200.containers[0]!.command).toEqual(["python3", "-c", SGLANG_KEY_LAUNCHER]);
    expect(b200.volumes![1]).toEqual({ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "32Gi" } });
    expect(b200.containers[0]!.env).toEqual([
      { name: "HF_HOME", value: "/root/.cache/huggingface" },
      { name: "HF_HUB_OFFLINE", value: "1" },
      // Closed: the key from the Secret the stack names, read by the launcher (never on the argv).
      { name: "SGLANG_API_KEY", valueFrom: { secretKeyRef: { name: "b200-sglang-api-key", key: "api-key" } } },
      // Where the compilers keep their caches (on the cache volume, compileCache.ts).
      { name: "TORCHINDUCTOR_CACHE_DIR", value: "/var/cache/glm-serving-compile/inductor" },
      { name: "TRITON_CACHE_DIR", value: "/var/cache/glm-serving-compile/triton" },
      { name: "FLASHINFER_WORKSPACE_BASE", value: "/var/cache/glm-serving-compile/flashinfer" },
      { name: "DG_JIT_CACHE_DIR", value: "/var/cache/glm-serving-compile/deep_gemm" },
      { name: "SGLANG_DG_CACHE_DIR", value: "/var/cache/glm-serving-compile/deep_gemm" },
    ]);
  });

  it("keeps the API key off every command line: a launcher reads SGLANG_API_KEY from the Secret and adds --api-key in-process", () => {
    const spec = engineSpecFrom("sglang", { engine: { kind: "sglang" }, apiKey: "k" }, "s", ["apiKey"]);
    const c = sglangDriver.process(spec, timeBudgets(spec));
    expect(c.args).not.toContain("--api-key");
    expect(c.args.join(" ")).not.toMatch(/\$\(/);
    expect(c.command).toEqual(["python3", "-c", SGLANG_KEY_LAUNCHER]);
    // The same flags as without a key: only the command differs.
    const open = engineSpecFrom("sglang", { engine: { kind: "sglang" } }, "s");
    expect(c.args).toEqual(sglangDriver.process(open, timeBudgets(open)).args);
    // Target-neutral: a reference to the credential, which the Kubernetes target renders as a secretKeyRef.
    expect(c.env).toContainEqual({ name: "SGLANG_API_KEY", secret: "api-key" });
    expect(c.env.map((e) => processEnvVar(spec, e))).toContainEqual({
      name: "SGLANG_API_KEY",
      valueFrom: { secretKeyRef: { name: "s-credentials", key: "api-key" } },
    });
  });
});

describe("SGLang consistency checks", () => {
  it("draft tokens must be steps + 1 when top-k is 1 (SGLang would override silently)", () => {
    expect(
      configErrorOf(() =>
        engineSpecFrom("sglang", {
          engine: { kind: "sglang", speculative: { algorithm: "EAGLE", numSteps: 3, eagleTopk: 1, numDraftTokens: 5 } },
        }),
      ),
    ).toBe(
      [
        'Stack "test" has 1 problem in its configuration (stacks/Pulumi.test.yaml):',
        "  - glm-serving:engine.speculative.numDraftTokens = 5",
        "      allowed: numSteps + 1 = 4 when eagleTopk is 1 (a chain of 3 draft steps; SGLang would override anything else)",
        "      fix:     set engine.speculative.numDraftTokens to 4",
      ].join("\n"),
    );
  });

  it("with a wider tree, no more draft tokens than the tree has candidates", () => {
    const spec = (numDraftTokens: number) =>
      engineSpecFrom("sglang", {
        engine: { kind: "sglang", speculative: { algorithm: "EAGLE", numSteps: 3, eagleTopk: 2, numDraftTokens } },
      });
    // 2 at the first step, 2 x 2 at each of the two later ones: 10 candidates, plus the root.
    expect(spec(11).engine).toMatchObject({ speculative: { numDraftTokens: 11 } });
    expect(configErrorOf(() => spec(64))).toBe(
      [
        'Stack "test" has 1 problem in its configuration (stacks/Pulumi.test.yaml):',
        "  - glm-serving:engine.speculative.numDraftTokens = 64",
        "      allowed: at most 11 with eagleTopk 2 and numSteps 3 (the root plus 10 candidate tokens of the draft tree)",
        "      fix:     set engine.speculative.numDraftTokens to 11 or less, or raise numSteps or eagleTopk",
      ].join("\n"),
    );
  });

  it("parsers come from SGLang's own choices (vLLM's names are not SGLang's)", () => {
    const message = configErrorOf(() =>
      engineSpecFrom("sglang", { engine: { kind: "sglang", toolCallParser: "deepseek_v31" } }),
    );
    expect(message).toContain('glm-serving:engine.toolCallParser = "deepseek_v31"');
    expect(message).toContain("fix:     set engine.toolCallParser to deepseekv31");
  });

  it("a ServiceMonitor needs --enable-metrics", () => {
    expect(
      configErrorOf(() =>
        engineSpecFrom("sglang", { engine: { kind: "sglang" }, monitoring: { serviceMonitor: true } }),
      ),
    ).toContain(
      "  - glm-serving:engine.enableMetrics = false\n      allowed: true when monitoring.serviceMonitor is on (the ServiceMonitor scrapes /metrics)",
    );
    const ok = engineSpecFrom("sglang", {
      engine: { kind: "sglang", enableMetrics: true },
      monitoring: { serviceMonitor: true },
    });
    expect(sglangArgs(ok)).toContain("--enable-metrics");
  });

  it("typed flags may not be repeated in extraArgs, under either spelling", () => {
    expect(
      configErrorOf(() =>
        engineSpecFrom("sglang", { engine: { kind: "sglang", extraArgs: ["--tensor-parallel-size", "4"] } }),
      ),
    ).toContain("fix:     remove it from engine.extraArgs and set engine.tensorParallelSize");
  });
});
