import type { ServingSpec } from "../config/spec";
import { engineDriver } from "../engines";
import type { TimeBudgets } from "../planner/budgets";
import type { CredentialKey } from "../k8s/secret";
import { cacheLayout } from "../k8s/weightCache";

/**
 * The single-host Docker target: the same engine spec as on Kubernetes (image, entrypoint, argv) as
 * one container on a GPU host, as seed 000's `docker run --gpus all --ipc=host -p 8000:8000 -v
 * ~/.cache/huggingface:/root/.cache/huggingface <image> <args>` does.
 *
 * One difference from the cluster: there is no download Job, so the container fetches the pinned
 * revision into its cache itself on first start (HF_HUB_OFFLINE is not set; HF_TOKEN is passed when
 * configured), and its health check allows for that download.
 */
export interface DockerContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly entrypoints: string[];
  /** The engine's argv; `$(VAR)` stands for a secret the component substitutes (Docker does not expand it). */
  readonly command: string[];
  /** Plain environment, `NAME=value`. */
  readonly envs: string[];
  /** Environment from the stack's secrets. */
  readonly secretEnvs: { readonly name: string; readonly key: CredentialKey }[];
  readonly ports: { readonly internal: number; readonly external: number }[];
  readonly volumes: { readonly containerPath: string; readonly hostPath?: string; readonly volumeName?: string }[];
  readonly gpus: "all";
  readonly ipcMode: "host";
  readonly restart: string;
  readonly healthcheck: { tests: string[]; interval: string; timeout: string; retries: number; startPeriod: string };
}

/** Seconds allowed for the first start: download at the expected rate, then the usual startup. */
function firstStartSeconds(spec: ServingSpec, budgets: TimeBudgets): number {
  return (
    Math.ceil(spec.model.entry.checkpointBytes / (spec.weightCache.downloadBandwidthMBps * 1e6)) +
    budgets.startupSeconds
  );
}

export function dockerEngineContainer(spec: ServingSpec, budgets: TimeBudgets): DockerContainerSpec {
  const c = engineDriver(spec.engine).container(spec, budgets);
  const layout = cacheLayout(spec);
  // The first start downloads the checkpoint inside the engine's startup: its ready timeout covers both.
  const plain = c.env
    .filter((e) => e.value !== undefined && e.name !== "HF_HUB_OFFLINE")
    .map((e) =>
      e.name === "VLLM_ENGINE_READY_TIMEOUT_S" ? { ...e, value: String(firstStartSeconds(spec, budgets)) } : e,
    );
  const fromSecrets = c.env
    .filter((e) => e.valueFrom?.secretKeyRef)
    .map((e) => ({ name: e.name, key: e.valueFrom!.secretKeyRef!.key as CredentialKey }));
  const d = spec.docker;
  return {
    name: `${spec.name}-engine`,
    image: c.image,
    entrypoints: [...c.command],
    command: [...c.args],
    envs: plain.map((e) => `${e.name}=${e.value}`),
    secretEnvs: [...(spec.credentials.hfToken ? [{ name: "HF_TOKEN", key: "hf-token" as const }] : []), ...fromSecrets],
    ports: [{ internal: c.port, external: d.publishPort }],
    volumes: [
      d.cacheHostPath
        ? { containerPath: layout.mountPath, hostPath: d.cacheHostPath }
        : { containerPath: layout.mountPath, volumeName: d.cacheVolume },
    ],
    gpus: "all",
    ipcMode: "host",
    restart: d.restart,
    healthcheck: {
      tests:
        c.httpClient === "curl"
          ? ["CMD", "curl", "-fsS", `http://localhost:${c.port}${c.healthPath}`]
          : [
              "CMD",
              "python3",
              "-c",
              `import urllib.request; urllib.request.urlopen("http://localhost:${c.port}${c.healthPath}")`,
            ],
      interval: "30s",
      timeout: "10s",
      retries: 5,
      startPeriod: `${firstStartSeconds(spec, budgets)}s`,
    },
  };
}

/** Where clients reach the API: the Docker host's name, or localhost for the local daemon. */
export function dockerEndpoint(spec: ServingSpec): string {
  const host = spec.docker.host
    ? (
        spec.docker.host
          .replace(/^[a-z]+:\/\//, "")
          .split("@")
          .pop() ?? "localhost"
      ).split(":")[0]
    : "localhost";
  return `http://${host}:${spec.docker.publishPort}/v1`;
}
