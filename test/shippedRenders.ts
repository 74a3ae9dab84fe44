import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inject } from "vitest";
import { readGitopsSettings } from "../infra/gitops/settings";
import { renderTree, type Tree } from "../infra/render/renderAll";
import { renderStack } from "../infra/render/renderStack";
import { REPO_ROOT, STACKS_DIR } from "./helpers";
import "./globalSetup";

/**
 * The renders of the shipped stacks (stacks/), made once per test run and shared by the test files
 * through the run's directory (test/globalSetup.ts): each is made by the first file that asks and
 * written atomically; a file that asks meanwhile renders it too and writes the same bytes.
 */
async function cached<T>(key: string, make: () => Promise<T>, encode: (v: T) => unknown, decode: (j: any) => T) {
  const file = join(inject("shippedRendersDir"), `${key}.json`);
  if (existsSync(file)) return decode(JSON.parse(readFileSync(file, "utf8")));
  const value = await make();
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(encode(value)));
  renameSync(tmp, file);
  return value;
}

export interface ShippedRender {
  readonly files: Map<string, string>;
  readonly charts: readonly string[];
}

/** renderStack(stack, stacks/): its files and the charts `pulumi up` installs. */
export function shippedRender(stack: string): Promise<ShippedRender> {
  return cached(
    `stack-${stack}`,
    async () => {
      const r = await renderStack(stack, STACKS_DIR);
      return { files: r.files, charts: r.charts };
    },
    (r) => ({ files: [...r.files], charts: r.charts }),
    (j: { files: [string, string][]; charts: string[] }) => ({ files: new Map(j.files), charts: j.charts }),
  );
}

/** renderTree(stacks/, gitops/settings.yaml): what npm run render:all writes. */
export function shippedTree(): Promise<Tree> {
  return cached(
    "tree",
    () => renderTree(STACKS_DIR, readGitopsSettings(join(REPO_ROOT, "gitops", "settings.yaml"))),
    (t) => [...t],
    (j: [string, string][]) => new Map(j),
  );
}
