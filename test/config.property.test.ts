import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeConfig, loadSpec } from "../infra/config/load";
import { ConfigError } from "../infra/core/problems";
import { stackConfigSchema } from "../infra/config/schema";
import { vllmEngineSchema } from "../infra/engines/vllm/schema";
import { pathString } from "../infra/config/zodProblems";
import { vllmArgs } from "../infra/engines/vllm";
import { valuesWithAuthOptOut } from "./helpers";

const TOP_KEYS = Object.keys(stackConfigSchema.shape);
const load = (values: Record<string, string>, secretKeys: string[] = []) =>
  loadSpec({ stack: "prop", values: valuesWithAuthOptOut(values), secretKeys: new Set(secretKeys) });
const asConfig = (obj: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(obj).map(([k, v]) => [`glm-serving:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
  );

/** The value after `flag` in an argv. */
const flagValue = (argv: string[], flag: string) => argv[argv.indexOf(flag) + 1];

describe("config parser properties", () => {
  it("any input either yields a spec or one ConfigError whose problems all name a path (never another exception)", () => {
    const anyKey = fc.oneof(fc.constantFrom(...TOP_KEYS), fc.string({ minLength: 1, maxLength: 12 }));
    fc.assert(
      fc.property(fc.dictionary(anyKey, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }), (cfg) => {
        try {
          load(asConfig(cfg));
        } catch (e) {
          expect(ConfigError.isInstance(e)).toBe(true);
          const problems = (e as ConfigError).problems;
          expect(problems.length).toBeGreaterThan(0);
          for (const p of problems) {
            const tops = [...Object.keys(cfg), ...TOP_KEYS].map((k) => pathString([k]));
            expect(tops.some((t) => p.path === t || p.path.startsWith(`${t}.`) || p.path.startsWith(`${t}[`))).toBe(
              true,
            );
            expect(p.allowed.length).toBeGreaterThan(0);
            expect(p.fix.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("a secret's value never appears in an error message, whatever else is wrong", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 12, maxLength: 40 }).filter((s) => /^[A-Za-z0-9_]+$/.test(s)),
        fc.jsonValue({ maxDepth: 2 }),
        (token, junk) => {
          try {
            load(asConfig({ hfToken: token, apiKey: token, engine: junk }));
          } catch (e) {
            expect((e as Error).message).not.toContain(token);
          }
        },
      ),
    );
  });

  it("every valid engine setting reaches the argv unchanged", () => {
    const engine = fc.record({
      tensorParallelSize: fc.constantFrom(1, 2, 4, 8),
      gpuMemoryUtilization: fc.double({ min: 0.05, max: 1, noNaN: true }),
      maxModelLen: fc.integer({ min: 1, max: 202_752 }),
      maxNumSeqs: fc.integer({ min: 1, max: 4096 }),
      enablePrefixCaching: fc.boolean(),
      speculative: fc.record({
        method: fc.constantFrom("mtp", "deepseek_mtp"),
        numSpeculativeTokens: fc.integer({ min: 1, max: 8 }),
      }),
    });
    fc.assert(
      fc.property(engine, (e) => {
        const spec = load(asConfig({ engine: e }));
        if (spec.engine.kind !== "vllm") throw new Error("not vllm");
        const argv = vllmArgs(spec as Parameters<typeof vllmArgs>[0]);
        expect(flagValue(argv, "--tensor-parallel-size")).toBe(String(e.tensorParallelSize));
        expect(Number(flagValue(argv, "--gpu-memory-utilization"))).toBe(e.gpuMemoryUtilization);
        expect(flagValue(argv, "--max-model-len")).toBe(String(e.maxModelLen));
        expect(flagValue(argv, "--max-num-seqs")).toBe(String(e.maxNumSeqs));
        expect(argv).toContain(e.enablePrefixCaching ? "--enable-prefix-caching" : "--no-enable-prefix-caching");
        expect(flagValue(argv, "--speculative-config.method")).toBe(e.speculative.method);
        expect(flagValue(argv, "--speculative-config.num_speculative_tokens")).toBe(
          String(e.speculative.numSpeculativeTokens),
        );
      }),
      { numRuns: 200 },
    );
  });

  it("a key named __proto__ is an unknown key like any other (no prototype games)", () => {
    try {
      load({ "glm-serving:__proto__": '{"engine":{"tensorParallelSize":3}}' });
      expect.unreachable("__proto__ was accepted");
    } catch (e) {
      expect((e as ConfigError).problems.map((p) => p.path)).toEqual(["__proto__"]);
    }
  });

  it("a misspelt key is reported at its own path", () => {
    const known = Object.keys(vllmEngineSchema.shape);
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }).filter((k) => /^[A-Za-z]+$/.test(k) && !known.includes(k)),
        (key) => {
          try {
            load(asConfig({ engine: { [key]: 1 } }));
            expect.unreachable(`engine.${key} was accepted`);
          } catch (e) {
            expect((e as ConfigError).problems.map((p) => p.path)).toEqual([`engine.${key}`]);
          }
        },
      ),
    );
  });

  it("decoding Pulumi's string form gives back structured values, and leaves string keys as written", () => {
    const structured = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom("engine", "pod", "model"), structured), fc.string(), (cfg, name) => {
        const decoded = decodeConfig({ ...asConfig(cfg), "glm-serving:namespace": name });
        for (const [k, v] of Object.entries(cfg)) expect(decoded[k]).toEqual(JSON.parse(JSON.stringify(v)));
        // Pulumi hands plain strings over as written: "123" or "true" stay strings for string keys.
        expect(decoded["namespace"]).toBe(name);
      }),
    );
  });
});
