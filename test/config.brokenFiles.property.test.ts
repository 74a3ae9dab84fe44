import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { loadSpec } from "../infra/config/load";
import { assertFits } from "../infra/planner/gate";
import { rawStackConfig, readStackFile } from "../infra/render/stackFile";
import { runCommand, type Command } from "../scripts/cli";
import { STACKS_DIR } from "./helpers";

/**
 * Broken stack files, generated structurally: a shipped stack file parsed, one structural mutation
 * applied to the tree (a misspelt namespace, an unknown key in a section, a value of the wrong type, a
 * NaN, a duplicate key), written back as YAML. Run through the render's input pipeline as a command,
 * every one must end with exit 1, no stack trace, one message naming a config path, nothing written.
 */
const STACKS = readdirSync(STACKS_DIR)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined);
const trees = Object.fromEntries(
  STACKS.map((s) => [
    s,
    parse(readFileSync(join(STACKS_DIR, `Pulumi.${s}.yaml`), "utf8")) as { config: Record<string, unknown> },
  ]),
);

type Mutation = (
  config: Record<string, unknown>,
  pick: number,
) => { config: Record<string, unknown>; text?: (t: string) => string };

const keysOf = (config: Record<string, unknown>) => Object.keys(config);
const sectionsOf = (config: Record<string, unknown>) =>
  Object.keys(config).filter((k) => {
    const v = config[k];
    return v !== null && typeof v === "object" && !Array.isArray(v) && !("secure" in (v as object));
  });
const scalarLeaves = (config: Record<string, unknown>) =>
  sectionsOf(config).flatMap((k) =>
    Object.entries(config[k] as Record<string, unknown>)
      .filter(([, v]) => v === null || typeof v !== "object")
      .map(([leaf, v]) => [k, leaf, v] as const),
  );

const MUTATIONS: Record<string, Mutation> = {
  misspeltNamespace: (config, pick) => {
    const keys = keysOf(config);
    const key = keys[pick % keys.length]!;
    const { [key]: value, ...rest } = config;
    return { config: { ...rest, [key.replace("glm-serving:", "glm-servng:")]: value } };
  },
  bareKey: (config, pick) => {
    const keys = keysOf(config);
    const key = keys[pick % keys.length]!;
    const { [key]: value, ...rest } = config;
    return { config: { ...rest, [key.replace("glm-serving:", "")]: value } };
  },
  unknownSectionKey: (config, pick) => {
    const sections = sectionsOf(config);
    if (sections.length === 0) return { config: { ...config, "glm-serving:zzUnknown": 1 } };
    const s = sections[pick % sections.length]!;
    return { config: { ...config, [s]: { ...(config[s] as object), zzUnknown: pick } } };
  },
  unknownTopKey: (config, pick) => ({ config: { ...config, [`glm-serving:zz${pick}`]: { a: 1 } } }),
  wrongType: (config, pick) => {
    const leaves = scalarLeaves(config);
    if (leaves.length === 0) return { config: { ...config, "glm-serving:engine": "not a mapping" } };
    const [s, leaf, v] = leaves[pick % leaves.length]!;
    const wrong =
      typeof v === "string" ? { nested: [1, 2] } : typeof v === "number" ? "eight" : typeof v === "boolean" ? 7 : [];
    return { config: { ...config, [s]: { ...(config[s] as object), [leaf]: wrong } } };
  },
  nonFinite: (config, pick) => {
    const leaves = scalarLeaves(config).filter(([, , v]) => typeof v === "number");
    const value = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY][pick % 3]!;
    if (leaves.length === 0) return { config: { ...config, "glm-serving:engine": { maxNumSeqs: value } } };
    const [s, leaf] = leaves[pick % leaves.length]!;
    return { config: { ...config, [s]: { ...(config[s] as object), [leaf]: value } } };
  },
  duplicateKey: (config, pick) => {
    const keys = keysOf(config);
    const key = keys[pick % keys.length]!;
    return { config, text: (t) => `${t}${stringify({ [key]: config[key] }).replace(/^/gm, "  ")}` };
  },
};

async function renderInputs(dir: string, stack: string, out: string) {
  const err: string[] = [];
  const command: Command = {
    name: "render",
    usage: "<stack>",
    summary: "the render's input pipeline",
    positionals: ["stack"],
    afterInputError: "Nothing was written.",
    async run({ positionals }) {
      const spec = loadSpec(rawStackConfig(positionals[0]!, readStackFile(dir, positionals[0]!)));
      assertFits(spec);
      writeFileSync(out, "rendered");
      return 0;
    },
  };
  const code = await runCommand(command, [stack], { out: () => {}, err: (t) => err.push(t) });
  return { code, stderr: err.join("\n") };
}

describe("broken stack files, generated structurally", () => {
  it("exit 1, no stack trace, one message naming a path, nothing written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "glm-broken-"));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...STACKS),
        fc.constantFrom(...Object.keys(MUTATIONS)),
        fc.nat(1000),
        async (stack, mutation, pick) => {
          const { config, text } = MUTATIONS[mutation]!(trees[stack]!.config, pick);
          const yaml = stringify({ config });
          writeFileSync(join(dir, `Pulumi.${stack}.yaml`), text ? text(yaml) : yaml);
          const out = join(dir, `${stack}.out`);
          const r = await renderInputs(dir, stack, out);
          expect(r.code, `${mutation} of ${stack}: ${r.stderr}`).toBe(1);
          expect(r.stderr).not.toMatch(/\n\s+at /);
          expect(r.stderr.match(/^Stack "[^"]+" has \d+ problems? in its configuration/gm)).toHaveLength(1);
          expect(r.stderr).toMatch(/\n {2}- (glm-serving:[A-Za-z]|glm-servng:|\(stack file\)|[A-Za-z]+ = )/);
          expect(r.stderr.endsWith("Nothing was written.")).toBe(true);
          expect(existsSync(out)).toBe(false);
        },
      ),
      { numRuns: 150 },
    );
  });
});
