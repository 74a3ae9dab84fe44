import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DockerContainerSpec } from "../docker/container";
import type { CredentialKey } from "../k8s/secret";

export interface DockerEngineArgs {
  readonly container: DockerContainerSpec;
  /** DOCKER_HOST of the GPU machine; the local daemon when unset. */
  readonly host?: string;
  readonly secrets: Partial<Record<CredentialKey, pulumi.Output<string>>>;
}

/**
 * The engine as one container on a Docker host: the pinned image pulled, the cache volume, and the
 * container with the GPUs, the host's IPC namespace (shared memory) and a restart policy.
 */
export class DockerEngine extends pulumi.ComponentResource {
  readonly container: docker.Container;

  constructor(name: string, args: DockerEngineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("glm:serving:DockerEngine", name, {}, opts);
    const c = args.container;
    const provider = args.host ? new docker.Provider(`${name}-host`, { host: args.host }, { parent: this }) : undefined;
    const child = { parent: this, ...(provider ? { provider } : {}) };
    const image = new docker.RemoteImage(`${name}-image`, { name: c.image, keepLocally: true }, child);
    const volumes = c.volumes.map((v) =>
      v.volumeName ? new docker.Volume(v.volumeName, { name: v.volumeName }, child) : undefined,
    );
    // Secrets reach the container only as environment (a Pulumi secret), never in its command: the
    // engines read their keys from the environment (SGLang through its launcher, see engines/sglang.ts).
    const secret = (key: CredentialKey) => args.secrets[key] ?? pulumi.output("");
    const envs = pulumi
      .all(c.secretEnvs.map((e) => secret(e.key).apply((v) => `${e.name}=${v}`)))
      .apply((secretEnvs) => [...c.envs, ...secretEnvs]);
    this.container = new docker.Container(
      c.name,
      {
        name: c.name,
        image: c.image,
        entrypoints: c.entrypoints,
        command: c.command,
        envs: c.secretEnvs.length ? pulumi.secret(envs) : envs,
        ports: c.ports,
        volumes: c.volumes,
        gpus: c.gpus,
        ipcMode: c.ipcMode,
        restart: c.restart,
        healthcheck: c.healthcheck,
        // Loading 750 GB takes longer than any sensible wait: the health check tracks it instead.
        wait: false,
      },
      { ...child, dependsOn: [image, ...volumes.filter((v): v is docker.Volume => v !== undefined)] },
    );
    this.registerOutputs({ container: this.container.name });
  }
}
