import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { GENERATED_KEY_LENGTH } from "../infra/components/ServingStack";
import { program } from "../infra/program";
import { kubernetesObjects, REDACTED } from "../infra/render/manifestFiles";
import { OFFLINE_GENERATED_KEY, runProgram } from "../infra/render/runProgram";
import { stackOutputs } from "../infra/components/outputs";
import { specFrom } from "./helpers";
import { crdValidator, validateObject } from "./schemaValidation";

/**
 * Closed by default, under the program itself (Pulumi's mocks): where each stack's API key comes
 * from, which object holds it, and that every client of the API (smoke test, benchmark) reads it
 * from the same place as the engine.
 */

type Env = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };

async function run(config: Record<string, unknown>, secretKeys: string[] = []) {
  const values = Object.fromEntries(
    Object.entries(config).map(([k, v]) => [`glm-serving:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
  );
  const options = new Map<string, pulumi.CustomResourceOptions>();
  const result = await runProgram("keyed", values, secretKeys, async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      options.set(args.type, args.opts);
      return undefined;
    });
    return program();
  });
  const objects = kubernetesObjects(result.resources) as unknown as {
    kind: string;
    metadata: { name: string };
    spec?: unknown;
    stringData?: Record<string, string>;
  }[];
  return { ...result, objects, options };
}

/** Every environment variable of every container, by the object's kind and name. */
function keyRefs(objects: { kind: string; metadata: { name: string }; spec?: unknown }[]) {
  const refs: string[] = [];
  const walk = (o: unknown, where: string): void => {
    if (Array.isArray(o)) o.forEach((x) => walk(x, where));
    else if (o !== null && typeof o === "object") {
      for (const [k, v] of Object.entries(o)) {
        if (k === "env" && Array.isArray(v))
          for (const e of v as Env[])
            if (e.valueFrom?.secretKeyRef && /API_KEY$/.test(e.name))
              refs.push(`${where} ${e.name} <- ${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`);
        walk(v, where);
      }
    }
  };
  for (const o of objects) walk(o.spec, `${o.kind}/${o.metadata.name.replace(/-[0-9a-f]{8}$/, "")}`);
  return refs.sort();
}

const CLIENTS = { smokeTest: { enabled: true }, benchmark: { enabled: true } };

describe("closed by default: every Kubernetes stack has a key", () => {
  it("no key named: `pulumi up` generates one (RandomPassword, a secret output) into the stack's Secret; a render redacts it", async () => {
    const { resources, objects, options } = await run(CLIENTS);
    const password = resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword");
    expect(password.map((r) => [r.name, r.inputs])).toEqual([
      ["keyed-api-key", { length: GENERATED_KEY_LENGTH, special: false }],
    ]);
    expect(options.get("random:index/randomPassword:RandomPassword")!.additionalSecretOutputs).toContain("result");
    // The Secret's value is a Pulumi secret (encrypted in state), the stand-in only inside it.
    const secret = resources.find((r) => r.type === "kubernetes:core/v1:Secret")!;
    expect(pulumi.runtime.isRpcSecret(secret.inputs["stringData"])).toBe(true);
    expect(pulumi.runtime.unwrapRpcSecret(secret.inputs["stringData"])).toEqual({ "api-key": OFFLINE_GENERATED_KEY });
    expect(objects.find((o) => o.kind === "Secret")!.stringData).toEqual({ "api-key": REDACTED });
    expect(JSON.stringify(objects)).not.toContain(OFFLINE_GENERATED_KEY);
    // The engine, the smoke test and the benchmark all read the same key.
    expect(keyRefs(objects)).toEqual([
      "Deployment/keyed-engine VLLM_API_KEY <- keyed-credentials/api-key",
      "Job/keyed-bench OPENAI_API_KEY <- keyed-credentials/api-key",
      "Job/keyed-engine-smoke API_KEY <- keyed-credentials/api-key",
    ]);
  });

  it("an existing Secret (service.apiKeySecret): referenced by every client, never created, no key anywhere", async () => {
    const { resources, objects } = await run({
      ...CLIENTS,
      engine: { kind: "sglang" },
      service: { apiKeySecret: { name: "team-llm-key", key: "token" } },
    });
    expect(resources.some((r) => r.type.startsWith("random:"))).toBe(false);
    expect(objects.some((o) => o.kind === "Secret" || o.kind === "ExternalSecret")).toBe(false);
    expect(keyRefs(objects)).toEqual([
      "Deployment/keyed-engine SGLANG_API_KEY <- team-llm-key/token",
      "Job/keyed-bench OPENAI_API_KEY <- team-llm-key/token",
      "Job/keyed-engine-smoke API_KEY <- team-llm-key/token",
    ]);
  });

  it("External Secrets: the operator makes the stack's Secret from the store; the clients read it from there", async () => {
    const { resources, objects } = await run({
      ...CLIENTS,
      externalSecrets: { enabled: true, storeName: "vault", apiKeyKey: "glm/api-key" },
    });
    expect(resources.some((r) => r.type.startsWith("random:"))).toBe(false);
    const external = objects.find((o) => o.kind === "ExternalSecret")!;
    // Valid against the operator's own CRD (../shared/crds; absent in a user's clone) and its model.
    const crd = crdValidator("external-secrets.io_externalsecrets.yaml", "v1");
    if (crd) expect(crd(external), JSON.stringify(crd.errors)).toBe(true);
    for (const o of objects) validateObject(o as never);
    expect(external.spec).toMatchObject({
      secretStoreRef: { name: "vault", kind: "ClusterSecretStore" },
      target: { name: "keyed-credentials" },
      data: [{ secretKey: "api-key", remoteRef: { key: "glm/api-key" } }],
    });
    expect(keyRefs(objects)).toEqual([
      "Deployment/keyed-engine VLLM_API_KEY <- keyed-credentials/api-key",
      "Job/keyed-bench OPENAI_API_KEY <- keyed-credentials/api-key",
      "Job/keyed-engine-smoke API_KEY <- keyed-credentials/api-key",
    ]);
  });

  it("the curl output reads the key from the Secret the engine reads (a name, never the key)", () => {
    const existing = specFrom({ service: { auth: "api-key", apiKeySecret: { name: "team-llm-key" } } }, "k");
    expect(stackOutputs(existing).curl).toMatch(
      /^GLM_API_KEY=\$\(kubectl -n k get secret team-llm-key -o jsonpath='\{\.data\.api-key\}' \| base64 -d\); curl -sS http:\/\/k\.k\.svc\.cluster\.local:8000\/v1\/chat\/completions .* -H "Authorization: Bearer \$GLM_API_KEY" -d /,
    );
    const generated = specFrom({ service: { auth: "api-key" } }, "k");
    expect(stackOutputs(generated).curl).toContain(
      "kubectl -n k get secret k-credentials -o jsonpath='{.data.api-key}'",
    );
    expect(stackOutputs(specFrom({}, "k")).curl).toMatch(/^curl -sS /);
  });
});
