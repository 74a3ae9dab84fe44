import { z } from "zod";
import { ENGINE_KINDS } from "../engines";
import { DEFAULT_ENGINE_KIND } from "../engines/schema";
import { didYouMean, type ConfigProblem } from "../core/problems";

/**
 * Turns zod's issues into problem reports: path, value, allowed, fix.
 *
 * Built-in checks (types, enums, ranges, unknown keys) get their "allowed" text derived here;
 * format checks and refinements carry it as their message (schema/common.ts writes those messages
 * as descriptions of what is allowed).
 */

type Path = readonly PropertyKey[];

/** A path as `pulumi config set --path` spells it: `a.b[0]`, or `a["odd key"]` for keys that are not names. */
export function pathString(path: Path): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(String(seg))) out += out === "" ? String(seg) : `.${String(seg)}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

function valueAt(root: unknown, path: Path): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg as string];
  }
  return cur;
}

/** Strips wrappers (default, prefault, optional, pipes) down to the schema that checks the value. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let s = schema;
  for (;;) {
    const def = s._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
    if (def.innerType) s = def.innerType;
    else if (def.type === "pipe" && def.in) s = def.in;
    else return s;
  }
}

/** The keys an object accepts at `path` of `root` (following the discriminator of unions). */
export function knownKeysAt(root: z.core.$ZodType, input: unknown, path: Path): string[] {
  let s = unwrap(root);
  const walk = [...path, undefined];
  for (let i = 0; i < walk.length; i++) {
    const def = s._zod.def as {
      type: string;
      shape?: Record<string, z.core.$ZodType>;
      options?: z.core.$ZodType[];
      discriminator?: string;
      valueType?: z.core.$ZodType;
      element?: z.core.$ZodType;
    };
    if (def.type === "union" && def.options && def.discriminator) {
      const here = valueAt(input, path.slice(0, i)) as Record<string, unknown> | undefined;
      const wanted = here?.[def.discriminator];
      const match = def.options.find((o) => {
        const shape = (unwrap(o)._zod.def as { shape?: Record<string, z.core.$ZodType> }).shape;
        const lit = shape?.[def.discriminator!] ? unwrap(shape[def.discriminator!]!) : undefined;
        const values = (lit?._zod.def as { values?: unknown[] } | undefined)?.values ?? [];
        return wanted === undefined ? true : values.includes(wanted);
      });
      if (!match) return [];
      s = unwrap(match);
      i--;
      continue;
    }
    const seg = walk[i];
    if (seg === undefined) return def.shape ? Object.keys(def.shape) : [];
    if (def.shape && typeof seg === "string" && def.shape[seg]) s = unwrap(def.shape[seg]);
    else if (def.type === "record" && def.valueType) s = unwrap(def.valueType);
    else if (def.type === "array" && def.element) s = unwrap(def.element);
    else return [];
  }
  return [];
}

const ARTICLE: Record<string, string> = {
  number: "a number",
  int: "a whole number",
  string: "a string",
  boolean: "true or false",
  object: "a mapping of keys to values",
  array: "a list",
  record: "a mapping of keys to values",
};

function describeExpected(expected: string): string {
  return ARTICLE[expected] ?? `a ${expected}`;
}

function bound(
  issue: { minimum?: unknown; maximum?: unknown; inclusive?: boolean; origin?: string },
  small: boolean,
): string {
  const limit = Number(small ? issue.minimum : issue.maximum);
  const origin = issue.origin ?? "number";
  if (origin === "string") return small ? `at least ${limit} characters` : `at most ${limit} characters`;
  if (origin === "array" || origin === "set") return small ? `at least ${limit} items` : `at most ${limit} items`;
  const op = small ? (issue.inclusive ? ">=" : ">") : issue.inclusive ? "<=" : "<";
  return `a number ${op} ${limit}`;
}

/** The other engine whose settings include `key` (an SGLang key under vLLM, or the reverse). */
function otherEngineOwning(schema: z.core.$ZodType, input: unknown, key: string): string | undefined {
  const kind = (valueAt(input, ["engine", "kind"]) as string | undefined) ?? DEFAULT_ENGINE_KIND;
  return ENGINE_KINDS.filter((k) => k !== kind).find((k) =>
    knownKeysAt(schema, { engine: { kind: k } }, ["engine"]).includes(key),
  );
}

/**
 * The fix of a format check that carries none: the example its message gives ("such as X", "e.g. X"),
 * else what is allowed itself, always as a value to set.
 */
export function concreteFix(path: string, value: unknown, allowed: string): string {
  const example = /(?:such as|e\.g\.)\s+"?([^",;)\s]+)"?/.exec(allowed)?.[1];
  if (example) return `set ${path} to ${JSON.stringify(example)}${value === undefined ? "" : ", for example"}`;
  return `set ${path} to ${allowed}`;
}

export function problemsFromZod(schema: z.core.$ZodType, input: unknown, error: z.ZodError): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    const path = pathString(issue.path);
    const value = valueAt(input, issue.path);
    switch (issue.code) {
      case "unrecognized_keys": {
        const known = knownKeysAt(schema, input, issue.path);
        for (const key of issue.keys) {
          const keyPath = pathString([...issue.path, key]);
          const guess = didYouMean(key, known);
          const owner = path === "engine" && !guess ? otherEngineOwning(schema, input, key) : undefined;
          problems.push({
            path: keyPath,
            value: valueAt(input, [...issue.path, key]),
            allowed: `the keys of ${path === "" ? "glm-serving" : path}: ${known.join(", ")}`,
            fix: guess
              ? `rename ${keyPath} to ${pathString([...issue.path, guess])}`
              : owner
                ? `remove ${keyPath}: it is a setting of engine.kind ${owner}, not of ${String((valueAt(input, ["engine", "kind"]) as string | undefined) ?? DEFAULT_ENGINE_KIND)}; set engine.kind ${owner} to use it`
                : `remove ${keyPath}`,
          });
        }
        break;
      }
      case "invalid_type": {
        const expected = describeExpected(issue.expected);
        const numeric =
          issue.expected === "number" &&
          typeof value === "string" &&
          value.trim() !== "" &&
          !Number.isNaN(Number(value));
        problems.push({
          path,
          value,
          allowed: expected,
          fix:
            value === undefined
              ? `set ${path} to ${expected}`
              : numeric
                ? `write ${path} as a number without quotes (${Number(value)})`
                : `set ${path} to ${expected}`,
        });
        break;
      }
      case "invalid_value": {
        const choices = issue.values.map((v) => String(v));
        const guess = typeof value === "string" ? didYouMean(value, choices) : undefined;
        problems.push({
          path,
          value,
          allowed: choices.length === 1 ? `only ${choices[0]}` : `one of ${choices.join(", ")}`,
          fix: guess ? `set ${path} to ${guess}` : `set ${path} to one of the allowed values`,
        });
        break;
      }
      case "invalid_union": {
        const options = ((issue as { options?: unknown[] }).options ?? [])
          .filter((o) => o !== null && o !== undefined)
          .map(String);
        problems.push({
          path,
          value,
          allowed: options.length ? `one of ${options.join(", ")}` : issue.message,
          fix: options.length
            ? typeof value === "string" && didYouMean(value, options)
              ? `set ${path} to ${didYouMean(value, options)}`
              : `set ${path} to one of ${options.join(", ")}`
            : `correct ${path}`,
        });
        break;
      }
      case "too_small":
      case "too_big": {
        const allowed = bound(issue, issue.code === "too_small");
        problems.push({ path, value, allowed, fix: `set ${path} to ${allowed}` });
        break;
      }
      case "invalid_key": {
        // zod's path already ends with the offending key; the key itself is the value.
        problems.push({
          path,
          value: issue.path[issue.path.length - 1],
          allowed: `keys that are ${issue.issues[0]?.message ?? "valid"}`,
          fix: `rename or remove ${path}`,
        });
        break;
      }
      case "invalid_element": {
        problems.push({
          path,
          value,
          allowed: issue.issues[0]?.message ?? issue.message,
          fix: `correct or remove ${path}`,
        });
        break;
      }
      default: {
        // invalid_format, custom and the rest: the schema's message is the "allowed" text, and a
        // refinement may carry its own fix ("{path}" stands for the path).
        const params = (issue as { params?: { fix?: string } }).params;
        problems.push({
          path,
          value,
          allowed: issue.message,
          fix: params?.fix?.replaceAll("{path}", path) ?? concreteFix(path, value, issue.message),
        });
      }
    }
  }
  return problems;
}
