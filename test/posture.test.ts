import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { REPO_ROOT } from "./helpers";

/**
 * Posture of every rendered object, checked the way kube-linter's and Polaris's default checks do.
 * A finding fails the test unless the allow-list below names its check and container with the reason
 * the accelerator or the job requires it.
 */
type Container = {
  name: string;
  image: string;
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    privileged?: boolean;
    runAsNonRoot?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
  volumeMounts?: { name: string }[];
};
type PodSpec = {
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
  securityContext?: { seccompProfile?: { type: string } };
  containers: Container[];
  initContainers?: Container[];
  volumes?: { name: string; hostPath?: { path: string } }[];
};

const CHECKS = [
  "privileged",
  "privilege-escalation",
  "capabilities-not-dropped",
  "capabilities-added",
  "run-as-root",
  "writable-root-filesystem",
  "no-seccomp-profile",
  "service-account-token",
  "host-path",
  "host-network",
  "image-by-tag",
] as const;
type Check = (typeof CHECKS)[number];

/**
 * What the containers require, by check and container name (every stack, every role). Nothing else
 * is allowed; privileged containers, escalation, added capabilities and mounted tokens never are.
 */
const ALLOWED: Partial<Record<Check, Record<string, string>>> = {
  "capabilities-not-dropped": {
    engine:
      "vLLM, SGLang and vLLM-Ascend run on the runtime's default capability set: the Ascend driver tools mounted from the host and NCCL's shared-memory and socket setup are not verified without them",
  },
  "run-as-root": {
    engine:
      "the engine images (vllm/vllm-openai, lmsysorg/sglang, vllm-ascend) run as root, and the Ascend driver files mounted from the host are root-only",
    download: "writes the weight cache, whose volume or hostPath directory the kubelet creates root-owned",
    "fill-node-cache":
      "the download step in the engine's pod (node-local on Karpenter): writes the node's root-owned hostPath directory",
    bench: "vllm bench serve writes its result file and the tokenizer cache as the image's root user",
  },
  "writable-root-filesystem": {
    engine:
      "torch.compile, Triton and CUDA-graph caches and the engines' temporary files are written under the root filesystem",
    download: "huggingface_hub and the download script stage files under /tmp and the image's home",
    "fill-node-cache": "the download step: huggingface_hub stages files under /tmp and the image's home",
    bench: "vllm bench serve writes temporary files and its tokenizer cache under the image's home",
  },
  "no-seccomp-profile": {
    engine:
      "the runtime's default profile allows mbind/set_mempolicy only with CAP_SYS_NICE, which NUMA-aware allocators of NCCL/HCCL may call; not verified on hardware, so the engine keeps the node's default",
  },
  "host-path": {
    engine:
      "Ascend NPUs: the driver, dcmi and npu-smi come from the host (seed 002); node-local weight cache: the copy on the node's NVMe",
    download: "node-local weight cache: writes the copy on the node's NVMe",
    "fill-node-cache": "node-local weight cache on Karpenter: the engine's pod writes its node's copy on the NVMe",
    bench: "node-local weight cache: reads the tokenizer from the node's copy, beside the engine (pod affinity)",
    "label-node": "node-local weight cache: reads the marker of the node's copy",
    "wait-for-weights": "node-local weight cache: waits for the node's copy",
  },
  "image-by-tag": {
    "*": "images are pinned by a fixed release tag (never latest, tests/pinning) and by digest when the stack sets image.digest or builds its image",
  },
};

function podSpecs(obj: Record<string, any>): PodSpec[] {
  const out: PodSpec[] = [];
  const walk = (o: unknown) => {
    if (Array.isArray(o)) o.forEach(walk);
    else if (o !== null && typeof o === "object") {
      const rec = o as Record<string, unknown>;
      if (Array.isArray(rec["containers"])) out.push(rec as unknown as PodSpec);
      else Object.values(rec).forEach(walk);
    }
  };
  walk(obj["spec"]);
  return out;
}

export function findings(pod: PodSpec): { check: Check; container: string }[] {
  const found: { check: Check; container: string }[] = [];
  const podSeccomp = pod.securityContext?.seccompProfile?.type === "RuntimeDefault";
  const hostPathVolumes = new Set((pod.volumes ?? []).filter((v) => v.hostPath).map((v) => v.name));
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    const s = c.securityContext ?? {};
    const add = (check: Check) => found.push({ check, container: c.name });
    if (s.privileged) add("privileged");
    if (s.allowPrivilegeEscalation !== false) add("privilege-escalation");
    if (!s.capabilities?.drop?.includes("ALL")) add("capabilities-not-dropped");
    if (s.capabilities?.add?.length) add("capabilities-added");
    if (s.runAsNonRoot !== true) add("run-as-root");
    if (s.readOnlyRootFilesystem !== true) add("writable-root-filesystem");
    if (!podSeccomp && s.seccompProfile?.type !== "RuntimeDefault") add("no-seccomp-profile");
    if ((c.volumeMounts ?? []).some((m) => hostPathVolumes.has(m.name))) add("host-path");
    if (!/@sha256:[0-9a-f]{64}$/.test(c.image)) add("image-by-tag");
  }
  if (pod.automountServiceAccountToken !== false) found.push({ check: "service-account-token", container: "(pod)" });
  if (pod.hostNetwork) found.push({ check: "host-network", container: "(pod)" });
  return found;
}

function renderedPods(): { where: string; pod: PodSpec }[] {
  const root = join(REPO_ROOT, "rendered");
  return readdirSync(root).flatMap((stack) =>
    readdirSync(join(root, stack))
      .filter((f) => f.endsWith(".yaml") && !f.includes("-docker-"))
      .flatMap((f) =>
        podSpecs(parseAllDocuments(readFileSync(join(root, stack, f), "utf8"))[0]!.toJS()).map((pod) => ({
          where: `${stack}/${f}`,
          pod,
        })),
      ),
  );
}

describe("posture of every rendered pod (kube-linter / Polaris default checks)", () => {
  const pods = renderedPods();
  const all = pods.flatMap(({ where, pod }) => findings(pod).map((f) => ({ where, ...f })));
  const allowed = (f: { check: Check; container: string }) =>
    ALLOWED[f.check]?.[f.container] !== undefined || ALLOWED[f.check]?.["*"] !== undefined;

  it("there are pods to check", () => {
    expect(pods.length).toBeGreaterThan(15);
  });

  it("every finding is one the allow-list names, with its reason", () => {
    expect(all.filter((f) => !allowed(f)).map((f) => `${f.where}: ${f.container}: ${f.check}`)).toEqual([]);
  });

  it("no privileged container, no escalation, no added capability, no token in any pod", () => {
    const never: Check[] = ["privileged", "privilege-escalation", "capabilities-added", "service-account-token"];
    expect(all.filter((f) => never.includes(f.check))).toEqual([]);
  });

  it("the read-only helpers have everything: non-root, read-only, no capabilities, RuntimeDefault", () => {
    const helpers = ["wait-for-weights", "wait-for-engine", "smoke-test", "label-node"];
    const seen = new Set(
      pods.flatMap(({ pod }) => [...(pod.initContainers ?? []), ...pod.containers].map((c) => c.name)),
    );
    for (const h of helpers.filter((h) => seen.has(h)))
      expect(
        all.filter((f) => f.container === h && f.check !== "image-by-tag" && f.check !== "host-path"),
        h,
      ).toEqual([]);
    expect(seen.has("wait-for-weights") && seen.has("smoke-test")).toBe(true);
  });

  it("the checks themselves find what they look for", () => {
    expect(findings({ containers: [{ name: "x", image: "a:b" }] }).map((f) => f.check)).toEqual([
      "privilege-escalation",
      "capabilities-not-dropped",
      "run-as-root",
      "writable-root-filesystem",
      "no-seccomp-profile",
      "image-by-tag",
      "service-account-token",
    ]);
  });
});
