import type { Argv } from "./flags";

/**
 * An engine's flags as one ordered table, from which both its argv and its typed flags (the flags
 * `extraArgs` may not repeat) are derived, so a flag cannot be emitted without being owned by a field,
 * nor owned without the table saying how it is emitted.
 *
 * How an entry's value renders:
 * - `value`: `--flag <value>`; nothing when the value is undefined.
 * - `switch`: `--flag` when the value is true.
 * - `toggle`: `--flag` / `--no-flag` for true / false; nothing when undefined (the engine's default).
 * - `json`: `--flag <JSON of the value>`; nothing when undefined.
 * - `repeated`: `--flag <v>` once per element of the value (a list).
 * - `positional`: the value alone (vLLM's model argument); its flag names the option it stands for.
 * - `external`: never in the argv the driver builds: set at start (the group entrypoint, the start
 *   script) or through the environment (API keys). The table still owns it for `extraArgs`.
 */
export type FlagRender = "value" | "switch" | "toggle" | "json" | "repeated" | "positional" | "external";

export interface FlagEntry<S> {
  /** The flag without `--`. A dotted flag (`speculative-config.method`) is owned as its first part. */
  readonly flag: string;
  /** The config field that sets it, as messages name it (`engine.port`, or how it is set). */
  readonly field: string;
  readonly render: FlagRender;
  /**
   * The value for a spec; undefined leaves the flag out (the engine's own default applies). It decides
   * when the flag is emitted: a conditional flag returns undefined (or false) where it does not apply.
   */
  readonly value?: (spec: S) => unknown;
  /** Other long spellings the engine's CLI accepts for the same option (SGLang's `--tensor-parallel-size`). */
  readonly aliases?: readonly string[];
  /** Single-dash spellings (`-tp`). */
  readonly short?: readonly string[];
}

export type FlagTable<S> = readonly FlagEntry<S>[];

/**
 * The common entry: the flag's value is one engine field read as it is, so the field messages name
 * and the value the argv gets come from the one key.
 */
export function engineField<S extends { readonly engine: object }>(
  flag: string,
  key: keyof S["engine"] & string,
  render: FlagRender = "value",
): FlagEntry<S> {
  return { flag, field: `engine.${key}`, render, value: (s) => (s.engine as Record<string, unknown>)[key] };
}

/** The same for a model field (`--served-model-name`, `--revision`). */
export function modelField<S extends { readonly model: object }>(
  flag: string,
  key: keyof S["model"] & string,
  render: FlagRender = "value",
): FlagEntry<S> {
  return { flag, field: `model.${key}`, render, value: (s) => (s.model as Record<string, unknown>)[key] };
}

/** The argv of one entry for a spec (empty when it is not emitted). */
export function entryArgv<S>(entry: FlagEntry<S>, spec: S): Argv {
  if (entry.render === "external" || !entry.value) return [];
  const v = entry.value(spec);
  const name = `--${entry.flag}`;
  switch (entry.render) {
    case "value":
      return v === undefined ? [] : [name, String(v)];
    case "positional":
      return v === undefined ? [] : [String(v)];
    case "switch":
      return v === true ? [name] : [];
    case "toggle":
      return v === undefined ? [] : [v ? name : `--no-${entry.flag}`];
    case "json":
      return v === undefined ? [] : [name, JSON.stringify(v)];
    case "repeated":
      return ((v ?? []) as readonly unknown[]).flatMap((x) => [name, String(x)]);
  }
}

/** The argv a table builds for a spec, in the table's order (before the stack's `extraArgs`). */
export function tableArgv<S>(table: FlagTable<S>, spec: S): Argv {
  return table.flatMap((entry) => entryArgv(entry, spec));
}

/** The option a flag sets, as `extraArgs` checks it: without `--`, up to a `.` (`speculative-config`). */
export function ownedName(flag: string): string {
  return flag.split(".")[0]!;
}

/**
 * Flag name (without `--`) -> the config field that sets it, every long spelling of every entry. Where
 * two entries share a flag (one option emitted at different places under exclusive conditions), the
 * first entry's field is the one messages name.
 */
export function typedFlagsOf<S>(table: FlagTable<S>): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of table) {
    for (const name of [ownedName(entry.flag), ...(entry.aliases ?? [])]) out[name] ??= entry.field;
  }
  return out;
}

/** Single-dash alias -> the flag it stands for. */
export function shortFlagsOf<S>(table: FlagTable<S>): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of table) for (const s of entry.short ?? []) out[s] ??= ownedName(entry.flag);
  return out;
}
