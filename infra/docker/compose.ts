import type { ServingSpec } from "../config/spec";
import type { CredentialKey } from "../k8s/secret";
import type { DockerContainerSpec, DockerProject } from "./container";

/**
 * The Docker project as a Compose file (compose.yaml): what `docker compose up` runs as it is. Field
 * names and forms follow the Compose Specification (compose-spec/compose-spec, schema/compose-spec.json;
 * the tests validate the file against it): each container a service, the one-shot download first and
 * the engine `depends_on` it with `condition: service_completed_successfully`; the GPUs as seed 001's
 * compose service reserves them (`deploy.resources.reservations.devices`, driver nvidia, count all);
 * the download's scripts as `configs` with inline `content`, mounted where the Kubernetes ConfigMap is.
 *
 * Compose interpolates `$` in every value, so literal ones (the scripts' shell and Python) are written
 * `$$`. The only interpolations are the secrets: `${NAME:?...}` from the environment `docker compose
 * up` runs in (or an .env file beside compose.yaml), so the file never holds a secret value.
 */
const SECRET_HINT: Record<CredentialKey, string> = {
  "hf-token": "the Hugging Face token (hfToken)",
  "api-key": "the API key clients send (apiKey)",
};

const escape = (s: string) => s.replace(/\$/g, "$$$$");

function secretValue(name: string, key: CredentialKey): string {
  return `\${${name}:?${SECRET_HINT[key]}: export ${name} or set it in .env}`;
}

/** A service name: the container's name without the stack's prefix (weights, engine). */
function serviceName(spec: ServingSpec, c: DockerContainerSpec): string {
  return c.name.startsWith(`${spec.name}-`) ? c.name.slice(spec.name.length + 1) : c.name;
}

function configName(service: string, path: string): string {
  return `${service}-${path.split("/").pop()}`;
}

function service(spec: ServingSpec, c: DockerContainerSpec, after: readonly string[]): Record<string, unknown> {
  const name = serviceName(spec, c);
  const byName = new Map(c.secretEnvs.map((e) => [e.name, e.key]));
  // `$(VAR)` arguments (SGLang's --api-key) are the secret's value, as Kubernetes expands them.
  const arg = (a: string) => {
    const m = /^\$\((\w+)\)$/.exec(a);
    const key = m ? byName.get(m[1]!) : undefined;
    return key ? secretValue(m![1]!, key) : escape(a);
  };
  const environment: Record<string, string> = {};
  for (const e of c.envs) {
    const i = e.indexOf("=");
    environment[e.slice(0, i)] = escape(e.slice(i + 1));
  }
  for (const e of c.secretEnvs) environment[e.name] = secretValue(e.name, e.key);
  return {
    container_name: c.name,
    image: c.image,
    entrypoint: c.entrypoints.map(escape),
    ...(c.command.length ? { command: c.command.map(arg) } : {}),
    environment,
    ...(c.ports.length
      ? { ports: c.ports.map((p) => ({ target: p.internal, published: String(p.external), protocol: "tcp" })) }
      : {}),
    volumes: c.volumes.map((v) =>
      v.hostPath
        ? { type: "bind", source: v.hostPath, target: v.containerPath, ...(v.readOnly ? { read_only: true } : {}) }
        : { type: "volume", source: v.volumeName, target: v.containerPath, ...(v.readOnly ? { read_only: true } : {}) },
    ),
    ...(c.files?.length
      ? { configs: c.files.map((f) => ({ source: configName(name, f.path), target: f.path, mode: 0o444 })) }
      : {}),
    ...(c.ipcMode ? { ipc: c.ipcMode } : {}),
    ...(c.gpus
      ? {
          deploy: {
            resources: { reservations: { devices: [{ driver: "nvidia", count: "all", capabilities: ["gpu"] }] } },
          },
        }
      : {}),
    ...(c.healthcheck
      ? {
          healthcheck: {
            test: c.healthcheck.tests.map(escape),
            interval: c.healthcheck.interval,
            timeout: c.healthcheck.timeout,
            retries: c.healthcheck.retries,
            start_period: c.healthcheck.startPeriod,
          },
        }
      : {}),
    restart: c.restart,
    ...(after.length
      ? { depends_on: Object.fromEntries(after.map((s) => [s, { condition: "service_completed_successfully" }])) }
      : {}),
  };
}

export function composeFile(spec: ServingSpec, project: DockerProject): Record<string, unknown> {
  const services: Record<string, unknown> = {};
  const configs: Record<string, unknown> = {};
  const volumes: Record<string, unknown> = {};
  const oneShots: string[] = [];
  for (const c of project.containers) {
    const name = serviceName(spec, c);
    services[name] = service(spec, c, c.oneShot ? [] : oneShots);
    if (c.oneShot) oneShots.push(name);
    for (const f of c.files ?? []) configs[configName(name, f.path)] = { content: escape(f.content) };
    for (const v of c.volumes) if (v.volumeName) volumes[v.volumeName] = { name: v.volumeName };
  }
  return {
    name: spec.name,
    services,
    ...(Object.keys(volumes).length ? { volumes } : {}),
    ...(Object.keys(configs).length ? { configs } : {}),
  };
}
