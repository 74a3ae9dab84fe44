// gitops/settings.yaml for the scripts that need it: a missing or malformed file is an input error.
import { readGitopsSettings, type GitopsSettings } from "../infra/gitops/settings";
import { InputError } from "./cli";

export function gitopsSettings(path = "gitops/settings.yaml"): GitopsSettings {
  try {
    return readGitopsSettings(path);
  } catch (e) {
    const err = e as Error & { code?: string; issues?: { path: PropertyKey[]; message: string }[] };
    if (err.code === "ENOENT")
      throw new InputError(`${path} is missing; render:all and render:check need it (see the README, GitOps)`);
    if (Array.isArray(err.issues))
      throw new InputError(
        `${path} is not valid:\n${err.issues.map((i) => `  - ${i.path.map(String).join(".") || "(file)"}: ${i.message}`).join("\n")}`,
      );
    if (err.name === "YAMLParseError" || err.name === "YAMLException" || typeof err.code === "string")
      throw new InputError(`${path} cannot be read: ${err.message.split("\n")[0]}`);
    throw e;
  }
}
