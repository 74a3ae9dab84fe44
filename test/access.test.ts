import { describe, expect, it } from "vitest";
import { loadSpec } from "../infra/config/load";
import { engineNetworkPolicy } from "../infra/k8s/networkPolicy";
import { rawStackConfig, readStackFile } from "../infra/render/stackFile";
import { configErrorOf, specFrom } from "./helpers";

/** Closed by default: a key for every Kubernetes stack or an explicit opt-out behind a NetworkPolicy. */
const raw =
  (config: Record<string, unknown>, secretKeys: string[] = []) =>
  () =>
    loadSpec({
      stack: "test",
      values: Object.fromEntries(
        Object.entries(config).map(([k, v]) => [`glm-serving:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
      ),
      secretKeys: new Set(secretKeys.map((k) => `glm-serving:${k}`)),
    });
const header = (n: number) =>
  `Stack "test" has ${n === 1 ? "1 problem" : `${n} problems`} in its configuration (stacks/Pulumi.test.yaml):`;

describe("an API key for every Kubernetes stack", () => {
  it("no key and no opt-out: `pulumi up` generates one (closed by default); a Docker host stays as it was", () => {
    expect(raw({})().credentials.apiKey).toBe("generated");
    expect(raw({ target: "docker" })().credentials.apiKey).toBe(false);
    expect(raw({ target: "docker", apiKey: "k" }, ["apiKey"])().credentials.apiKey).toBe("pulumi");
  });

  it("one source each: a Pulumi secret, the External Secrets store, an existing Secret", () => {
    expect(raw({ apiKey: "k", service: { type: "LoadBalancer" } }, ["apiKey"])().credentials.apiKey).toBe("pulumi");
    expect(raw({ externalSecrets: { enabled: true, apiKeyKey: "glm/api-key" } })().credentials.apiKey).toBe("external");
    const existing = raw({ service: { apiKeySecret: { name: "glm-api-key" } } })();
    expect(existing.credentials.apiKey).toBe("existing");
    expect(existing.service.apiKeySecret).toEqual({ name: "glm-api-key", key: "api-key" });
    expect(raw({ service: { auth: "none" } })().credentials.apiKey).toBe(false);
  });

  it("External Secrets without any key (it used to render an open API)", () => {
    expect(configErrorOf(raw({ externalSecrets: { enabled: true, storeName: "vault" } }))).toBe(
      [
        header(2),
        "  - glm-serving:externalSecrets.enabled = true",
        "      allowed: true only with a key to fetch (externalSecrets.apiKeyKey, externalSecrets.hfTokenKey)",
        "      fix:     pulumi config set --path externalSecrets.apiKeyKey '<key of the API key in the store>', or pulumi config set --path externalSecrets.enabled false",
        '  - glm-serving:service.auth = "api-key"',
        "      allowed: with externalSecrets.enabled, the API key from the store (externalSecrets.apiKeyKey) or from an existing Secret (service.apiKeySecret); or service.auth none, an explicit opt-out behind the NetworkPolicy",
        "      fix:     pulumi config set --path externalSecrets.apiKeyKey '<key of the API key in the store>', or pulumi config set --path service.apiKeySecret.name '<Secret holding api-key>'",
      ].join("\n"),
    );
  });

  it("two sources of the key, or a key with the opt-out: refused, naming both", () => {
    expect(configErrorOf(raw({ apiKey: "k", service: { apiKeySecret: { name: "glm-api-key" } } }, ["apiKey"]))).toBe(
      [
        header(1),
        '  - glm-serving:service.apiKeySecret.name = "glm-api-key"',
        "      allowed: one source of the API key; apiKey and service.apiKeySecret are both set",
        "      fix:     keep one of apiKey, service.apiKeySecret and remove the other",
      ].join("\n"),
    );
    expect(configErrorOf(raw({ apiKey: "k", service: { auth: "none" } }, ["apiKey"]))).toBe(
      [
        header(1),
        "  - glm-serving:apiKey = [secret]",
        "      allowed: no API key while service.auth is none (the opt-out serves without one)",
        "      fix:     remove apiKey, or remove service.auth (an API key is then required)",
      ].join("\n"),
    );
  });

  it("a generated key and renderYamlToDirectory: refused (the provider would write the key in plaintext)", () => {
    expect(configErrorOf(raw({ renderYamlToDirectory: "out/x" }))).toBe(
      [
        header(1),
        '  - glm-serving:renderYamlToDirectory = "out/x"',
        "      allowed: unset while `pulumi up` generates the API key: the Kubernetes provider would write the generated key in plaintext there",
        "      fix:     pulumi config set --path service.apiKeySecret.name '<Secret holding api-key>' (the files then reference it), or use npm run render instead of renderYamlToDirectory",
      ].join("\n"),
    );
  });

  it("an opt-out stays inside the cluster and keeps its NetworkPolicy", () => {
    expect(
      configErrorOf(raw({ service: { auth: "none", type: "LoadBalancer", networkPolicy: { enabled: false } } })),
    ).toBe(
      [
        header(2),
        '  - glm-serving:service.type = "LoadBalancer"',
        "      allowed: ClusterIP while service.auth is none (a NodePort or load balancer would open the API beyond the cluster)",
        "      fix:     pulumi config set --path service.type ClusterIP, or remove service.auth (an API key is then required)",
        "  - glm-serving:service.networkPolicy.enabled = false",
        "      allowed: true while service.auth is none (the NetworkPolicy is then the only thing deciding who may call)",
        "      fix:     pulumi config set --path service.networkPolicy.enabled true",
      ].join("\n"),
    );
  });

  it("every shipped Kubernetes stack is closed: it names the Secret of its key, and none opts out", async () => {
    const { readdirSync, readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { STACKS_DIR } = await import("./helpers");
    const kubernetes = readdirSync(STACKS_DIR).filter(
      (f) => !/target: docker/.test(readFileSync(join(STACKS_DIR, f), "utf8")),
    );
    expect(kubernetes.length).toBe(17);
    for (const f of kubernetes) {
      const stack = /^Pulumi\.(.+)\.yaml$/.exec(f)![1]!;
      const spec = loadSpec(rawStackConfig(stack, readStackFile(STACKS_DIR, stack)));
      expect(spec.credentials.apiKey, f).toBe("existing");
      expect(spec.service.apiKeySecret, f).toEqual({ name: `${stack}-api-key`, key: "api-key" });
    }
  });
});

describe("the NetworkPolicy", () => {
  it("admits the namespace, the router on the API port and the monitoring namespace when scraped", () => {
    const spec = specFrom({
      service: { auth: "none", networkPolicy: { routerNamespace: "gateway", routerPodLabels: { app: "envoy" } } },
      monitoring: { serviceMonitor: true },
    });
    expect(engineNetworkPolicy(spec)!.spec).toEqual({
      podSelector: { matchLabels: { "app.kubernetes.io/component": "engine", "app.kubernetes.io/instance": "test" } },
      policyTypes: ["Ingress"],
      ingress: [
        { from: [{ podSelector: {} }] },
        {
          from: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "gateway" } },
              podSelector: { matchLabels: { app: "envoy" } },
            },
          ],
          ports: [{ port: "http", protocol: "TCP" }],
        },
        {
          from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
          ports: [{ port: "http", protocol: "TCP" }],
        },
      ],
    });
  });

  it("none on a Docker host, none when switched off with a key", () => {
    expect(engineNetworkPolicy(specFrom({ target: "docker" }))).toBeUndefined();
    expect(
      engineNetworkPolicy(
        specFrom({ apiKey: "k", service: { networkPolicy: { enabled: false } } }, "test", ["apiKey"]),
      ),
    ).toBeUndefined();
  });
});
