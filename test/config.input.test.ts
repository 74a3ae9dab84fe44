import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSpec } from "../infra/config/load";
import { HOST_PATH_ROOTS } from "../infra/config/schema/hostPath";
import { parseStackFile, rawStackConfig, readStackFile } from "../infra/render/stackFile";
import { configErrorOf, REPO_ROOT, specFrom, STACKS_DIR, valuesWithAuthOptOut } from "./helpers";

/** Inputs that used to render, hang or print a stack trace: each now gets its exact message. */
const load = (text: string) => () => {
  const raw = rawStackConfig("test", parseStackFile("test", text));
  return loadSpec({ ...raw, values: valuesWithAuthOptOut(raw.values) });
};
const header = (stack: string, n: number) =>
  `Stack "${stack}" has ${n === 1 ? "1 problem" : `${n} problems`} in its configuration (stacks/Pulumi.${stack}.yaml):`;
const msg = (stack: string, n: number, ...lines: string[]) => [header(stack, n), ...lines].join("\n");
const LABEL_NAME =
  "a DNS-1123 label: lowercase letters, digits and '-', starting and ending alphanumeric, at most 63 characters (objects, namespaces and rendered/<stack>/ are named after it)";
const SUBDOMAIN =
  "a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending alphanumeric, at most 253 characters";
const QUALIFIED =
  "keys that are a qualified name: an optional DNS-subdomain prefix and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric";
const HOST_PATH = `an absolute directory below ${HOST_PATH_ROOTS.join(", ")}, without '.', '..' or empty segments (system and kubelet directories such as /etc, /usr and /var/lib/kubelet are refused)`;

describe("stack names are DNS labels, checked before any file is opened", () => {
  for (const [stack, fixed] of [
    ["Prod.H200", "prod-h200"],
    ["My Stack", "my-stack"],
    ["ünï", "uni"],
    ["../etc/passwd", "etc-passwd"],
  ] as const) {
    it(JSON.stringify(stack), () => {
      expect(configErrorOf(() => readStackFile(STACKS_DIR, stack))).toBe(
        msg(
          stack,
          1,
          `  - (stack name) = ${JSON.stringify(stack)}`,
          `      allowed: ${LABEL_NAME}`,
          `      fix:     rename the stack to ${fixed} (pulumi stack rename ${fixed}; file stacks/Pulumi.${fixed}.yaml)`,
        ),
      );
    });
  }

  it("an unknown stack lists the stacks and suggests the closest", () => {
    expect(configErrorOf(() => readStackFile(STACKS_DIR, "h200-fp9"))).toMatch(
      /^Stack "h200-fp9" has 1 problem .*\n  - \(stack file\) = ".*Pulumi\.h200-fp9\.yaml"\n      allowed: one of the stacks in .*: a2-w4a8, .*h200-fp8, .*staging\n      fix:     use h200-fp8 \(did you mean h200-fp8\?\), or create .*Pulumi\.h200-fp9\.yaml$/,
    );
  });
});

describe("only a regular file of bounded size is read", () => {
  const dir = mkdtempSync(join(tmpdir(), "glm-stacks-"));
  mkdirSync(join(dir, "Pulumi.adir.yaml"));
  execFileSync("mkfifo", [join(dir, "Pulumi.fifo.yaml")]);
  writeFileSync(join(dir, "Pulumi.huge.yaml"), "#".repeat(1024 * 1024 + 1));
  const path = (s: string) => join(dir, `Pulumi.${s}.yaml`);

  it("a directory", () => {
    expect(configErrorOf(() => readStackFile(dir, "adir"))).toBe(
      msg(
        "adir",
        1,
        `  - (stack file) = ${JSON.stringify(path("adir"))}`,
        "      allowed: a regular file",
        `      fix:     ${path("adir")} is a directory: replace it with the stack's YAML file`,
      ),
    );
  });

  it("a FIFO is refused at once (opened non-blocking, checked on the descriptor)", () => {
    const started = Date.now();
    expect(configErrorOf(() => readStackFile(dir, "fifo"))).toContain(
      `      fix:     ${path("fifo")} is a named pipe (FIFO): replace it with the stack's YAML file`,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("more than a megabyte", () => {
    expect(configErrorOf(() => readStackFile(dir, "huge"))).toBe(
      msg(
        "huge",
        1,
        '  - (stack file) = "1048577 bytes"',
        "      allowed: a stack file of at most 1048576 bytes",
        `      fix:     remove what is not configuration from ${path("huge")}`,
      ),
    );
  });
});

describe("YAML: the whole error with line, column and key; aliases bounded", () => {
  it("a syntax error", () => {
    expect(configErrorOf(load("config:\n  glm-serving:engine:\n    tensorParallelSize: [8\n    maxNumSeqs: 4\n"))).toBe(
      msg(
        "test",
        1,
        '  - (stack file) line 4, column 5, key maxNumSeqs = "maxNumSeqs: 4"',
        "      allowed: a YAML document with a top-level `config:` mapping",
        "      fix:     correct the YAML at line 4, column 5: Flow sequence in block collection must be sufficiently indented and end with a ]",
      ),
    );
  });

  it("a duplicate key is named, with both lines, alongside the config's own problems", () => {
    expect(
      configErrorOf(
        load(
          "config:\n  glm-serving:engine:\n    tensorParallelSize: 8\n    tensorParallelSize: 4\n    maxNumSeqs: 0\n",
        ),
      ),
    ).toBe(
      msg(
        "test",
        2,
        "  - glm-serving:engine.tensorParallelSize = 4",
        "      allowed: each key once in a mapping",
        "      fix:     keep one of the two glm-serving:engine.tensorParallelSize (lines 3 and 4, column 5)",
        "  - glm-serving:engine.maxNumSeqs = 0",
        "      allowed: a number >= 1",
        "      fix:     set engine.maxNumSeqs to a number >= 1",
      ),
    );
  });

  it("an undefined alias", () => {
    expect(configErrorOf(load("config:\n  glm-serving:engine: *nope\n"))).toBe(
      msg(
        "test",
        1,
        '  - (stack file) = "Unresolved alias (the anchor must be set before the alias): nope"',
        "      allowed: YAML aliases that refer to an earlier anchor, expanding to at most 100 copies",
        "      fix:     define the anchor (&name) before its alias (*name), or write the value out",
      ),
    );
  });

  it("an alias bomb stops at the yaml package's maxAliasCount", () => {
    const bomb = [
      "a: &a [1,1,1,1,1,1,1,1,1]",
      "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
      "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
      "config:",
      "  glm-serving:engine:",
      "    extraArgs: [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
    ].join("\n");
    expect(configErrorOf(load(bomb))).toBe(
      msg(
        "test",
        1,
        '  - (stack file) = "Excessive alias count indicates a resource exhaustion attack"',
        "      allowed: YAML aliases that refer to an earlier anchor, expanding to at most 100 copies",
        "      fix:     write the values out instead of nesting aliases of aliases",
      ),
    );
  });

  it("NaN and Infinity are named as such, not as null", () => {
    expect(
      configErrorOf(load("config:\n  glm-serving:engine:\n    gpuMemoryUtilization: .nan\n    maxNumSeqs: -.inf\n")),
    ).toBe(
      msg(
        "test",
        2,
        "  - glm-serving:engine.gpuMemoryUtilization = NaN",
        "      allowed: a finite number (YAML .nan and .inf are not numbers any setting accepts)",
        "      fix:     set engine.gpuMemoryUtilization to a finite number",
        "  - glm-serving:engine.maxNumSeqs = -Infinity",
        "      allowed: a finite number (YAML .nan and .inf are not numbers any setting accepts)",
        "      fix:     set engine.maxNumSeqs to a finite number",
      ),
    );
  });

  it("50,000 stray keys: linear time, and a message of the first 50 and a count", () => {
    const text = "config:\n" + Array.from({ length: 50000 }, (_, i) => `  glm-serving:k${i}: 1\n`).join("");
    const started = Date.now();
    const message = configErrorOf(load(text));
    expect(Date.now() - started).toBeLessThan(20000);
    expect(message.split("\n")).toHaveLength(1 + 50 * 3 + 1);
    expect(message.split("\n").at(-1)).toBe(
      "  ... and 49950 more, not listed: 50000 problems in all, every one found in this pass (--json lists each)",
    );
    // The error carries each one (what --json prints).
    let problems: unknown[] = [];
    try {
      load(text)();
    } catch (e) {
      problems = [...(e as { problems: unknown[] }).problems];
    }
    expect(problems).toHaveLength(50000);
  });
});

describe("free-text Kubernetes fields are checked as the API server would", () => {
  it("storage and priority classes, store name, label and annotation keys and values", () => {
    const text = [
      "config:",
      "  glm-serving:weightCache:",
      "    storageClass:",
      "      name: fast ssd",
      "      type: efs",
      "  glm-serving:pod:",
      "    priorityClassName: Not Valid",
      "    cpu: 16 cores",
      "    memory: 512GB",
      "  glm-serving:monitoring:",
      "    labels:",
      '      "bad key!": x',
      "      release: not valid value",
      "  glm-serving:service:",
      "    auth: none",
      "    annotations:",
      '      "example.com/ok": "yes"',
      '      "-bad": x',
      "  glm-serving:externalSecrets:",
      "    storeName: my store",
    ].join("\n");
    expect(configErrorOf(load(text))).toBe(
      msg(
        "test",
        8,
        '  - glm-serving:weightCache.storageClass.name = "fast ssd"',
        `      allowed: ${SUBDOMAIN}`,
        '      fix:     set weightCache.storageClass.name to "fast-ssd"',
        '  - glm-serving:pod.cpu = "16 cores"',
        '      allowed: a Kubernetes quantity such as "32", "500m", "16Gi" or "2Ti"',
        '      fix:     set pod.cpu to "16"',
        '  - glm-serving:pod.memory = "512GB"',
        '      allowed: a Kubernetes quantity such as "32", "500m", "16Gi" or "2Ti"',
        '      fix:     set pod.memory to "512G"',
        '  - glm-serving:pod.priorityClassName = "Not Valid"',
        `      allowed: ${SUBDOMAIN}`,
        '      fix:     set pod.priorityClassName to "not-valid"',
        '  - glm-serving:service.annotations["-bad"] = "x"',
        `      allowed: ${QUALIFIED}`,
        '      fix:     rename the key "-bad" to "bad"',
        '  - glm-serving:monitoring.labels["bad key!"] = "x"',
        `      allowed: ${QUALIFIED}`,
        '      fix:     rename the key "bad key!" to "bad-key"',
        '  - glm-serving:monitoring.labels.release = "not valid value"',
        "      allowed: a label value: empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric",
        '      fix:     set monitoring.labels.release to "not-valid-value"',
        '  - glm-serving:externalSecrets.storeName = "my store"',
        `      allowed: ${SUBDOMAIN}`,
        '      fix:     set externalSecrets.storeName to "my-store"',
      ),
    );
  });

  it("a 2 MB annotation and a 5 MB prompt stay under the object size limits", () => {
    const text = `config:\n  glm-serving:service:\n    annotations:\n      a: "${"x".repeat(2 * 1024 * 1024)}"\n  glm-serving:smokeTest:\n    prompt: "${"p".repeat(5 * 1024 * 1024)}"\n`;
    const message = configErrorOf(load(text));
    expect(message).toContain(
      "      allowed: annotations of at most 262144 bytes together (the API server's limit); these have 2097153\n      fix:     shorten or remove annotations of service.annotations",
    );
    expect(message).toContain(
      "      allowed: at most 16384 characters\n      fix:     set smokeTest.prompt to at most 16384 characters",
    );
  });

  for (const [path, fixed] of [
    ["/var/../etc", "/mnt/etc"],
    ["/etc", "/mnt/etc"],
    ["/usr/local/glm", "/mnt/glm"],
    ["/var/lib/kubelet/glm", "/mnt/glm"],
    ["/mnt//x", "/mnt/x"],
    ["/mnt/nvme/", "/mnt/nvme"],
    ["relative/x", "/mnt/x"],
  ] as const) {
    it(`hostPath ${path} is not a cache location`, () => {
      const text = `config:\n  glm-serving:weightCache:\n    hostPath: "${path}"\n`;
      expect(configErrorOf(load(text))).toBe(
        msg(
          "test",
          1,
          `  - glm-serving:weightCache.hostPath = ${JSON.stringify(path)}`,
          `      allowed: ${HOST_PATH}`,
          `      fix:     set weightCache.hostPath to ${fixed} (a directory on the node's local NVMe)`,
        ),
      );
    });
  }
});

describe("every problem in one pass", () => {
  it("a value error does not hold back a cross-setting rule", () => {
    expect(
      configErrorOf(load("config:\n  glm-serving:engine:\n    tensorParallelSize: 3\n    gpuMemoryUtilization: 2\n")),
    ).toBe(
      msg(
        "test",
        2,
        "  - glm-serving:engine.gpuMemoryUtilization = 2",
        "      allowed: a number <= 1",
        "      fix:     set engine.gpuMemoryUtilization to a number <= 1",
        "  - glm-serving:engine.tensorParallelSize = 3",
        "      allowed: a divisor of the 8 devices of one h200-141gb node: 1, 2, 4, 8",
        "      fix:     pulumi config set --path engine.tensorParallelSize 8",
      ),
    );
  });
});

describe("every format problem has a concrete fix", () => {
  it("the example its rule gives, as a value to set", () => {
    expect(
      configErrorOf(() => specFrom({ images: { registry: "Bad Registry!" }, benchmark: { endpoint: "v1/chat" } })),
    ).toBe(
      msg(
        "test",
        2,
        '  - glm-serving:benchmark.endpoint = "v1/chat"',
        '      allowed: a path such as "/v1/chat/completions"',
        '      fix:     set benchmark.endpoint to "/v1/chat/completions", for example',
        '  - glm-serving:images.registry = "Bad Registry!"',
        "      allowed: a registry path such as ghcr.io/my-org",
        '      fix:     set images.registry to "ghcr.io/my-org", for example',
      ),
    );
  });

  it('no message says "change X to match what is allowed" any more', () => {
    const source = readFileSync(join(REPO_ROOT, "infra", "config", "zodProblems.ts"), "utf8");
    expect(source).not.toContain("to match what is allowed");
  });
});

describe("did you mean: engines, and keys that belong to another engine", () => {
  it("a misspelt engine kind", () => {
    expect(configErrorOf(() => specFrom({ engine: { kind: "sglng" } }))).toBe(
      msg(
        "test",
        1,
        '  - glm-serving:engine.kind = "sglng"',
        "      allowed: one of vllm, sglang, vllm-ascend, llama-cpp",
        "      fix:     set engine.kind to sglang",
      ),
    );
  });

  it("an SGLang key under vLLM and a vLLM key under SGLang name the engine they belong to", () => {
    expect(configErrorOf(() => specFrom({ engine: { memFractionStatic: 0.8 } }))).toContain(
      "      fix:     remove engine.memFractionStatic: it is a setting of engine.kind sglang, not of vllm; set engine.kind sglang to use it",
    );
    expect(configErrorOf(() => specFrom({ engine: { kind: "sglang", gpuMemoryUtilization: 0.9 } }))).toContain(
      "      fix:     remove engine.gpuMemoryUtilization: it is a setting of engine.kind vllm, not of sglang; set engine.kind vllm to use it",
    );
  });
});
