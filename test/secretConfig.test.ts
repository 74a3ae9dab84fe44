import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { secretSettings } from "../infra/components/secretInputs";
import { program } from "../infra/program";
import { kubernetesObjects, redactSecrets, REDACTED } from "../infra/render/manifestFiles";
import { runProgram } from "../infra/render/runProgram";
import { loadSpec } from "../infra/config/load";
import { parseStackFile, rawStackConfig } from "../infra/render/stackFile";
import { configErrorOf } from "./helpers";
import { publicProblem, type ConfigProblem } from "../infra/core/problems";

/**
 * Every secret config key secret end to end: a value set with `pulumi config set --secret` reaches no
 * resource input, no rendered object and no stack output in plaintext. hfToken and apiKey travel as
 * secret outputs into the credentials Secret (closedByDefault, credentials tests); any other key of
 * the stack marked secret makes every input of every resource (but its kind and name) a secret.
 */

const MARKER = "marker-value-7f3a9c";

async function run(values: Record<string, string>, secretKeys: string[], stack = "sec") {
  const options: pulumi.CustomResourceOptions[] = [];
  // The program's own return value: the stack's run resolves outputs to plain values.
  let outputs: Record<string, unknown> = {};
  const result = await runProgram(stack, values, secretKeys, async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      if (!args.type.startsWith("glm:")) options.push(args.opts);
      return undefined;
    });
    outputs = await program();
    return outputs;
  });
  return { resources: result.resources, outputs, options };
}

const KEYLESS = { "glm-serving:service": '{"auth":"none"}' };

describe("secret config, secret end to end", () => {
  it("the stack's own secret keys other than the credentials; other namespaces are not ours", () => {
    expect(
      secretSettings(
        [
          "glm-serving:engine",
          "glm-serving:apiKey",
          "kubernetes:kubeconfig",
          "glm-serving:hfToken",
          "glm-serving:service",
        ],
        "glm-serving",
        ["hfToken", "apiKey"],
      ),
    ).toEqual(["glm-serving:engine", "glm-serving:service"]);
  });

  it("a secret engine setting: every resource input secret, nothing in plaintext in inputs, objects or outputs", async () => {
    const values = {
      ...KEYLESS,
      "glm-serving:engine": JSON.stringify({ env: { EXTRA_SETTING: MARKER } }),
      "glm-serving:smokeTest": '{"enabled":true}',
      // On a volume: its claim and download Job too (the default on H200 is the nodes' NVMe).
      "glm-serving:weightCache": '{"mode":"volume"}',
    };
    const { resources, outputs, options } = await run(values, ["glm-serving:engine"]);
    const objects = resources.filter((r) => r.type.startsWith("kubernetes:"));
    expect(objects.length).toBeGreaterThan(8);
    for (const r of objects) {
      // Identity stays readable; everything else is an encrypted secret in the state.
      expect(JSON.stringify(redactSecrets(r.inputs)), r.type).not.toContain(MARKER);
      for (const [k, v] of Object.entries(r.inputs)) {
        if (["apiVersion", "kind", "metadata"].includes(k) || v === undefined) continue;
        expect(pulumi.runtime.isRpcSecret(v), `${r.type} ${r.name} ${k}`).toBe(true);
      }
    }
    // The value is there for `pulumi up`, only inside the secret.
    const deployment = objects.find((r) => r.type === "kubernetes:apps/v1:Deployment")!;
    expect(JSON.stringify(pulumi.runtime.unwrapRpcSecret(deployment.inputs["spec"]))).toContain(MARKER);
    expect(pulumi.runtime.isRpcSecret(deployment.inputs["metadata"])).toBe(false);
    expect((deployment.inputs["metadata"] as { name: string }).name).toBe("sec-engine");
    // The outputs are marked secret by the engine too (additionalSecretOutputs).
    for (const o of options) expect(o.additionalSecretOutputs ?? []).not.toContain("apiVersion");
    expect(options.some((o) => (o.additionalSecretOutputs ?? []).includes("spec"))).toBe(true);
    // A render redacts it; the stack outputs are secrets.
    expect(JSON.stringify(kubernetesObjects(resources))).not.toContain(MARKER);
    expect(JSON.stringify(kubernetesObjects(resources))).toContain(REDACTED);
    for (const v of Object.values(outputs)) expect(pulumi.Output.isInstance(v)).toBe(true);
  });

  it("no secret setting: no resource input is made secret, the outputs stay plain strings", async () => {
    const { resources, outputs } = await run(
      { ...KEYLESS, "glm-serving:engine": JSON.stringify({ env: { EXTRA_SETTING: MARKER } }) },
      [],
    );
    const deployment = resources.find((r) => r.type === "kubernetes:apps/v1:Deployment")!;
    expect(pulumi.runtime.isRpcSecret(deployment.inputs["spec"])).toBe(false);
    expect(JSON.stringify(kubernetesObjects(resources))).toContain(MARKER);
    for (const v of Object.values(outputs)) expect(typeof v).toBe("string");
  });

  it("on a Docker host likewise: the container's inputs are secrets", async () => {
    const values = {
      "glm-serving:target": "docker",
      "glm-serving:engine": JSON.stringify({ env: { EXTRA_SETTING: MARKER } }),
    };
    const { resources } = await run(values, ["glm-serving:engine"]);
    const container = resources.find((r) => r.type === "docker:index/container:Container")!;
    expect(JSON.stringify(redactSecrets(container.inputs))).not.toContain(MARKER);
    expect(pulumi.runtime.isRpcSecret(container.inputs["envs"])).toBe(true);
  });
});

describe("renderYamlToDirectory and secret settings", () => {
  it("refused: the provider would write the secret setting in plaintext there", () => {
    expect(
      configErrorOf(() =>
        loadSpec({
          stack: "sec",
          values: {
            ...KEYLESS,
            "glm-serving:renderYamlToDirectory": "out/sec",
            "glm-serving:engine": JSON.stringify({ env: { EXTRA_SETTING: MARKER } }),
          },
          secretKeys: new Set(["glm-serving:engine"]),
        }),
      ),
    ).toBe(
      [
        'Stack "sec" has 1 problem in its configuration (stacks/Pulumi.sec.yaml):',
        "  - glm-serving:engine = [secret]",
        "      allowed: no secret while renderYamlToDirectory is set: the Kubernetes provider would write it in plaintext there",
        "      fix:     pulumi config set engine without --secret if it is no secret, or use npm run render (which redacts secrets) instead of renderYamlToDirectory",
      ].join("\n"),
    );
  });
});

describe("messages never show a secret setting's value", () => {
  it("a bad value under a secret key is reported as [secret], in the text and in the problems", () => {
    const load = () =>
      loadSpec({
        stack: "sec",
        values: { ...KEYLESS, "glm-serving:engine": JSON.stringify({ gpuMemoryUtilization: 7, env: { X: MARKER } }) },
        secretKeys: new Set(["glm-serving:engine"]),
      });
    const message = configErrorOf(load);
    expect(message).toContain("  - glm-serving:engine.gpuMemoryUtilization = [secret]\n");
    expect(message).not.toContain("= 7");
    try {
      load();
    } catch (e) {
      expect(JSON.stringify((e as { problems: unknown }).problems)).not.toContain('"value":7');
    }
  });
});

describe("--json problems", () => {
  it("carry the full config key, and a credential's value masked as in the text", () => {
    let problems: readonly ConfigProblem[] = [];
    try {
      loadSpec({
        stack: "sec",
        values: { ...KEYLESS, "glm-serving:engine": JSON.stringify({ env: { HF_TOKEN: "hf_notreallyatoken12345" } }) },
        secretKeys: new Set(),
      });
    } catch (e) {
      problems = (e as { problems: readonly ConfigProblem[] }).problems;
    }
    expect(problems.map(publicProblem)).toEqual([
      {
        key: "glm-serving:engine.env.HF_TOKEN",
        path: "engine.env.HF_TOKEN",
        value: "[secret]",
        allowed: expect.any(String),
        fix: "remove it and use pulumi config set --secret hfToken",
      },
    ]);
    expect(JSON.stringify(problems.map(publicProblem))).not.toContain("hf_notreally");
  });
});

describe("an encrypted setting read offline", () => {
  it("is named as such (only pulumi up decrypts it), not as a bad value", () => {
    const text = "config:\n  glm-serving:engine:\n    secure: v1:AAAA:BBBB\n  glm-serving:service:\n    auth: none\n";
    expect(configErrorOf(() => loadSpec(rawStackConfig("sec", parseStackFile("sec", text))))).toBe(
      [
        'Stack "sec" has 1 problem in its configuration (stacks/Pulumi.sec.yaml):',
        "  - glm-serving:engine = [secret]",
        "      allowed: a value an offline render can read: only `pulumi up` decrypts a secure: value, and of the settings only hfToken and apiKey need to be secrets",
        "      fix:     keep engine in the clear in the stack file for npm run render and plan (under pulumi up a secret engine stays secret end to end, see the README's Security)",
      ].join("\n"),
    );
  });
});
