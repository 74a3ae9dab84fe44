import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DockerProject } from "../docker/container";
import type { CredentialKey } from "../k8s/secret";

export interface DockerEngineArgs {
  /** The containers in the order they run: the one-shot weight download, then the engine. */
  readonly project: DockerProject;
  /** DOCKER_HOST of the GPU machine; the local daemon when unset. */
  readonly host?: string;
  readonly secrets: Partial<Record<CredentialKey, pulumi.Output<string>>>;
}

/**
 * A Docker stack on one host: the pinned images pulled, the cache volume, then the containers in
 * order: the weight download (run to completion: attached, its exit awaited) and the engine, created
 * only after it, with the GPUs, the host's IPC namespace (shared memory) and a restart policy. The
 * same containers, in the same order, as the Compose file `npm run render` writes (docker/compose.ts).
 */
export class DockerEngine extends pulumi.ComponentResource {
  readonly containers: docker.Container[] = [];

  constructor(name: string, args: DockerEngineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("glm:serving:DockerEngine", name, {}, opts);
    const provider = args.host ? new docker.Provider(`${name}-host`, { host: args.host }, { parent: this }) : undefined;
    const child = { parent: this, ...(provider ? { provider } : {}) };
    const images = new Map<string, docker.RemoteImage>();
    const volumes = new Map<string, docker.Volume>();
    let before: pulumi.Resource[] = [];
    for (const c of args.project.containers) {
      const image =
        images.get(c.image) ?? new docker.RemoteImage(`${c.name}-image`, { name: c.image, keepLocally: true }, child);
      images.set(c.image, image);
      for (const v of c.volumes)
        if (v.volumeName && !volumes.has(v.volumeName))
          volumes.set(v.volumeName, new docker.Volume(v.volumeName, { name: v.volumeName }, child));
      // Secrets reach the container only as environment (a Pulumi secret), never in its command: the
      // engines read their keys from the environment (SGLang through its launcher, engines/sglang/index.ts).
      const secret = (key: CredentialKey) => args.secrets[key] ?? pulumi.output("");
      const envs = pulumi
        .all(c.secretEnvs.map((e) => secret(e.key).apply((v) => `${e.name}=${v}`)))
        .apply((secretEnvs) => [...c.envs, ...secretEnvs]);
      const container = new docker.Container(
        c.name,
        {
          name: c.name,
          image: c.image,
          entrypoints: c.entrypoints,
          command: c.command,
          envs: c.secretEnvs.length ? pulumi.secret(envs) : envs,
          ports: c.ports,
          volumes: c.volumes,
          ...(c.gpus ? { gpus: c.gpus } : {}),
          ...(c.ipcMode ? { ipcMode: c.ipcMode } : {}),
          restart: c.restart,
          ...(c.healthcheck ? { healthcheck: c.healthcheck } : {}),
          ...(c.files?.length ? { uploads: c.files.map((f) => ({ file: f.path, content: f.content })) } : {}),
          // The download runs to completion: Pulumi attaches, waits for its exit and does not expect
          // it to keep running; the engine loads 750 GB, longer than any sensible wait, so its health
          // check tracks that instead.
          ...(c.oneShot ? { attach: true, mustRun: false, logs: true } : { wait: false }),
        },
        { ...child, dependsOn: [image, ...volumes.values(), ...before] },
      );
      this.containers.push(container);
      if (c.oneShot) before = [...before, container];
    }
    this.registerOutputs({ containers: this.containers.map((c) => c.name) });
  }
}
