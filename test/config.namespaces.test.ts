import { describe, expect, it } from "vitest";
import { loadSpec } from "../infra/config/load";
import { configErrorOf, valuesWithAuthOptOut } from "./helpers";

const load = (values: Record<string, string>) => () =>
  loadSpec({ stack: "test", values: valuesWithAuthOptOut(values), secretKeys: new Set() });
const header = (n: number) =>
  `Stack "test" has ${n === 1 ? "1 problem" : `${n} problems`} in its configuration (stacks/Pulumi.test.yaml):`;
const ALLOWED =
  "      allowed: glm-serving:<key> for this project, or pulumi:, kubernetes:, docker:, random: for Pulumi and the providers it uses";

describe("every key of the stack file is accounted for: a namespace not ours nor a provider's is an error", () => {
  it("a misspelt project namespace names the closest", () => {
    expect(configErrorOf(load({ "glm-servng:engine": '{"tensorParallelSize":8}' }))).toBe(
      [
        header(1),
        '  - glm-servng:engine = "{\\"tensorParallelSize\\":8}"',
        ALLOWED,
        "      fix:     rename glm-servng:engine to glm-serving:engine (did you mean glm-serving?)",
      ].join("\n"),
    );
  });

  it("an underscore instead of the dash, a bare key and an unknown provider, all in one message", () => {
    expect(configErrorOf(load({ "glm_serving:namespace": "llm", engine: "{}", "aws:region": "us-east-1" }))).toBe(
      [
        header(3),
        '  - glm_serving:namespace = "llm"',
        ALLOWED,
        "      fix:     rename glm_serving:namespace to glm-serving:namespace (did you mean glm-serving?)",
        '  - engine = "{}"',
        ALLOWED,
        "      fix:     rename engine to glm-serving:engine",
        '  - aws:region = "us-east-1"',
        ALLOWED,
        "      fix:     rename aws:region to glm-serving:region if it is a setting of this project, else remove it (no aws provider is used; the closest namespace is random)",
      ].join("\n"),
    );
  });

  it("a credential under a misspelt namespace is masked", () => {
    expect(configErrorOf(load({ "glm-servin:apiKey": "sk-plaintext" }))).toContain("  - glm-servin:apiKey = [secret]");
  });

  it("Pulumi's and the providers' own keys pass", () => {
    const spec = loadSpec({
      stack: "test",
      values: valuesWithAuthOptOut({
        "kubernetes:context": "prod",
        "pulumi:tags": "{}",
        "docker:host": "ssh://gpu",
        "glm-serving:namespace": "llm",
      }),
      secretKeys: new Set(),
    });
    expect(spec.namespace).toBe("llm");
  });
});
