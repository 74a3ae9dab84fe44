import { describe, expect, it } from "vitest";
import { loadSpec } from "../infra/config/load";
import { engineNetworkPolicy } from "../infra/k8s/networkPolicy";
import { configErrorOf, specFrom } from "./helpers";

/** Closed by default: a key for every Kubernetes stack or an explicit opt-out behind a NetworkPolicy. */
const raw =
  (config: Record<string, unknown>, secretKeys: string[] = []) =>
  () =>
    loadSpec({
      stack: "test",
      values: Object.fromEntries(Object.entries(config).map(([k, v]) => [`glm-serving:${k}`, JSON.stringify(v)])),
      secretKeys: new Set(secretKeys.map((k) => `glm-serving:${k}`)),
    });
const header = (n: number) =>
  `Stack "test" has ${n === 1 ? "1 problem" : `${n} problems`} in its configuration (stacks/Pulumi.test.yaml):`;

describe("an API key for every Kubernetes stack", () => {
  it("no key and no opt-out: refused, with both ways out", () => {
    expect(configErrorOf(raw({}))).toBe(
      [
        header(1),
        '  - glm-serving:service.auth = "api-key"',
        "      allowed: an API key for every Kubernetes stack: apiKey as a Pulumi secret, or externalSecrets.apiKeyKey; or service.auth none, an explicit opt-out behind the NetworkPolicy",
        '      fix:     pulumi config set --secret apiKey "$(openssl rand -hex 32)", or pulumi config set --path service.auth none',
      ].join("\n"),
    );
  });

  it("External Secrets without any key (it used to render an open API)", () => {
    expect(configErrorOf(raw({ externalSecrets: { enabled: true, storeName: "vault" } }))).toBe(
      [
        header(2),
        "  - glm-serving:externalSecrets.enabled = true",
        "      allowed: true only with a key to fetch (externalSecrets.apiKeyKey, externalSecrets.hfTokenKey)",
        "      fix:     pulumi config set --path externalSecrets.apiKeyKey '<key of the API key in the store>', or pulumi config set --path externalSecrets.enabled false",
        '  - glm-serving:service.auth = "api-key"',
        "      allowed: an API key for every Kubernetes stack: apiKey as a Pulumi secret, or externalSecrets.apiKeyKey; or service.auth none, an explicit opt-out behind the NetworkPolicy",
        "      fix:     pulumi config set --path externalSecrets.apiKeyKey '<key of the API key in the store>'",
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
        "      fix:     pulumi config set --path service.type ClusterIP, or set an API key and pulumi config set --path service.auth api-key",
        "  - glm-serving:service.networkPolicy.enabled = false",
        "      allowed: true while service.auth is none (the NetworkPolicy is then the only thing deciding who may call)",
        "      fix:     pulumi config set --path service.networkPolicy.enabled true",
      ].join("\n"),
    );
  });

  it("a key (Pulumi secret or External Secrets) passes, also behind a load balancer", () => {
    expect(raw({ apiKey: "k", service: { type: "LoadBalancer" } }, ["apiKey"])().credentials.apiKey).toBe(true);
    expect(raw({ externalSecrets: { enabled: true, apiKeyKey: "glm/api-key" } })().credentials.apiKey).toBe(true);
  });

  it("every shipped Kubernetes stack either has a key or opts out explicitly (a test of the stack files)", async () => {
    const { readdirSync, readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { STACKS_DIR } = await import("./helpers");
    for (const f of readdirSync(STACKS_DIR)) {
      const text = readFileSync(join(STACKS_DIR, f), "utf8");
      if (/target: docker/.test(text)) continue;
      expect(/glm-serving:apiKey:|apiKeyKey:|\n {4}auth: none\n/.test(text), f).toBe(true);
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
