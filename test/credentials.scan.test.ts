import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { dockerEngineContainer } from "../infra/docker/container";
import { SGLANG_KEY_LAUNCHER } from "../infra/engines/sglang";
import { timeBudgets } from "../infra/planner/budgets";
import { renderStack } from "../infra/render/renderStack";
import { REPO_ROOT, specFrom, stackFileText } from "./helpers";

/**
 * No credential ever on a command line: every container of every rendered object (the committed
 * rendered/ of all stacks, plus stacks with every credential set, on each engine and topology) is
 * scanned. A command or argument may not name a credential flag (--api-key, --hf-token, --token,
 * --password) nor reference a variable that holds a secret ($(VAR), $VAR, ${VAR}): Kubernetes
 * expands $(VAR) into the argv, and a shell passing $VAR to a program does the same.
 */
type Container = {
  name: string;
  command?: string[];
  args?: string[];
  env?: { name: string; valueFrom?: { secretKeyRef?: unknown } }[];
};

function containersOf(obj: unknown, out: Container[] = []): Container[] {
  if (Array.isArray(obj)) obj.forEach((o) => containersOf(o, out));
  else if (obj !== null && typeof obj === "object") {
    for (const [k, v] of Object.entries(obj)) {
      if ((k === "containers" || k === "initContainers") && Array.isArray(v)) out.push(...(v as Container[]));
      containersOf(v, out);
    }
  }
  return out;
}

const CREDENTIAL_FLAG = /(^|\s)--(api-key|hf-token|token|password|admin-api-key)(=|\s|$)/;
const SECRET_NAME = /(TOKEN|API_KEY|SECRET|PASSWORD)$/;

export function commandLineFindings(where: string, c: Container): string[] {
  const secretVars = new Set([
    ...(c.env ?? []).filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.name),
    ...(c.env ?? []).map((e) => e.name).filter((n) => SECRET_NAME.test(n)),
  ]);
  const findings: string[] = [];
  for (const arg of [...(c.command ?? []), ...(c.args ?? [])]) {
    if (arg === SGLANG_KEY_LAUNCHER) continue; // reads its key from the environment, in-process (tested below)
    if (CREDENTIAL_FLAG.test(arg))
      findings.push(`${where}/${c.name}: credential flag in ${JSON.stringify(arg.slice(0, 120))}`);
    for (const name of secretVars)
      if (new RegExp(`\\$(\\(${name}\\)|\\{${name}\\}|${name}\\b)`).test(arg))
        findings.push(`${where}/${c.name}: $${name} in ${JSON.stringify(arg.slice(0, 120))}`);
  }
  return findings;
}

function renderedObjects(): [string, unknown][] {
  const root = join(REPO_ROOT, "rendered");
  return readdirSync(root).flatMap((stack) =>
    readdirSync(join(root, stack))
      .filter((f) => f.endsWith(".yaml"))
      .map((f): [string, unknown] => [
        `${stack}/${f}`,
        parseAllDocuments(readFileSync(join(root, stack, f), "utf8"))[0]!.toJS(),
      ]),
  );
}

const SECURE = { secure: "v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBB" };
const KEYED: Record<string, Record<string, unknown>> = {
  "vllm-all-jobs": {
    hfToken: SECURE,
    apiKey: SECURE,
    benchmark: { enabled: true },
    smokeTest: { enabled: true },
  },
  "sglang-keyed": { hfToken: SECURE, apiKey: SECURE, engine: { kind: "sglang" }, smokeTest: { enabled: true } },
  // No key of its own: `pulumi up` generates one (service.auth set, so the tests' opt-out stays off).
  "sglang-generated": {
    engine: { kind: "sglang" },
    service: { auth: "api-key" },
    smokeTest: { enabled: true },
    benchmark: { enabled: true },
  },
};

describe("no credential on any command line", () => {
  it("the committed rendered/ of every stack", () => {
    const objects = renderedObjects();
    const containers = objects.flatMap(([where, obj]) => containersOf(obj).map((c) => [where, c] as const));
    expect(containers.length).toBeGreaterThan(20);
    expect(containers.flatMap(([where, c]) => commandLineFindings(where, c))).toEqual([]);
  });

  // The shipped pair with Pulumi-secret credentials in place of the Secret it names.
  const shippedPair = readFileSync(join(REPO_ROOT, "stacks", "Pulumi.a2-w4a8-pair.yaml"), "utf8");
  const keyedPair = `${shippedPair.replace(/  glm-serving:service:\n    apiKeySecret:\n      name: .*\n/, "").trimEnd()}\n${[
    "  glm-serving:hfToken:",
    `    secure: ${SECURE.secure}`,
    "  glm-serving:apiKey:",
    `    secure: ${SECURE.secure}`,
  ].join("\n")}\n`;
  const texts: [string, string][] = [
    ...Object.entries(KEYED).map(([stack, config]): [string, string] => [stack, stackFileText(config)]),
    ["ascend-pair-keyed", keyedPair],
  ];
  for (const [stack, text] of texts) {
    it(`${stack}: every credential set, every container scanned`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "glm-scan-"));
      writeFileSync(join(dir, `Pulumi.${stack}.yaml`), text);
      const { files } = await renderStack(stack, dir);
      const containers = [...files.entries()].flatMap(([name, text]) =>
        containersOf(parseAllDocuments(text)[0]!.toJS()).map((c) => [name, c] as const),
      );
      expect(containers.some(([, c]) => (c.env ?? []).some((e) => e.valueFrom?.secretKeyRef))).toBe(true);
      expect(containers.flatMap(([where, c]) => commandLineFindings(where, c))).toEqual([]);
      expect([...files.values()].join("\n")).not.toContain("v1:AAAA");
    });
  }

  it("the scan itself finds what it looks for", () => {
    const env = [{ name: "SGLANG_API_KEY", valueFrom: { secretKeyRef: { name: "s", key: "api-key" } } }];
    expect(commandLineFindings("x", { name: "c", args: ["--api-key", "$(SGLANG_API_KEY)"], env })).toEqual([
      'x/c: credential flag in "--api-key"',
      'x/c: $SGLANG_API_KEY in "$(SGLANG_API_KEY)"',
    ]);
    expect(
      commandLineFindings("x", {
        name: "c",
        command: ["sh", "-c", 'hf download --token "$HF_TOKEN"'],
        env: [{ name: "HF_TOKEN" }],
      }),
    ).toHaveLength(2);
  });

  it("the Docker target keeps the key out of the container's command and entrypoint", () => {
    for (const kind of ["vllm", "sglang"] as const) {
      const spec = specFrom({ target: "docker", engine: { kind }, apiKey: "k", hfToken: "t" }, "d", [
        "apiKey",
        "hfToken",
      ]);
      const c = dockerEngineContainer(spec, timeBudgets(spec));
      const argv = [...c.entrypoints, ...c.command].filter((a) => a !== SGLANG_KEY_LAUNCHER);
      expect(argv.join(" ")).not.toMatch(/--api-key|\$\(|API_KEY|HF_TOKEN/);
      expect(c.secretEnvs.map((e) => e.name)).toContain(kind === "sglang" ? "SGLANG_API_KEY" : "VLLM_API_KEY");
    }
  });

  /** A stand-in sglang package: launch_server prints what it was started with; ServerArgs with or without admin_api_key. */
  function fakeSglang(admin: boolean): string {
    const dir = mkdtempSync(join(tmpdir(), "glm-sglang-"));
    mkdirSync(join(dir, "sglang", "srt"), { recursive: true });
    writeFileSync(join(dir, "sglang", "__init__.py"), "");
    writeFileSync(join(dir, "sglang", "srt", "__init__.py"), "");
    writeFileSync(
      join(dir, "sglang", "srt", "server_args.py"),
      [
        "import dataclasses",
        "@dataclasses.dataclass",
        "class ServerArgs:",
        "    api_key: str = None",
        ...(admin ? ["    admin_api_key: str = None"] : []),
      ].join("\n"),
    );
    // What it was started with goes to a file the test reads (REPORT): its standard streams are the
    // pod's log, where the launcher hides the keys.
    writeFileSync(
      join(dir, "sglang", "launch_server.py"),
      [
        "import json, os, sys",
        "cmdline = open('/proc/self/cmdline', 'rb').read().decode()",
        "report = {'argv': sys.argv[1:], 'inCmdline': 'sk-test' in cmdline or sys.argv[-1] in cmdline, 'inEnv': 'SGLANG_API_KEY' in os.environ}",
        "open(os.environ['REPORT'], 'w').write(json.dumps(report))",
      ].join("\n"),
    );
    return dir;
  }
  const launch = (dir: string, key?: string) => {
    const report = join(dir, `report-${Math.random().toString(36).slice(2)}.json`);
    const r = spawnSync("python3", ["-c", SGLANG_KEY_LAUNCHER, "--model-path", "/m", "--port", "8000"], {
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        PYTHONPATH: dir,
        REPORT: report,
        ...(key !== undefined ? { SGLANG_API_KEY: key } : {}),
      },
    });
    return { ...r, stdout: existsSync(report) ? readFileSync(report, "utf8") : "", log: r.stdout };
  };

  it("SGLang's launcher adds --api-key and a random --admin-api-key in-process: not in the exec'd argv, not left in the environment", () => {
    const dir = fakeSglang(true);
    const r = launch(dir, "sk-test");
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    const printed = JSON.parse(r.stdout) as { argv: string[]; inCmdline: boolean; inEnv: boolean };
    expect(printed.argv.slice(0, 6)).toEqual(["--model-path", "/m", "--port", "8000", "--api-key", "sk-test"]);
    expect(printed.argv[6]).toBe("--admin-api-key");
    // A fresh key at every start (token_urlsafe(32): 43 characters), known to no one outside the process.
    expect(printed.argv[7]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(printed.argv).toHaveLength(8);
    expect(JSON.parse(launch(dir, "sk-test").stdout).argv[7]).not.toBe(printed.argv[7]);
    expect(printed.inCmdline).toBe(false);
    expect(printed.inEnv).toBe(false);
    // Without a key (service.auth none) the admin endpoints are closed all the same.
    const open = JSON.parse(launch(dir).stdout) as { argv: string[] };
    expect(open.argv.slice(0, 5)).toEqual(["--model-path", "/m", "--port", "8000", "--admin-api-key"]);
    const empty = launch(dir, "");
    expect(empty.status).toBe(1);
    expect(empty.stderr.trim()).toBe("SGLANG_API_KEY is empty: the Secret of the API key holds no key");
  });

  it("the pod's log never shows a key: SGLang printing its arguments, its log lines and its child processes' output are redacted", () => {
    const dir = fakeSglang(true);
    // Like SGLang at start: the server arguments printed and logged, and a scheduler process that
    // logs them again, one line longer than a pipe read so a key falls across two reads.
    writeFileSync(
      join(dir, "sglang", "launch_server.py"),
      [
        "import json, logging, os, subprocess, sys",
        "logging.basicConfig(level=logging.INFO)",
        "print(f'server_args={sys.argv[1:]}', flush=True)",
        "logging.getLogger('sglang').info('api_key=%s admin_api_key=%s', sys.argv[6], sys.argv[8])",
        "long = 'x' * 65530 + sys.argv[6] + 'y' * 10",
        "subprocess.run([sys.executable, '-c', 'import os, sys; sys.stdout.write(os.environ[\\'LINE\\'] + chr(10)); sys.stderr.write(os.environ[\\'KEYS\\'] + chr(10))'], env={**os.environ, 'LINE': long, 'KEYS': sys.argv[6] + ' ' + sys.argv[8]}, check=True)",
        "open(os.environ['REPORT'], 'w').write(json.dumps(sys.argv[1:]))",
      ].join("\n"),
    );
    const r = launch(dir, "sk-test-0123456789");
    expect(r.status).toBe(0);
    const argv = JSON.parse(r.stdout) as string[];
    const [apiKey, adminKey] = [argv[5]!, argv[7]!];
    expect(apiKey).toBe("sk-test-0123456789");
    const log = r.log + r.stderr;
    expect(log).not.toContain(apiKey);
    expect(log).not.toContain(adminKey);
    const lines = r.log.split("\n");
    expect(lines[0]).toBe(
      "server_args=['--model-path', '/m', '--port', '8000', '--api-key', '[redacted]', '--admin-api-key', '[redacted]']",
    );
    expect(lines[1]).toBe(`${"x".repeat(65530)}[redacted]${"y".repeat(10)}`);
    expect(r.stderr.split("\n")).toEqual([
      "INFO:sglang:api_key=[redacted] admin_api_key=[redacted]",
      "[redacted] [redacted]",
      "",
    ]);
  });

  it("an SGLang without --admin-api-key starts with the API key only, and says so on stderr", () => {
    const r = launch(fakeSglang(false), "sk-test");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).argv).toEqual(["--model-path", "/m", "--port", "8000", "--api-key", "sk-test"]);
    expect(r.stderr.trim()).toBe(
      "glm-serving: this SGLang has no --admin-api-key: its admin endpoints answer whoever holds the API key",
    );
  });
});
