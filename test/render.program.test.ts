import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { program, readSpec } from "../infra/program";
import { kubernetesObjects, REDACTED } from "../infra/render/manifestFiles";
import { PROJECT, runProgram } from "../infra/render/runProgram";
import { readStackFile } from "../infra/render/stackFile";
import { STACKS_DIR, valuesWithAuthOptOut } from "./helpers";

/**
 * The Pulumi program itself under Pulumi's mocks: which resources it registers, under which
 * parents, after which dependencies, with which provider.
 */

interface Registration {
  type: string;
  name: string;
  parent?: string;
  dependsOn: string[];
  customTimeouts?: pulumi.CustomTimeouts;
  retainOnDelete?: boolean;
}

async function observe(stack: string, config: Record<string, string>, secretKeys: string[] = []) {
  const seen = new Map<pulumi.Resource, string>();
  const registrations: Registration[] = [];
  const run = await runProgram(stack, valuesWithAuthOptOut(config), secretKeys, async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      seen.set(args.resource, args.name);
      const deps = ([] as pulumi.Input<pulumi.Resource>[]).concat(
        (args.opts.dependsOn as pulumi.Input<pulumi.Resource>[] | undefined) ?? [],
      );
      registrations.push({
        type: args.type,
        name: args.name,
        ...(args.opts.parent ? { parent: seen.get(args.opts.parent) ?? "(stack)" } : {}),
        dependsOn: deps.map((d) => seen.get(d as pulumi.Resource) ?? "?"),
        ...(args.opts.customTimeouts ? { customTimeouts: args.opts.customTimeouts } : {}),
        ...(args.opts.retainOnDelete ? { retainOnDelete: true } : {}),
      });
      return undefined;
    });
    return program();
  });
  return { run, registrations, byName: new Map(registrations.map((r) => [r.name, r])) };
}

const h200 = () => readStackFile(STACKS_DIR, "h200-fp8");

describe("the Pulumi program under mocks", () => {
  it("registers the components and resources of h200-fp8 with stable names and parents", async () => {
    const { values, secretKeys } = h200();
    const { registrations } = await observe("h200-fp8", values, secretKeys);
    expect(registrations.map((r) => [r.type, r.name, r.parent ?? "(root)"])).toEqual([
      ["glm:serving:ServingStack", "h200-fp8", "(root)"],
      ["kubernetes:core/v1:Namespace", "h200-fp8", "h200-fp8"],
      ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "h200-fp8-ingress", "h200-fp8"],
      ["glm:serving:GpuNodePool", "h200-fp8-pool", "h200-fp8"],
      ["kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "h200-fp8-h200-141gb-nodeclass", "h200-fp8-pool"],
      ["kubernetes:karpenter.sh/v1:NodePool", "h200-fp8-h200-141gb", "h200-fp8-pool"],
      ["glm:serving:WeightCache", "h200-fp8-cache", "h200-fp8"],
      // Node-local on the instance store: the engine's pod fills its node's cache with these scripts.
      ["kubernetes:core/v1:ConfigMap", "h200-fp8-weights-scripts", "h200-fp8-cache"],
      ["glm:serving:VllmEngine", "h200-fp8-engine", "h200-fp8"],
      ["kubernetes:apps/v1:Deployment", "h200-fp8-engine", "h200-fp8-engine"],
      ["kubernetes:core/v1:Service", "h200-fp8", "h200-fp8-engine"],
      ["kubernetes:policy/v1:PodDisruptionBudget", "h200-fp8-engine-pdb", "h200-fp8-engine"],
      ["kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "h200-fp8-monitor", "h200-fp8-engine"],
      ["kubernetes:core/v1:ConfigMap", "h200-fp8-dashboard", "h200-fp8"],
      ["kubernetes:monitoring.coreos.com/v1:PrometheusRule", "h200-fp8-alerts", "h200-fp8"],
      ["kubernetes:batch/v1:Job", registrations.at(-1)!.name, "h200-fp8-engine"],
    ]);
    // The smoke test, named after a hash of its spec and of the engine it tests.
    expect(registrations.at(-1)!.name).toMatch(/^h200-fp8-engine-smoke-[0-9a-f]{8}$/);
  });

  it("creates the engine only after its weights: the download Job on a volume, the fill step's scripts on the node's NVMe", async () => {
    const { values, secretKeys } = h200();
    const local = (await observe("h200-fp8", values, secretKeys)).registrations;
    const own = local.find((r) => r.type === "kubernetes:apps/v1:Deployment")!;
    expect(own.dependsOn).toEqual(["h200-fp8", "h200-fp8-weights-scripts"]);
    // Pulumi waits for the pod's own download (15,314 s deadline), its start (1,390 s) and a node.
    expect(own.customTimeouts).toEqual({ create: "17904s", update: "17904s" });
    const onVolume = { ...values, "glm-serving:weightCache": '{"mode":"volume"}' };
    const { registrations } = await observe("h200-fp8", onVolume, secretKeys);
    const deployment = registrations.find((r) => r.type === "kubernetes:apps/v1:Deployment")!;
    expect(deployment.dependsOn).toEqual(["h200-fp8", expect.stringMatching(/^h200-fp8-weights-[0-9a-f]{8}$/)]);
    expect(deployment.customTimeouts).toEqual({ create: "8450s", update: "8450s" });
    const job = registrations.find((r) => r.type === "kubernetes:batch/v1:Job")!;
    expect(job.dependsOn).toEqual(["h200-fp8", "h200-fp8-weights", "h200-fp8-weights-scripts"]);
    expect(job.customTimeouts).toEqual({ create: "22374s", update: "22374s" });
  });

  it("leaves the weights' claim in the cluster when the stack stops managing it; nothing else is retained", async () => {
    const { values, secretKeys } = h200();
    const onVolume = { ...values, "glm-serving:weightCache": '{"mode":"volume"}' };
    const { registrations } = await observe("h200-fp8", onVolume, secretKeys);
    expect(registrations.filter((r) => r.retainOnDelete).map((r) => [r.type, r.name])).toEqual([
      ["kubernetes:core/v1:PersistentVolumeClaim", "h200-fp8-weights"],
    ]);
    // Node-local (the default here): no claim, nothing retained.
    const local = (await observe("h200-fp8", values, secretKeys)).registrations;
    expect(local.filter((r) => r.retainOnDelete)).toEqual([]);
  });

  it("returns the endpoint, the served model name and a curl as stack outputs", async () => {
    const { values, secretKeys } = h200();
    const { run } = await observe("h200-fp8", values, secretKeys);
    expect(run.outputs["endpoint"]).toBe("http://h200-fp8.h200-fp8.svc.cluster.local:8000/v1");
    expect(run.outputs["servedModelName"]).toBe("glm-5-fp8");
    expect(run.outputs["curl"]).toContain("/v1/chat/completions");
  });

  it("puts secret config into the Secret as Pulumi secrets, so a render shows no value", async () => {
    const secrets = { "glm-serving:hfToken": "hf_TOP_SECRET_TOKEN", "glm-serving:apiKey": "sk-TOP-SECRET" };
    const config = { ...secrets, "glm-serving:weightCache": '{"mode":"volume"}' };
    const { run, byName } = await observe("sec", config, Object.keys(secrets));
    const secret = run.resources.find((r) => r.type === "kubernetes:core/v1:Secret")!;
    expect(pulumi.runtime.isRpcSecret(secret.inputs["stringData"])).toBe(true);
    const rendered = JSON.stringify(kubernetesObjects(run.resources));
    expect(rendered).not.toContain("TOP_SECRET");
    expect(rendered).not.toContain("TOP-SECRET");
    expect(kubernetesObjects(run.resources).find((o) => o.kind === "Secret")!["stringData"]).toEqual({
      "hf-token": REDACTED,
      "api-key": REDACTED,
    });
    // Everything that reads the Secret is created after it.
    const download = [...byName.values()].find((r) => /^sec-weights-[0-9a-f]{8}$/.test(r.name))!;
    expect(download.dependsOn).toContain("sec-credentials");
    expect(byName.get("sec-engine")!.dependsOn).toContain("sec-credentials");
  });

  it("one config switch renders through a Kubernetes provider with renderYamlToDirectory", async () => {
    const { run } = await observe("r", { "glm-serving:renderYamlToDirectory": "out/r" });
    const provider = run.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
    expect(provider.name).toBe("render-yaml");
    expect(provider.inputs["renderYamlToDirectory"]).toBe("out/r");
    const k8sObjects = run.resources.filter((r) => r.type.startsWith("kubernetes:"));
    // Namespace, NetworkPolicy, EC2NodeClass-less pool (NodePool), scripts, Secret-less engine objects:
    // node-local on the instance store, so no claim and no download Job.
    expect(k8sObjects.length).toBe(7);
    for (const r of k8sObjects) {
      expect(r.provider).toMatch(new RegExp(`^urn:pulumi:r::${PROJECT}::`));
      expect(r.provider).toContain("pulumi:providers:kubernetes::render-yaml::");
    }
  });

  it("without the switch, objects go to the default provider (the current kube context)", async () => {
    const { run } = await observe("d", {});
    expect(run.resources.some((r) => r.type === "pulumi:providers:kubernetes" && r.name === "render-yaml")).toBe(false);
  });

  it("a bad config fails the program with a RunError carrying every problem (no stack trace)", async () => {
    await pulumi.runtime.setMocks(
      { newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs },
      PROJECT,
      "bad",
    );
    pulumi.runtime.setAllConfig({
      "glm-serving:engine": '{"tensorParallelSize":3}',
      "glm-serving:service": '{"auth":"none"}',
    });
    let err: unknown;
    try {
      readSpec();
    } catch (e) {
      err = e;
    }
    expect(pulumi.RunError.isInstance(err)).toBe(true);
    expect((err as Error).message).toBe(
      [
        'Stack "bad" has 1 problem in its configuration (stacks/Pulumi.bad.yaml):',
        "  - glm-serving:engine.tensorParallelSize = 3",
        "      allowed: a divisor of the 8 devices of one h200-141gb node: 1, 2, 4, 8",
        "      fix:     pulumi config set --path engine.tensorParallelSize 8",
      ].join("\n"),
    );
  });

  it("a pair: the LeaderWorkerSet controller from its pinned chart, then the group after it and the download", async () => {
    const { values, secretKeys } = readStackFile(STACKS_DIR, "a3-bf16-pair");
    const { registrations, run } = await observe("a3-bf16-pair", values, secretKeys);
    const chart = registrations.find((r) => r.type === "kubernetes:helm.sh/v4:Chart")!;
    expect(chart.parent).toBe("a3-bf16-pair-lws");
    const inputs = run.resources.find((r) => r.type === "kubernetes:helm.sh/v4:Chart")!.inputs;
    expect(inputs).toMatchObject({
      chart: "oci://registry.k8s.io/lws/charts/lws",
      version: "0.7.0",
      namespace: "lws-system",
    });
    const lws = registrations.find((r) => r.type === "kubernetes:leaderworkerset.x-k8s.io/v1:LeaderWorkerSet")!;
    expect(lws.parent).toBe("a3-bf16-pair-engine");
    expect(lws.dependsOn).toEqual(["a3-bf16-pair", expect.stringMatching(/^a3-bf16-pair-weights-[0-9a-f]{8}$/), "lws"]);
    expect(registrations.find((r) => r.name === "a3-bf16-pair-engine" && r.type.startsWith("glm:"))!.type).toBe(
      "glm:serving:VllmAscendEngine",
    );
  });
});
