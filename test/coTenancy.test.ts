import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { stackNames } from "../infra/render/renderAll";
import { STACKS_DIR, specFrom, stackSpec } from "./helpers";
import { shippedRender, shippedTree } from "./shippedRenders";
import { stackManifests } from "../infra/k8s/manifests";

/**
 * Every shipped stack deployed into ONE cluster: no object may be claimed by two owners, whether the
 * owner is a stack's `pulumi up` or its Argo CD Application (both apply the same rendered objects),
 * or an add-on's Application. An object is identified as the API server identifies it: apiVersion's
 * group, kind, namespace (none for cluster-scoped kinds) and name.
 *
 * The one deliberate exception is the LeaderWorkerSet controller's Helm chart: `leaderWorkerSet.install`
 * is a per-cluster choice (one stack installs it, the others say `present`), and under GitOps it has
 * a single owner, gitops/addons/lws.
 */
type Claim = { key: string; owner: string };

const CLUSTER_SCOPED = new Set([
  "Namespace",
  "NodePool",
  "EC2NodeClass",
  "ClusterRole",
  "ClusterRoleBinding",
  "StorageClass",
  "PriorityClass",
]);

function objectKey(doc: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }) {
  const group = doc.apiVersion.includes("/") ? doc.apiVersion.split("/")[0] : "";
  const ns = CLUSTER_SCOPED.has(doc.kind) ? "" : (doc.metadata.namespace ?? "<no namespace>");
  return `${group}/${doc.kind} ${ns}/${doc.metadata.name}`;
}

function duplicates(claims: readonly Claim[]): string[] {
  const owners = new Map<string, string[]>();
  for (const c of claims) owners.set(c.key, [...(owners.get(c.key) ?? []), c.owner]);
  return [...owners.entries()].filter(([, o]) => o.length > 1).map(([k, o]) => `${k} claimed by ${o.join(", ")}`);
}

describe("every shipped stack in one cluster", () => {
  it("claims no object twice (rendered objects, GitOps objects, add-ons)", async () => {
    const tree = await shippedTree();
    const claims: Claim[] = [];
    for (const [path, text] of tree) {
      const m = /^(rendered|gitops)\/([^/]+)\/.+\.yaml$/.exec(path);
      if (!m) continue; // the CI workflow is no cluster object
      const doc = parse(text) as Record<string, unknown>;
      // Docker-target stacks render Docker documents, not cluster objects.
      if (typeof doc["apiVersion"] !== "string") continue;
      claims.push({ key: objectKey(doc as never), owner: `${m[1]}/${m[2]}` });
    }
    // rendered/<stack> is what both `pulumi up` and the stack's Application apply: one owner, the stack.
    const byStack = claims.map((c) => ({ ...c, owner: c.owner.replace(/^rendered\//, "stack ") }));
    expect(duplicates(byStack)).toEqual([]);
    // Each Kubernetes stack has a namespace of its own, and creates it.
    const namespaces = byStack.filter((c) => c.key.startsWith("/Namespace "));
    expect(namespaces.map((c) => `${c.key} ${c.owner}`).sort()).toEqual(
      stackNames(STACKS_DIR)
        .filter((s) => stackSpec(s).target !== "docker")
        .map((s) => `/Namespace /${s} stack ${s}`)
        .sort(),
    );
  }, 120_000);

  it("leaves the LeaderWorkerSet controller's chart as the only object installed by more than one stack", async () => {
    const charts = new Map<string, string[]>();
    for (const stack of stackNames(STACKS_DIR)) {
      for (const chart of (await shippedRender(stack)).charts) {
        charts.set(chart, [...(charts.get(chart) ?? []), stack]);
      }
    }
    const shared = [...charts.entries()].filter(([, owners]) => owners.length > 1).map(([c]) => c);
    expect(shared).toEqual(["oci://registry.k8s.io/lws/charts/lws 0.7.0 in namespace lws-system"]);
  }, 120_000);

  it("catches two stacks that name one namespace and both create it", () => {
    const a = stackManifests(specFrom({ namespace: "shared" }, "a"));
    const b = stackManifests(specFrom({ namespace: "shared" }, "b"));
    const claims = [a, b].flatMap((m, i) =>
      [m.namespace, m.nodePool, m.service].filter((o) => o).map((o) => ({ key: objectKey(o as never), owner: `${i}` })),
    );
    expect(duplicates(claims)).toEqual(["/Namespace /shared claimed by 0, 1"]);
    // Declared as existing (owned by neither), the same pair claims nothing twice.
    const c = stackManifests(specFrom({ namespace: "shared", createNamespace: false }, "c"));
    const d = stackManifests(specFrom({ namespace: "shared", createNamespace: false }, "d"));
    expect(c.namespace).toBeUndefined();
    expect(d.namespace).toBeUndefined();
    expect(c.service.metadata!.namespace).toBe("shared");
    expect(duplicates([c, d].flatMap((m, i) => [{ key: objectKey(m.service as never), owner: `${i}` }]))).toEqual([]);
  });
});
