import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./helpers";

/** What is committed for GitOps holds no secret value, encrypted or redacted. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

describe("no secret in rendered/ or gitops/", () => {
  it("no Secret object, no ciphertext, no redaction placeholder, no token-shaped value", () => {
    const all = [...files(join(REPO_ROOT, "rendered")), ...files(join(REPO_ROOT, "gitops"))];
    expect(all.length).toBeGreaterThan(50);
    for (const f of all) {
      const text = readFileSync(f, "utf8");
      expect(text, f).not.toMatch(/^kind: Secret$/m);
      expect(text, f).not.toMatch(/secure: v1:|<redacted|hf_[A-Za-z0-9]{20,}|sk-[A-Za-z0-9]{20,}/);
    }
  });
});
