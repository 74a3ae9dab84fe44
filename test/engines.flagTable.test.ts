import { readdirSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ENGINE_KINDS, driverOfKind, engineDriver } from "../infra/engines";
import { entryArgv, ownedName, tableArgv, type FlagEntry } from "../infra/engines/flagTable";
import { timeBudgets } from "../infra/planner/budgets";
import { STACKS_DIR, stackSpec } from "./helpers";

/**
 * Each engine's argv and its typed flags come from one flag table (infra/engines/flagTable.ts). These
 * tests hold the two together on every shipped stack: what the table emits is in the argv exactly
 * once, and every flag in the argv is the table's or the stack's own extraArgs.
 */
const STACKS = readdirSync(STACKS_DIR)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((n): n is string => n !== undefined)
  .sort();

/** The option a `--flag[=v]` token sets, as extraArgs are checked (engines/flagTable.ts ownedName). */
const optionOf = (token: string) => ownedName(token.slice(2).split("=")[0]!);

describe("flag tables", () => {
  it("there are shipped stacks of every engine kind", () => {
    const kinds = new Set(STACKS.map((s) => stackSpec(s).engine.kind));
    expect([...kinds].sort()).toEqual([...ENGINE_KINDS].sort());
  });

  for (const stack of STACKS) {
    it(`${stack}: every flag the table emits is in the argv exactly once, every --flag of the argv is the table's or extraArgs'`, () => {
      const spec = stackSpec(stack);
      const driver = engineDriver(spec.engine);
      const argv = driver.process(spec as never, timeBudgets(spec)).args;
      const extra = spec.engine.extraArgs;
      // extraArgs come last, after what the table builds.
      expect(argv.slice(argv.length - extra.length)).toEqual(extra);
      const built = argv.slice(0, argv.length - extra.length);

      const emitted = driver.flags.map((entry) => ({ entry, args: entryArgv(entry as FlagEntry<unknown>, spec) }));
      // The table's argv is the built argv, in the table's order.
      expect(built).toEqual(emitted.flatMap((e) => e.args));

      const tableFlags = new Set(driver.flags.map((e) => e.flag));
      const flagTokens = built.filter((a) => a.startsWith("--"));
      for (const token of flagTokens)
        expect(tableFlags, `${stack}: ${token}`).toContain(token.slice(2).replace(/^no-/, ""));
      for (const { entry, args } of emitted) {
        if (args.length === 0) continue;
        expect(entry.render, `${stack}: --${entry.flag} is set at start, never in the argv`).not.toBe("external");
        if (entry.render === "positional") continue;
        const spelt = (t: string) => t === `--${entry.flag}` || t === `--no-${entry.flag}`;
        const expected = entry.render === "repeated" ? args.length / 2 : 1;
        expect(flagTokens.filter(spelt).length, `${stack}: --${entry.flag}`).toBe(expected);
      }
      // A --flag in extraArgs is no typed flag (config rules refuse it); it stays the stack's own.
      for (const token of extra.filter((a) => a.startsWith("--")))
        expect(Object.keys(driver.typedFlags), `${stack}: ${token}`).not.toContain(optionOf(token));
    });
  }

  for (const kind of ENGINE_KINDS) {
    it(`${kind}: typed and short flags are exactly the table's spellings`, () => {
      const d = driverOfKind(kind);
      const names = d.flags.flatMap((e) => [ownedName(e.flag), ...(e.aliases ?? [])]);
      expect(Object.keys(d.typedFlags).sort()).toEqual([...new Set(names)].sort());
      for (const e of d.flags) expect(d.typedFlags[ownedName(e.flag)], e.flag).toBeDefined();
      expect(Object.keys(d.shortFlags).sort()).toEqual(d.flags.flatMap((e) => e.short ?? []).sort());
      for (const target of Object.values(d.shortFlags)) expect(Object.keys(d.typedFlags)).toContain(target);
    });

    it(`${kind}: every entry is either emitted from a value or set outside the argv, and a shared flag names one field`, () => {
      const d = driverOfKind(kind);
      for (const e of d.flags) expect(e.render === "external", e.flag).toBe(e.value === undefined);
      const byFlag = new Map<string, string>();
      for (const e of d.flags) {
        const seen = byFlag.get(ownedName(e.flag));
        if (seen !== undefined) expect(e.field, e.flag).toBe(seen);
        byFlag.set(ownedName(e.flag), e.field);
      }
      expect(d.flags.filter((e) => e.render === "positional").length).toBeLessThanOrEqual(1);
    });
  }

  it("no option is emitted twice and every --flag is the table's, for any layout (nodes, data, expert parallelism, toggles) on every shipped stack", () => {
    const specs = STACKS.map(stackSpec);
    fc.assert(
      fc.property(
        fc.nat(specs.length - 1),
        fc.record({
          nodes: fc.constantFrom(1, 2, 4),
          dataParallelSize: fc.constantFrom(1, 2, 8),
          enableExpertParallel: fc.boolean(),
          expertParallelSize: fc.constantFrom(undefined, 8, 16),
          enableChunkedPrefill: fc.constantFrom(undefined, true, false),
          enableMetrics: fc.boolean(),
        }),
        (i, o) => {
          const base = specs[i]!;
          const { nodes, ...engine } = o;
          // Only the fields the engine has: the table reads nothing else.
          const own = Object.fromEntries(Object.entries(engine).filter(([k]) => k in base.engine));
          const spec = { ...base, nodePool: { ...base.nodePool, nodes }, engine: { ...base.engine, ...own } };
          const d = engineDriver(spec.engine);
          const argv = tableArgv(d.flags as readonly FlagEntry<unknown>[], spec);
          const tokens = argv.filter((a) => a.startsWith("--")).map((a) => a.slice(2).replace(/^no-/, ""));
          const repeated = new Set(d.flags.filter((e) => e.render === "repeated").map((e) => e.flag));
          const table = new Set(d.flags.map((e) => e.flag));
          for (const t of tokens) expect(table).toContain(t);
          const once = tokens.filter((t) => !repeated.has(t));
          expect(once.length, `${STACKS[i]}: ${once.join(" ")}`).toBe(new Set(once).size);
        },
      ),
      { numRuns: 300, seed: 13 },
    );
  });

  it("renders each kind of entry exactly", () => {
    const entry = (render: FlagEntry<unknown>["render"], v: unknown): FlagEntry<unknown> => ({
      flag: "x-y",
      field: "engine.xY",
      render,
      value: () => v,
    });
    expect(entryArgv(entry("value", 8), null)).toEqual(["--x-y", "8"]);
    expect(entryArgv(entry("value", undefined), null)).toEqual([]);
    expect(entryArgv(entry("switch", true), null)).toEqual(["--x-y"]);
    expect(entryArgv(entry("switch", false), null)).toEqual([]);
    expect(entryArgv(entry("toggle", false), null)).toEqual(["--no-x-y"]);
    expect(entryArgv(entry("toggle", true), null)).toEqual(["--x-y"]);
    expect(entryArgv(entry("toggle", undefined), null)).toEqual([]);
    expect(entryArgv(entry("json", { a: 1, b: [true] }), null)).toEqual(["--x-y", '{"a":1,"b":[true]}']);
    expect(entryArgv(entry("json", undefined), null)).toEqual([]);
    expect(entryArgv(entry("repeated", ["a=CPU", "b=CUDA0"]), null)).toEqual(["--x-y", "a=CPU", "--x-y", "b=CUDA0"]);
    expect(entryArgv(entry("repeated", []), null)).toEqual([]);
    expect(entryArgv(entry("positional", "/models/glm"), null)).toEqual(["/models/glm"]);
    expect(entryArgv({ flag: "x-y", field: "apiKey", render: "external" }, null)).toEqual([]);
  });
});
