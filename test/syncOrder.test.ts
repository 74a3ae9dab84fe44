import * as pulumi from "@pulumi/pulumi";
import { lauxlib, lua, lualib, to_luastring } from "fengari";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { HEALTH_CHECKS, healthCheckSource } from "../infra/gitops/health";
import { program } from "../infra/program";
import type { KubernetesObject } from "../infra/render/manifestFiles";
import { ARGOCD_HEALTH_PATH, stackNames } from "../infra/render/renderAll";
import { runProgram } from "../infra/render/runProgram";
import { readStackFile } from "../infra/render/stackFile";
import { REPO_ROOT, STACKS_DIR } from "./helpers";

/**
 * Argo CD applies rendered/<stack>/ in the order of its sync waves and hooks. These tests observe the
 * program's own dependencies (independently of the render, through a stack transformation) and check
 * the committed files against them.
 */

interface Seen {
  id: string;
  parent?: string;
  dependsOn: string[];
  kind?: string;
  name?: string;
}

/** Every registration of a stack's program: id, parent, direct dependencies, and the object it applies. */
async function observe(stack: string): Promise<Map<string, Seen>> {
  const { values, secretKeys } = readStackFile(STACKS_DIR, stack);
  const ids = new Map<pulumi.Resource, string>();
  const seen = new Map<string, Seen>();
  await runProgram(stack, values, secretKeys, async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      const id = `${args.type} ${args.name}`;
      ids.set(args.resource, id);
      const deps = ([] as unknown[]).concat(args.opts.dependsOn ?? []);
      const props = args.props as { kind?: string; metadata?: { name?: string } };
      seen.set(id, {
        id,
        ...(args.opts.parent ? { parent: ids.get(args.opts.parent)! } : {}),
        dependsOn: deps.map((d) => ids.get(d as pulumi.Resource)!),
        ...(typeof props.kind === "string" ? { kind: props.kind, name: props.metadata?.name } : {}),
      });
      return undefined;
    });
    return program();
  });
  return seen;
}

/** Everything a registration waits for under `pulumi up`: its dependencies, their children, and theirs. */
function waitsFor(seen: Map<string, Seen>, id: string): Set<string> {
  const out = new Set<string>();
  const add = (d: string) => {
    if (out.has(d)) return;
    out.add(d);
    for (const c of seen.values()) if (c.parent === d) add(c.id);
    for (const dd of seen.get(d)!.dependsOn) add(dd);
  };
  for (const d of seen.get(id)!.dependsOn) add(d);
  return out;
}

const renderedObjects = (stack: string) =>
  readdirSync(join(REPO_ROOT, "rendered", stack)).map((f) => ({
    file: f,
    obj: parse(readFileSync(join(REPO_ROOT, "rendered", stack, f), "utf8")) as KubernetesObject & {
      metadata: { annotations?: Record<string, string> };
    },
  }));

const WORKLOADS = ["Deployment", "LeaderWorkerSet", "StatefulSet", "DaemonSet"];
const kubernetesStacks = stackNames(STACKS_DIR).filter(
  (s) => !readdirSync(join(REPO_ROOT, "rendered", s)).some((f) => f === "compose.yaml" || f.includes("-docker-")),
);

describe("sync waves and hooks follow the program's dependencies", () => {
  for (const stack of kubernetesStacks) {
    it(`${stack}: every object that depends on another is in a later wave; checks of a workload are PostSync hooks`, async () => {
      const seen = await observe(stack);
      const files = renderedObjects(stack);
      const byObject = new Map(files.map(({ file, obj }) => [`${obj.kind}/${obj.metadata.name}`, { file, obj }]));
      const idOf = new Map([...seen.values()].filter((s) => s.kind).map((s) => [`${s.kind}/${s.name}`, s.id]));
      const wave = (o: { metadata: { annotations?: Record<string, string> } }) =>
        Number(o.metadata.annotations?.["argocd.argoproj.io/sync-wave"]);
      let pairs = 0;
      for (const { file, obj } of files) {
        expect(Number.isInteger(wave(obj)), `${file} has a sync wave`).toBe(true);
        const id = idOf.get(`${obj.kind}/${obj.metadata.name}`)!;
        const deps = [...waitsFor(seen, id)];
        for (const dep of deps) {
          const s = seen.get(dep)!;
          const other = s.kind ? byObject.get(`${s.kind}/${s.name}`) : undefined;
          if (!other) continue; // not written by the render (a component, a Helm chart)
          expect(
            wave(obj),
            `${file} (wave ${wave(obj)}) depends on ${other.file} (wave ${wave(other.obj)})`,
          ).toBeGreaterThan(wave(other.obj));
          pairs++;
        }
        const checksWorkload = obj.kind === "Job" && deps.some((d) => WORKLOADS.includes(seen.get(d)!.kind ?? ""));
        const hook = obj.metadata.annotations?.["argocd.argoproj.io/hook"];
        expect(hook, file).toBe(checksWorkload ? "PostSync" : undefined);
        expect(obj.metadata.annotations?.["argocd.argoproj.io/hook-delete-policy"], file).toBe(
          checksWorkload ? "BeforeHookCreation" : undefined,
        );
      }
      expect(pairs).toBeGreaterThan(3);
    });
  }

  it("h200-fp8: namespace and pool, then the cache's scripts, then the engine (which fills its node's cache) and Service, then the smoke test after the sync", () => {
    const waves = Object.fromEntries(
      renderedObjects("h200-fp8").map(({ file, obj }) => [
        file.replace(/-[0-9a-f]{8}\.yaml$/, ".yaml"),
        [
          obj.metadata.annotations?.["argocd.argoproj.io/sync-wave"],
          obj.metadata.annotations?.["argocd.argoproj.io/hook"],
        ],
      ]),
    );
    expect(waves).toEqual({
      "00-namespace-h200-fp8.yaml": ["0", undefined],
      "19-ec2nodeclass-h200-fp8-h200-141gb.yaml": ["0", undefined],
      // The pool after the node class it is built from.
      "20-nodepool-h200-fp8-h200-141gb.yaml": ["1", undefined],
      "15-configmap-h200-fp8-weights-scripts.yaml": ["1", undefined],
      "16-networkpolicy-h200-fp8.yaml": ["1", undefined],
      // Node-local on the instance store: no claim and no Job; the engine's pod downloads in an init step.
      "50-deployment-h200-fp8-engine.yaml": ["2", undefined],
      "55-poddisruptionbudget-h200-fp8-engine.yaml": ["2", undefined],
      "60-service-h200-fp8.yaml": ["2", undefined],
      // Monitoring: the dashboard and the alert rules with the pool, the ServiceMonitor after the Service.
      "15-configmap-h200-fp8-dashboard.yaml": ["1", undefined],
      "70-prometheusrule-h200-fp8-alerts.yaml": ["1", undefined],
      "70-servicemonitor-h200-fp8.yaml": ["3", undefined],
      "40-job-h200-fp8-engine-smoke.yaml": ["3", "PostSync"],
    });
  });

  it("b200-sglang: the benchmark is a hook after the engine, its result claim a wave after the engine", () => {
    const objs = renderedObjects("b200-sglang").map(({ obj }) => obj);
    const bench = objs.find((o) => o.kind === "Job" && o.metadata.name.includes("-bench-"))!;
    expect(bench.metadata.annotations).toMatchObject({
      "argocd.argoproj.io/hook": "PostSync",
      "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
      "argocd.argoproj.io/sync-wave": "4",
    });
    const claim = objs.find((o) => o.metadata.name === "b200-sglang-bench-results")!;
    expect(claim.metadata.annotations).toEqual({
      "argocd.argoproj.io/sync-wave": "3",
      "glm-serving/pending-until-consumed": "true",
    });
  });
});

/** Runs an Argo CD health check (Lua) on an object the way Argo CD does: `obj` in scope, returns hs. */
function health(key: string, obj: unknown): { status: string; message: string } {
  const toLua = (v: unknown): string =>
    v === null || v === undefined
      ? "nil"
      : Array.isArray(v)
        ? `{${v.map(toLua).join(", ")}}`
        : typeof v === "object"
          ? `{${Object.entries(v as object)
              .map(([k, x]) => `[${JSON.stringify(k)}] = ${toLua(x)}`)
              .join(", ")}}`
          : typeof v === "string"
            ? JSON.stringify(v)
            : String(v);
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  const code = `obj = ${toLua(obj)}\nlocal function check()\n${healthCheckSource(key)}\nend\nlocal r = check()\nstatus = r.status\nmessage = r.message\n`;
  if (lauxlib.luaL_dostring(L, to_luastring(code)) !== 0) throw new Error(lua.lua_tojsstring(L, -1));
  lua.lua_getglobal(L, to_luastring("status"));
  lua.lua_getglobal(L, to_luastring("message"));
  return { status: lua.lua_tojsstring(L, -2), message: lua.lua_tojsstring(L, -1) };
}

describe("Argo CD health checks (gitops/argocd/argocd-cm-health.yaml)", () => {
  const LWS = "leaderworkerset.x-k8s.io_LeaderWorkerSet";
  const lws = (status?: object, replicas = 1) => ({
    apiVersion: "leaderworkerset.x-k8s.io/v1",
    kind: "LeaderWorkerSet",
    metadata: { name: "pair", generation: 2 },
    spec: { replicas },
    ...(status ? { status } : {}),
  });

  it("a LeaderWorkerSet is Healthy only once every group is updated and ready", () => {
    expect(health(LWS, lws())).toEqual({
      status: "Progressing",
      message: "Waiting for the LeaderWorkerSet controller",
    });
    expect(health(LWS, lws({ observedGeneration: 1, readyReplicas: 1, updatedReplicas: 1 })).status).toBe(
      "Progressing",
    );
    // Available is true while a group may still be loading (minimum availability): not enough.
    const loading = {
      observedGeneration: 2,
      replicas: 1,
      readyReplicas: 0,
      updatedReplicas: 1,
      conditions: [{ type: "Available", status: "True" }],
    };
    expect(health(LWS, lws(loading))).toEqual({ status: "Progressing", message: "0 of 1 groups ready, 1 updated" });
    const ready = { ...loading, readyReplicas: 1, conditions: [{ type: "Available", status: "True" }] };
    expect(health(LWS, lws(ready))).toEqual({ status: "Healthy", message: "1 of 1 groups ready" });
    expect(health(LWS, lws({ ...ready, conditions: [{ type: "UpdateInProgress", status: "True" }] })).status).toBe(
      "Progressing",
    );
    expect(health(LWS, lws({ ...ready, readyReplicas: 1, updatedReplicas: 1 }, 2)).status).toBe("Progressing");
  });

  it("a claim: Bound Healthy, Lost Degraded, Pending Progressing unless the render marked it", () => {
    const pvc = (phase: string, annotations?: Record<string, string>) => ({
      kind: "PersistentVolumeClaim",
      metadata: { name: "c", ...(annotations ? { annotations } : {}) },
      status: { phase },
    });
    expect(health("PersistentVolumeClaim", pvc("Bound")).status).toBe("Healthy");
    expect(health("PersistentVolumeClaim", pvc("Lost")).status).toBe("Degraded");
    expect(health("PersistentVolumeClaim", pvc("Pending")).status).toBe("Progressing");
    expect(health("PersistentVolumeClaim", pvc("Pending", { "glm-serving/pending-until-consumed": "true" }))).toEqual({
      status: "Healthy",
      message: "Pending until its first consumer mounts it",
    });
  });

  it("the generated argocd-cm patch carries each check under Argo CD's key", () => {
    const patch = parse(readFileSync(join(REPO_ROOT, ARGOCD_HEALTH_PATH), "utf8"));
    expect(patch.metadata).toEqual({ name: "argocd-cm", namespace: "argocd" });
    expect(Object.keys(patch.data)).toEqual([
      "resource.customizations.health.leaderworkerset.x-k8s.io_LeaderWorkerSet",
      "resource.customizations.health.PersistentVolumeClaim",
    ]);
    for (const key of Object.keys(HEALTH_CHECKS))
      expect(patch.data[`resource.customizations.health.${key}`]).toBe(healthCheckSource(key));
  });
});
