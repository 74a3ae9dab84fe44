import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { imageBuild } from "../infra/engines/images";
import { program } from "../infra/program";
import { PROJECT } from "../infra/render/runProgram";
import { configErrorOf, REPO_ROOT, specFrom } from "./helpers";

const DIGEST = `ghcr.io/acme/glm-serving-vllm@sha256:${"ab".repeat(32)}`;
const BUILD = {
  images: {
    build: true,
    registry: "ghcr.io/acme",
    tag: "2026.11.1",
    baseImage: `vllm/vllm-openai@sha256:${"cd".repeat(32)}`,
    transformersCommit: "0123456789abcdef0123456789abcdef01234567",
  },
};

describe("images as code", () => {
  it("builds the vLLM image from images/vllm-glm5 with the pinned base and transformers commit", () => {
    expect(imageBuild(specFrom(BUILD))).toEqual({
      context: join(REPO_ROOT, "images", "vllm-glm5"),
      imageName: "ghcr.io/acme/glm-serving-vllm:2026.11.1",
      platform: "linux/amd64",
      args: { BASE_IMAGE: BUILD.images.baseImage, TRANSFORMERS_COMMIT: BUILD.images.transformersCommit },
    });
    expect(imageBuild(specFrom({}))).toBeUndefined();
  });

  it("under pulumi up, the engine, its wait step and the download's own image", async () => {
    const resources: { type: string; inputs: Record<string, unknown> }[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (a) => {
          resources.push({ type: a.type, inputs: a.inputs });
          const state = a.type === "docker:index/image:Image" ? { ...a.inputs, repoDigest: DIGEST } : a.inputs;
          return { id: `${a.name}-id`, state };
        },
        call: (a) => a.inputs,
      },
      PROJECT,
      "built",
    );
    pulumi.runtime.setAllConfig({
      "glm-serving:images": JSON.stringify(BUILD.images),
      "glm-serving:service": '{"auth":"none"}',
    });
    await pulumi.runtime.runInPulumiStack(program);
    await pulumi.runtime.disconnect();
    const build = resources.find((r) => r.type === "docker:index/image:Image")!;
    expect(build.inputs).toMatchObject({
      imageName: "ghcr.io/acme/glm-serving-vllm:2026.11.1",
      build: { platform: "linux/amd64" },
    });
    const pod = (resources.find((r) => r.type === "kubernetes:apps/v1:Deployment")!.inputs as any).spec.template.spec;
    expect(pod.containers[0].image).toBe(DIGEST);
    // The wait step runs in the engine's image; the download (here the engine pod's own fill step, the
    // cache being node-local) in its own small image, never the engine's: a rebuilt engine leaves it alone.
    const init = Object.fromEntries(pod.initContainers.map((c: { name: string; image: string }) => [c.name, c.image]));
    expect(init).toEqual({
      "install-hub-client": "docker.io/library/python:3.12.12-slim-bookworm",
      "fill-node-cache": "docker.io/library/python:3.12.12-slim-bookworm",
      "wait-for-weights": DIGEST,
    });
  });

  it("a build must be pinned all the way down", () => {
    expect(
      configErrorOf(() =>
        specFrom({
          images: { build: true, registry: "ghcr.io/acme", tag: "1", baseImage: "vllm/vllm-openai:nightly" },
        }),
      ),
    ).toBe(
      [
        'Stack "test" has 2 problems in its configuration (stacks/Pulumi.test.yaml):',
        "  - glm-serving:images.transformersCommit = (not set)",
        "      allowed: a value, when images.build is true",
        "      fix:     pulumi config set --path images.transformersCommit <commit>",
        '  - glm-serving:images.baseImage = "vllm/vllm-openai:nightly"',
        "      allowed: an image pinned by digest (repo@sha256:...): a tag can move under a rebuild",
        "      fix:     pulumi config set --path images.baseImage <repo>@sha256:<digest>",
      ].join("\n"),
    );
  });

  it("the Dockerfiles take every floating input as a build argument, and pin seed 002's commits", () => {
    const vllm = readFileSync(join(REPO_ROOT, "images", "vllm-glm5", "Dockerfile"), "utf8");
    expect(vllm).toContain("ARG BASE_IMAGE\nFROM ${BASE_IMAGE}");
    expect(vllm).toContain("transformers.git@${TRANSFORMERS_COMMIT}");
    const ascend = readFileSync(join(REPO_ROOT, "images", "vllm-ascend-glm5", "Dockerfile"), "utf8");
    expect(ascend).toContain("ARG VLLM_COMMIT=978a37c82387ce4a40aaadddcdbaf4a06fc4d590");
    expect(ascend).toContain("ARG VLLM_ASCEND_COMMIT=ff3a50d011dcbea08f87ebed69ff1bf156dbb01e");
    expect(ascend).toContain("VLLM_TARGET_DEVICE=empty pip install");
    expect(ascend).toContain("git submodule update --init --recursive");
    expect(
      imageBuild(
        specFrom({
          ...BUILD,
          model: { id: "glm-5-w4a8", allowBranch: true },
          nodePool: { accelerator: "atlas-800-a2", provisioner: "static" },
          engine: { kind: "vllm-ascend", quantization: "ascend" },
        }),
      )!.platform,
    ).toBe("linux/arm64");
  });
});
