import { engineDriver } from "../../engines";
import { buildsImage } from "../../engines/images";
import { setCommand, type ConfigProblem } from "../../core/problems";
import type { StackConfig } from "../schema";

/** A build needs everything pinned: where it goes, its tag, its base (by digest), its transformers commit. */
export function imageBuildRules(cfg: StackConfig): ConfigProblem[] {
  const i = cfg.images;
  if (!i.build) return [];
  const problems: ConfigProblem[] = [];
  const noBuild = engineDriver(cfg.engine).noImageBuild;
  if (!buildsImage(cfg.engine.kind)) {
    problems.push({
      path: "images.build",
      value: true,
      allowed: `false for engine.kind ${cfg.engine.kind} (${noBuild ?? "images/ has no Dockerfile for it; pin its published image instead"})`,
      fix: setCommand("images.build", "false"),
    });
  }
  const need: Array<[keyof typeof i, string]> = [
    ["registry", "pulumi config set --path images.registry ghcr.io/<org>"],
    ["tag", "pulumi config set --path images.tag <release>"],
    ["baseImage", "pulumi config set --path images.baseImage <repo>@sha256:<digest>"],
    ["transformersCommit", "pulumi config set --path images.transformersCommit <commit>"],
  ];
  for (const [key, fix] of need) {
    if (i[key] === undefined)
      problems.push({ path: `images.${key}`, value: undefined, allowed: "a value, when images.build is true", fix });
  }
  if (i.baseImage !== undefined && !/@sha256:[a-f0-9]{64}$/.test(i.baseImage)) {
    problems.push({
      path: "images.baseImage",
      value: i.baseImage,
      allowed: "an image pinned by digest (repo@sha256:...): a tag can move under a rebuild",
      fix: "pulumi config set --path images.baseImage <repo>@sha256:<digest>",
    });
  }
  return problems;
}
