// What the command-line entry points share: arguments, --help, --json, how errors end, signals.
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { readBounded } from "../infra/core/boundedRead";
import { ConfigError, didYouMean, publicProblem, type ConfigProblem } from "../infra/core/problems";
import { CapacityError } from "../infra/planner/gate";
import { RenderAllError } from "../infra/render/renderAll";
import { RenderWriteError } from "../infra/render/transaction";

/**
 * Every script behaves like a command:
 * - `--help` / `-h` prints the usage and exits 0 before anything is read or written;
 * - an unknown option, a missing or extra argument, or a bad path is one line on stderr, exit 2;
 * - an input error (a bad config, a stack that does not fit, a refused render) prints its whole
 *   message on stderr, exit 1, never a stack trace; anything else is a bug and is thrown;
 * - `--json` turns any error into one JSON object on stderr ({"error": {kind, message, exitCode,
 *   problems}}), so a pipeline reading stdout never mistakes an error for a result;
 * - Ctrl-C (SIGINT) and SIGTERM end the command with 130 / 143, but only between synchronous steps:
 *   every file is written by one synchronous pass after all rendering is done in memory, so an
 *   interrupt leaves either everything or nothing written, never a half-written tree.
 */

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

type OptionSpec = { type: "string" | "boolean"; short?: string; help: string };

export interface Command {
  /** The npm script, e.g. "render". */
  readonly name: string;
  /** Arguments after `npm run <name> --`, e.g. "<stack> [--out DIR]". */
  readonly usage: string;
  readonly summary: string;
  readonly options?: Readonly<Record<string, OptionSpec>>;
  /** Names of the positional arguments, all required. */
  readonly positionals?: readonly string[];
  /** Printed after an input error, e.g. "Nothing was written.". */
  readonly afterInputError?: string;
  run(args: { values: Record<string, string | boolean | undefined>; positionals: string[] }, io: Io): Promise<number>;
}

/** A bad invocation: an option, an argument or a path. Exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** An input that is not a stack's config (a result file, gitops/settings.yaml) and is wrong. Exit 1. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

function isInputError(e: unknown): e is Error {
  return (
    e instanceof InputError ||
    ConfigError.isInstance(e) ||
    CapacityError.isInstance(e) ||
    pulumi.RunError.isInstance(e) ||
    e instanceof RenderAllError ||
    e instanceof RenderWriteError
  );
}

const ERRNO_TEXT: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOTDIR: "a path component is not a directory",
  EISDIR: "is a directory",
  ENOENT: "no such file or directory",
  ENOSPC: "no space left on device",
  EEXIST: "already exists",
};

function errnoOf(e: unknown): NodeJS.ErrnoException | undefined {
  const err = e as NodeJS.ErrnoException;
  return e instanceof Error && typeof err.code === "string" && typeof err.syscall === "string" ? err : undefined;
}

export function usageLine(cmd: Command): string {
  return `usage: npm run ${cmd.name}${cmd.usage ? ` -- ${cmd.usage}` : ""}`;
}

export function helpText(cmd: Command): string {
  const options: [string, string][] = [
    ...Object.entries(cmd.options ?? {}).map(([name, o]): [string, string] => [
      `${o.short ? `-${o.short}, ` : ""}--${name}${o.type === "string" ? ` ${name.toUpperCase()}` : ""}`,
      o.help,
    ]),
    ["--json", "errors as one JSON object on stderr"],
    ["-h, --help", "this help; nothing is read or written"],
  ];
  const width = Math.max(...options.map(([o]) => o.length));
  return [
    usageLine(cmd),
    "",
    cmd.summary,
    "",
    "options:",
    ...options.map(([o, h]) => `  ${o.padEnd(width)}  ${h}`),
    "",
    "exit status: 0 success, 1 an input error (nothing written), 2 a bad invocation or path",
  ].join("\n");
}

/** Runs a command on `argv` and returns its exit status; errors are reported on `io.err`. */
export async function runCommand(cmd: Command, argv: readonly string[], io: Io): Promise<number> {
  const json = argv.includes("--json");
  const fail = (kind: string, message: string, exitCode: number, problems?: readonly ConfigProblem[]) => {
    if (json) io.err(JSON.stringify({ error: { kind, message, exitCode, ...(problems ? { problems } : {}) } }));
    else io.err(message);
    return exitCode;
  };
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    const options = Object.fromEntries(
      Object.entries(cmd.options ?? {}).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}) }]),
    );
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: { ...options, help: { type: "boolean", short: "h" }, json: { type: "boolean" } },
    });
  } catch (e) {
    // ERR_PARSE_ARGS_UNKNOWN_OPTION and friends: one line naming the option, never a trace.
    const err = e as Error & { code?: string };
    const option = /'(-[^' ]+)/.exec(err.message)?.[1];
    if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option) {
      const known = [...Object.keys(cmd.options ?? {}), "json", "help"].map((o) => `--${o}`);
      const guess = didYouMean(option, known);
      return fail(
        "usage",
        `${cmd.name}: unknown option ${option}${guess ? ` (did you mean ${guess}?)` : ""}; ${usageLine(cmd)}`,
        2,
      );
    }
    return fail("usage", `${cmd.name}: ${err.message.split(/\.(\s|$)/)[0]}; ${usageLine(cmd)}`, 2);
  }
  if (parsed.values.help) {
    io.out(helpText(cmd));
    return 0;
  }
  const wanted = cmd.positionals ?? [];
  if (parsed.positionals.length !== wanted.length) {
    const got = parsed.positionals.length;
    const what =
      got < wanted.length
        ? `missing ${wanted
            .slice(got)
            .map((p) => `<${p}>`)
            .join(" ")}`
        : `unexpected argument ${JSON.stringify(parsed.positionals[wanted.length])}`;
    return fail("usage", `${cmd.name}: ${what}; ${usageLine(cmd)}`, 2);
  }
  try {
    return await cmd.run(parsed, io);
  } catch (e) {
    if (e instanceof UsageError) return fail("usage", `${cmd.name}: ${e.message}`, 2);
    if (isInputError(e)) {
      const problems = ConfigError.isInstance(e) ? e.problems.map(publicProblem) : undefined;
      const code = fail("input", e.message, 1, problems);
      if (cmd.afterInputError && !json) io.err(cmd.afterInputError);
      return code;
    }
    const errno = errnoOf(e);
    if (errno) {
      const where = errno.path ? ` ${errno.path}` : "";
      return fail("path", `${cmd.name}: cannot ${errno.syscall}${where}: ${ERRNO_TEXT[errno.code!] ?? errno.code}`, 2);
    }
    throw e;
  }
}

const consoleIo: Io = { out: (t) => console.log(t), err: (t) => console.error(t) };

/**
 * The process around a command: exit with its status. Only when a script is the program itself
 * (`tsx scripts/<name>.ts`): the command tests import the modules and call runCommand in-process.
 */
export function runScript(cmd: Command): void {
  if (!/(^|[\\/])scripts[\\/][^\\/]+\.ts$/.test(process.argv[1] ?? "")) return;
  main(cmd, process.argv.slice(2));
}

/** The command as the process: signals, then its exit status (scripts/run.cjs calls it precompiled). */
export function main(cmd: Command, argv: readonly string[]): void {
  const json = argv.includes("--json");
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.on(signal, () => {
      const message = `${cmd.name}: interrupted (${signal}); no file is left half-written`;
      console.error(json ? JSON.stringify({ error: { kind: "interrupted", message, exitCode: code } }) : message);
      process.exit(code);
    });
  }
  // A signal raised at start arrives before the command runs (delivery takes an event-loop turn).
  const start = raiseTestSignal("start") ? new Promise((r) => setTimeout(r, 2000)) : Promise.resolve();
  // The exit waits one event-loop turn: a signal that arrived during the last synchronous step (the
  // write) is answered as an interrupt, after that step completed.
  void start.then(() => runCommand(cmd, argv, consoleIo)).then((code) => setImmediate(() => process.exit(code)));
}

/**
 * Tests make a signal arrive at a known point instead of after a guessed delay:
 * GLM_SERVING_TEST_SIGNAL=SIGINT@start (before the command runs) or SIGINT@write (while the files
 * are written, in one synchronous pass: the handler can only run once it is complete). Returns
 * whether it raised one.
 */
export function raiseTestSignal(at: "start" | "write"): boolean {
  const [signal, when] = (process.env["GLM_SERVING_TEST_SIGNAL"] ?? "").split("@");
  if (when !== at || (signal !== "SIGINT" && signal !== "SIGTERM")) return false;
  process.kill(process.pid, signal);
  return true;
}

/** Virtual file systems: writing there is never meant (and mkdir -p on /proc can spin). */
const VIRTUAL_ROOTS = ["/proc", "/sys", "/dev"];

/**
 * Checks an output directory before anything is rendered: it is, or can become, a writable directory
 * on a real file system. Throws a UsageError naming the path otherwise.
 */
export function checkOutDir(dir: string, option = "--out"): void {
  const abs = resolve(dir);
  const virtual = VIRTUAL_ROOTS.find((r) => abs === r || abs.startsWith(`${r}/`));
  if (virtual)
    throw new UsageError(`${option} ${dir} is under ${virtual}, a virtual file system, not a directory for files`);
  if (existsSync(abs) && !statSync(abs).isDirectory())
    throw new UsageError(`${option} ${dir} exists and is not a directory`);
  let at = abs;
  while (!existsSync(at)) at = dirname(at);
  if (!statSync(at).isDirectory()) throw new UsageError(`${option} ${dir}: ${at} is not a directory`);
  try {
    accessSync(at, constants.W_OK);
  } catch {
    throw new UsageError(`${option} ${dir}: ${at} is not writable`);
  }
}

/**
 * Reads an input file that must be a regular file of at most `maxBytes`, within a wall-clock limit
 * (infra/core/boundedRead.ts): a FIFO, a device or a file that blocks is refused, never waited for.
 */
export function readRegularFile(path: string, maxBytes: number): string {
  const read = readBounded(path, maxBytes);
  if (read.ok) return read.text;
  switch (read.reason) {
    case "open":
      throw new UsageError(`cannot read ${path}: ${ERRNO_TEXT[read.code] ?? read.code}`);
    case "not-regular":
      throw new UsageError(`${path} is not a regular file`);
    case "too-big":
      throw new UsageError(`${path} has ${read.size} bytes, more than ${maxBytes}`);
    case "timeout":
      throw new UsageError(`${path}: reading it did not finish in ${read.seconds} s`);
  }
}
