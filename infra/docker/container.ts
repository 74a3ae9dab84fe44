import type { ServingSpec } from "../config/spec";
import { engineDriver } from "../engines";
import type { TimeBudgets } from "../planner/budgets";
import type { CredentialKey, ProcessEnv } from "../core/process";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import { cacheLayout, cacheScriptFiles, downloadContainer, SCRIPTS_DIR } from "../k8s/weightCache";

/**
 * The single-host Docker target: the same engine spec as on Kubernetes (image, entrypoint, argv) as
 * one container on a GPU host, as seed 000's `docker run --gpus all --ipc=host -p 8000:8000 -v
 * ~/.cache/huggingface:/root/.cache/huggingface <image> <args>` does, after a one-shot container that
 * fills the cache: the Kubernetes cache's download and verification (the same command, scripts and
 * environment as its Job), which must exit 0 before the engine starts. The engine then runs offline
 * (HF_HUB_OFFLINE=1) on the verified cache, mounted read-only.
 *
 * Both ways of running it read this one description: `npm run render` writes it as a Compose file
 * (docker/compose.ts), `pulumi up` creates the same containers in the same order (DockerEngine).
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
  readonly volumes: {
    readonly containerPath: string;
    readonly hostPath?: string;
    readonly volumeName?: string;
    readonly readOnly?: boolean;
  }[];
  /** GPUs and the host's IPC namespace: the engine's; the download needs neither. */
  readonly gpus?: "all";
  readonly ipcMode?: "host";
  readonly restart: string;
  readonly healthcheck?: { tests: string[]; interval: string; timeout: string; retries: number; startPeriod: string };
  /** Runs to completion (the download); the containers after it start only once it exited 0. */
  readonly oneShot?: boolean;
  /** Files placed in the container before it starts (the download's scripts), path -> content. */
  readonly files?: readonly { readonly path: string; readonly content: string }[];
}

/** The containers of a Docker stack, in the order they run. */
export interface DockerProject {
  readonly containers: readonly DockerContainerSpec[];
}

/** The cache on the host: a host directory (seed 000's ~/.cache/huggingface) or a named volume. */
function cacheMount(spec: ServingSpec, readOnly: boolean): DockerContainerSpec["volumes"][number] {
  const d = spec.docker;
  const containerPath = cacheLayout(spec).mountPath;
  return {
    containerPath,
    ...(d.cacheHostPath ? { hostPath: d.cacheHostPath } : { volumeName: d.cacheVolume }),
    ...(readOnly ? { readOnly: true } : {}),
  };
}

/** A Kubernetes container's environment as Docker's: plain `NAME=value`, and the secrets by key. */
function dockerEnv(env: readonly IEnvVar[]) {
  return {
    envs: env.filter((e) => e.value !== undefined).map((e) => `${e.name}=${e.value}`),
    secretEnvs: env
      .filter((e) => e.valueFrom?.secretKeyRef)
      .map((e) => ({ name: e.name, key: e.valueFrom!.secretKeyRef!.key as CredentialKey })),
  };
}

/** The weight download: the Kubernetes cache's download container, run once to completion. */
export function dockerDownloadContainer(spec: ServingSpec): DockerContainerSpec {
  const k = downloadContainer(spec);
  return {
    name: `${spec.name}-weights`,
    image: k.image!,
    entrypoints: [...(k.command ?? [])],
    command: [...(k.args ?? [])],
    ...dockerEnv(k.env ?? []),
    ports: [],
    volumes: [cacheMount(spec, false)],
    restart: "no",
    oneShot: true,
    files: Object.entries(cacheScriptFiles()).map(([file, content]) => ({ path: `${SCRIPTS_DIR}/${file}`, content })),
  };
}

/** The engine process's environment as Docker's: plain `NAME=value`, and the secrets by key. */
function processDockerEnv(env: readonly ProcessEnv[]) {
  return {
    envs: env.flatMap((e) => ("value" in e ? [`${e.name}=${e.value}`] : [])),
    secretEnvs: env.flatMap((e) => ("secret" in e ? [{ name: e.name, key: e.secret }] : [])),
  };
}

export function dockerEngineContainer(spec: ServingSpec, budgets: TimeBudgets): DockerContainerSpec {
  const c = engineDriver(spec.engine).process(spec, budgets);
  const env = processDockerEnv(c.env);
  const health = `http://localhost:${c.port}${c.healthPath}`;
  return {
    name: `${spec.name}-engine`,
    image: c.image,
    entrypoints: [...c.command],
    command: [...c.args],
    envs: env.envs,
    secretEnvs: env.secretEnvs,
    ports: [{ internal: c.port, external: spec.docker.publishPort }],
    volumes: [cacheMount(spec, true)],
    gpus: "all",
    ipcMode: "host",
    restart: spec.docker.restart,
    healthcheck: {
      tests:
        c.httpClient === "curl"
          ? ["CMD", "curl", "-fsS", health]
          : ["CMD", "python3", "-c", `import urllib.request; urllib.request.urlopen("${health}")`],
      interval: "30s",
      timeout: "10s",
      retries: 5,
      // The cache is complete when the engine starts: reading the weights and warming up is the budget.
      startPeriod: `${budgets.startupSeconds}s`,
    },
  };
}

/** The download, then the engine. */
export function dockerProject(spec: ServingSpec, budgets: TimeBudgets): DockerProject {
  return { containers: [dockerDownloadContainer(spec), dockerEngineContainer(spec, budgets)] };
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
