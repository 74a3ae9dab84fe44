import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import {
  bundle,
  COMMON_MODULE,
  CONTAINER_SCRIPTS,
  CONTAINER_SCRIPTS_DIR,
  containerScript,
  type ContainerScriptName,
} from "../infra/containerScripts";
import { BENCH_SCRIPT, SWEEP_SCRIPT, WAIT_FOR_ENGINE_SCRIPT } from "../infra/k8s/benchmark";
import { LLAMA_SERVER, LLAMA_START_SCRIPT } from "../infra/engines/llamaCpp";
import { REPO_ROOT } from "./helpers";
import { PYTHON, runHarness, shippedScriptsDir } from "./scriptRunner";

/**
 * The container scripts are files of infra/containerScripts: each is run by a test (here or in the
 * test named below), linted with shellcheck and pyflakes where the machine has them, and no script
 * text is left in TypeScript.
 */
const RUN_BY: Record<ContainerScriptName, string> = {
  "download.sh": "weightCache.scripts.test.ts",
  "weight_cache.py": "weightCache.scripts.test.ts",
  "hub_manifest.py": "weightCache.scripts.test.ts",
  "verify_checkpoint.py": "weightCache.scripts.test.ts",
  "mirror_to_bucket.py": "weightCache.scripts.test.ts",
  "wait_for_cache.py": "weightCache.scripts.test.ts",
  "label_node.py": "containerScripts.test.ts",
  "group_entrypoint.sh": "engines.groups.test.ts",
  "llama_server_start.sh": "engines.llamaCpp.test.ts",
  "sglang_key_launcher.py": "credentials.scan.test.ts",
  "wait_for_engine.py": "containerScripts.test.ts",
  "smoke_test.py": "smokeTest.test.ts",
  "tool_call_smoke_test.py": "engines.llamaCpp.test.ts",
  "bench.sh": "containerScripts.test.ts",
  "bench_sweep.sh": "containerScripts.test.ts",
};
/** What each test file calls a script by: its exported text, or (the cache's) its file name. */
const RUN_AS: Record<ContainerScriptName, string> = {
  "download.sh": "DOWNLOAD_SCRIPT",
  "weight_cache.py": "DOWNLOAD_SCRIPT",
  "hub_manifest.py": "FAKE_HUB",
  "verify_checkpoint.py": '"verify_checkpoint.py"',
  "mirror_to_bucket.py": "FAKE_BOTO3",
  "wait_for_cache.py": "WAIT_FOR_CACHE_SCRIPT",
  "label_node.py": '"label_node.py"',
  "group_entrypoint.sh": "Every rank's entrypoint runs in sh",
  "llama_server_start.sh": "LLAMA_START_SCRIPT.replace",
  "sglang_key_launcher.py": "SGLANG_KEY_LAUNCHER",
  "wait_for_engine.py": "WAIT_FOR_ENGINE_SCRIPT",
  "smoke_test.py": "SMOKE_SCRIPT",
  "tool_call_smoke_test.py": "TOOL_CALL_SMOKE_SCRIPT",
  "bench.sh": "BENCH_SCRIPT",
  "bench_sweep.sh": "SWEEP_SCRIPT",
};

describe("container scripts are files", () => {
  it("the folder holds the listed scripts, the shared module and its reader, nothing else", () => {
    expect(readdirSync(CONTAINER_SCRIPTS_DIR).sort()).toEqual(
      [...CONTAINER_SCRIPTS, COMMON_MODULE, "index.ts"].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  });

  it("no TypeScript under infra/ holds a script's text", () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith(".ts") && p !== join(CONTAINER_SCRIPTS_DIR, "index.ts")) {
          const text = readFileSync(p, "utf8");
          // A template literal opening a shell script or a Python program, or Python lines joined.
          for (const m of text.matchAll(/`(?:#!|set -e|import [a-z]+, |from [a-z_.]+ import )|"import [a-z]+, [a-z]+/g))
            offenders.push(`${relative(REPO_ROOT, p)}: ${m[0]}`);
        }
      }
    };
    walk(join(REPO_ROOT, "infra"));
    expect(offenders).toEqual([]);
  });

  it.each(CONTAINER_SCRIPTS.map((s) => [s, RUN_BY[s], RUN_AS[s]] as const))(
    "%s is run by test/%s (as %s)",
    (_, testFile, as) => {
      expect(readFileSync(join(REPO_ROOT, "test", testFile), "utf8")).toContain(as);
    },
  );

  it("a shared helper is put in place of its import line; the shipped text imports nothing of ours", () => {
    const common = "import os\n\n\ndef a(x):\n    return x\n\n\ndef b(y):\n\n    return y\n\n\nC = 1\n";
    expect(bundle("import os\nfrom glm_serving_common import a, b\nprint(a(1))\n", common)).toBe(
      "import os\ndef a(x):\n    return x\n\n\ndef b(y):\n\n    return y\nprint(a(1))\n",
    );
    expect(() => bundle("from glm_serving_common import C\n", common, "x.py")).toThrow(
      "x.py imports C, which glm_serving_common.py does not define",
    );
    for (const s of CONTAINER_SCRIPTS) expect(containerScript(s), s).not.toContain("glm_serving_common");
  });

  it("the shipped texts are the ones the builders use", () => {
    expect(BENCH_SCRIPT).toBe(readFileSync(join(CONTAINER_SCRIPTS_DIR, "bench.sh"), "utf8"));
    expect(WAIT_FOR_ENGINE_SCRIPT).toBe(containerScript("wait_for_engine.py"));
    // llama.cpp's start step execs the image's server binary.
    expect(LLAMA_START_SCRIPT).toContain(`\nexec ${LLAMA_SERVER} --model "$model" "$@"\n`);
  });
});

const have = (argv: readonly string[]) => spawnSync(argv[0]!, [...argv.slice(1), "--version"]).status === 0;
const SHELLCHECK = have(["shellcheck"]);
/** Debian's python3-pyflakes installs pyflakes3; pip's, pyflakes and the module. */
const PYFLAKES = [["pyflakes3"], ["pyflakes"], [PYTHON, "-m", "pyflakes"]].find(have);

describe("lint (shellcheck, pyflakes)", () => {
  // As shipped: the shell scripts run under /bin/sh -c; the Python ones with their helpers in place.
  const shell = CONTAINER_SCRIPTS.filter((s) => s.endsWith(".sh"));
  const python = CONTAINER_SCRIPTS.filter((s) => s.endsWith(".py"));

  it.skipIf(!SHELLCHECK)(
    `shellcheck finds nothing in the shell scripts${SHELLCHECK ? "" : " (skipped: shellcheck is not installed; .ci/run installs it)"}`,
    () => {
      const r = spawnSync("shellcheck", ["--shell=sh", ...shell.map((s) => join(shippedScriptsDir(), s))], {
        encoding: "utf8",
      });
      expect(r.stdout + r.stderr).toBe("");
      expect(r.status).toBe(0);
    },
  );

  it.skipIf(!PYFLAKES)(
    `pyflakes finds nothing in the Python scripts and the shared module${PYFLAKES ? "" : " (skipped: pyflakes is not installed; .ci/run installs it)"}`,
    () => {
      const files = [...python.map((s) => join(shippedScriptsDir(), s)), join(CONTAINER_SCRIPTS_DIR, COMMON_MODULE)];
      const r = spawnSync(PYFLAKES![0]!, [...PYFLAKES!.slice(1), ...files], { encoding: "utf8" });
      expect(r.stdout + r.stderr).toBe("");
      expect(r.status).toBe(0);
    },
  );
});

describe("wait_for_engine.py: the wait for the engine's /health", () => {
  const env = { ENGINE_HEALTH_URL: "http://e.ns.svc.cluster.local:8000/health", WAIT_SECONDS: "60" };

  it("ready: exit 0 at the first 200", () => {
    const r = runHarness("wait_for_engine.py", env, { urlopen: [{ status: 200 }] });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("glm-serving: engine ready at http://e.ns.svc.cluster.local:8000/health\n");
    expect(r.events).toEqual([{ urlopen: env.ENGINE_HEALTH_URL, timeout: 5 }]);
  });

  it("polls every 15 s through refusals and errors, then exits 0", () => {
    const r = runHarness("wait_for_engine.py", env, {
      urlopen: [{ error: "connection refused" }, { status: 503, reason: "Service Unavailable" }, { status: 200 }],
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        "glm-serving: waiting for the engine at http://e.ns.svc.cluster.local:8000/health (<urlopen error connection refused>)",
        "glm-serving: waiting for the engine at http://e.ns.svc.cluster.local:8000/health (HTTP Error 503: Service Unavailable)",
        "glm-serving: engine ready at http://e.ns.svc.cluster.local:8000/health",
        "",
      ].join("\n"),
    );
    expect(r.events.filter((e) => "sleep" in e)).toEqual([{ sleep: 15 }, { sleep: 15 }]);
  });

  it("gives up past WAIT_SECONDS: exit 1 with the last error", () => {
    const r = runHarness("wait_for_engine.py", { ...env, WAIT_SECONDS: "30" }, { urlopen: [{ error: "timed out" }] });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "glm-serving: engine at http://e.ns.svc.cluster.local:8000/health not ready after 30 s (<urlopen error timed out>)\n",
    );
    // Polls at 0, 15 and 30 s; at 45 s the deadline has passed.
    expect(r.events.filter((e) => "sleep" in e)).toHaveLength(3);
  });

  it("for real: python3 -c against a loopback engine answering 200", async () => {
    const server = createServer((_, res) => res.writeHead(200).end("ok"));
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
    const r = await new Promise<{ status: number | null; stdout: string }>((ok) => {
      const p = spawn(PYTHON, ["-c", WAIT_FOR_ENGINE_SCRIPT], {
        env: { PATH: process.env["PATH"], ENGINE_HEALTH_URL: url, WAIT_SECONDS: "10" },
      });
      let stdout = "";
      p.stdout.on("data", (d) => (stdout += d));
      p.on("close", (status) => ok({ status, stdout }));
    });
    server.close();
    expect(r).toEqual({ status: 0, stdout: `glm-serving: engine ready at ${url}\n` });
  });
});

describe("label_node.py: the prefetch pod labels its node once the cache is complete", () => {
  it("PATCHes the node through the API server with the pod's token and the cluster CA, as a merge patch", () => {
    const sa = mkdtempSync(join(tmpdir(), "glm-sa-"));
    writeFileSync(join(sa, "token"), "tok-123");
    writeFileSync(join(sa, "ca.crt"), "CA");
    const r = runHarness(
      "label_node.py",
      { NODE_NAME: "ip-10-0-0-1", WEIGHTS_LABEL: "weights.glm-serving/a3", MODEL_REVISION: "master" },
      { urlopen: [{ status: 200, body: "{}" }], saDir: sa },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      "glm-serving: node ip-10-0-0-1 labelled weights.glm-serving/a3=master: its weight cache is complete\n",
    );
    expect(r.events).toEqual([
      {
        urlopen: "https://kubernetes.default.svc/api/v1/nodes/ip-10-0-0-1",
        method: "PATCH",
        headers: { Authorization: "Bearer tok-123", "Content-type": "application/merge-patch+json" },
        body: '{"metadata": {"labels": {"weights.glm-serving/a3": "master"}}}',
        timeout: 30,
        cafile: "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
      },
    ]);
  });

  it("an API server that refuses: exit 1, the pod restarts and tries again", () => {
    const sa = mkdtempSync(join(tmpdir(), "glm-sa-"));
    writeFileSync(join(sa, "token"), "tok");
    const r = runHarness(
      "label_node.py",
      { NODE_NAME: "n", WEIGHTS_LABEL: "weights.glm-serving/a3", MODEL_REVISION: "master" },
      { urlopen: [{ status: 403, reason: "Forbidden" }], saDir: sa },
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("urllib.error.HTTPError: HTTP Error 403: Forbidden");
  });
});

/** A stand-in `vllm`: records its argv, writes the result file `--result-filename` names. */
function benchSandbox() {
  const root = mkdtempSync(join(tmpdir(), "glm-bench-"));
  const bin = join(root, "bin");
  const results = join(root, "results");
  mkdirSync(bin);
  mkdirSync(results);
  writeFileSync(
    join(bin, "vllm"),
    [
      "#!/bin/sh",
      'echo "$@" >> "$SANDBOX/calls.log"',
      'while [ $# -gt 0 ]; do [ "$1" = --result-filename ] && f=$2; shift; done',
      'printf \'{"max_concurrency": 1}\' > "$RESULT_DIR/$f"',
      "",
    ].join("\n"),
  );
  chmodSync(join(bin, "vllm"), 0o755);
  const run = (script: string, env: Record<string, string>, args: string[]) =>
    spawnSync("/bin/sh", ["-c", script, "bench", ...args], {
      encoding: "utf8",
      env: { PATH: `${bin}:${process.env["PATH"]}`, SANDBOX: root, RESULT_DIR: results, ...env },
    });
  const calls = () => readFileSync(join(root, "calls.log"), "utf8").trim().split("\n");
  return { root, results, run, calls };
}

describe("bench.sh and bench_sweep.sh: the benchmark Job's command", () => {
  it("one run: vllm bench serve with the Job's args, then the result file, printed", () => {
    const s = benchSandbox();
    const r = s.run(BENCH_SCRIPT, { RESULT_FILE: "b200-1a2b3c4d.json" }, [
      "--backend",
      "vllm",
      "--result-filename",
      "b200-1a2b3c4d.json",
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(s.calls()).toEqual(["bench serve --backend vllm --result-filename b200-1a2b3c4d.json"]);
    expect(r.stdout).toBe(`glm-serving: result saved to ${s.results}/b200-1a2b3c4d.json\n{"max_concurrency": 1}`);
  });

  it("a sweep: one run per concurrency with its prompts, each result in its own file, printed in turn", () => {
    const s = benchSandbox();
    const r = s.run(SWEEP_SCRIPT, { CONCURRENCIES: "1 4 16", PROMPTS: "10 40 160", RESULT_PREFIX: "b200-ab" }, [
      "--backend",
      "vllm",
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(s.calls()).toEqual([
      "bench serve --backend vllm --num-prompts 10 --max-concurrency 1 --result-filename b200-ab-c1.json",
      "bench serve --backend vllm --num-prompts 40 --max-concurrency 4 --result-filename b200-ab-c4.json",
      "bench serve --backend vllm --num-prompts 160 --max-concurrency 16 --result-filename b200-ab-c16.json",
    ]);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("glm-serving:"))).toEqual([
      `glm-serving: result saved to ${s.results}/b200-ab-c1.json`,
      `glm-serving: result saved to ${s.results}/b200-ab-c4.json`,
      `glm-serving: result saved to ${s.results}/b200-ab-c16.json`,
    ]);
  });

  it("a failing run fails the Job (set -e): no later run, exit status of vllm", () => {
    const s = benchSandbox();
    writeFileSync(join(s.root, "bin", "vllm"), '#!/bin/sh\necho "$@" >> "$SANDBOX/calls.log"\nexit 3\n');
    const r = s.run(SWEEP_SCRIPT, { CONCURRENCIES: "1 4", PROMPTS: "10 40", RESULT_PREFIX: "p" }, []);
    expect(r.status).toBe(3);
    expect(s.calls()).toHaveLength(1);
    expect(r.stdout).toBe("");
  });
});
