import { describe, expect, it } from "vitest";
import { compileCacheEnv, compileCacheKey, compileCacheVolume } from "../infra/k8s/compileCache";
import { stackManifests } from "../infra/k8s/manifests";
import { deploymentOf, specFrom, stackSpec } from "./helpers";

/** The engines' compile and JIT caches persist on the cache volume, one directory per configuration. */
describe("compile caches", () => {
  const base = specFrom({}, "s");
  const image = "vllm/vllm-openai:glm5";
  const key = compileCacheKey(base, image);

  it("the same configuration gets the same directory on every render and every replica", () => {
    expect(compileCacheKey(specFrom({}, "s"), image)).toBe(key);
    expect(compileCacheKey(specFrom({ pod: { replicas: 1 } }, "other-stack"), image)).toBe(key);
  });

  it("another image, parallel layout, model (and so its quantisation), revision or accelerator is another directory", () => {
    const others = [
      compileCacheKey(base, "vllm/vllm-openai:v0.99"),
      compileCacheKey(specFrom({ engine: { tensorParallelSize: 4 } }, "s"), image),
      compileCacheKey(specFrom({ model: { id: "glm-5.1-fp8" } }, "s"), image),
      compileCacheKey(specFrom({ model: { revision: "0123456789abcdef0123456789abcdef01234567" } }, "s"), image),
      compileCacheKey(specFrom({ nodePool: { accelerator: "b200-180gb" } }, "s"), image),
    ];
    expect(new Set([key, ...others]).size).toBe(others.length + 1);
  });

  it("each engine's compilers are pointed at it; the stack's own engine.env wins", () => {
    expect(compileCacheEnv(base).map((e) => e.name)).toEqual([
      "VLLM_CACHE_ROOT",
      "TORCHINDUCTOR_CACHE_DIR",
      "TRITON_CACHE_DIR",
      "FLASHINFER_WORKSPACE_BASE",
      "DG_JIT_CACHE_DIR",
    ]);
    const own = specFrom({ engine: { env: { TRITON_CACHE_DIR: "/tmp/triton" } } }, "s");
    expect(compileCacheEnv(own).map((e) => e.name)).not.toContain("TRITON_CACHE_DIR");
    expect(compileCacheEnv(stackSpec("h200-sglang")).map((e) => e.name)).toContain("SGLANG_DG_CACHE_DIR");
  });

  it("persist across restarts in the rendered objects: the engine writes below .glm-serving/compile/<key> of its volume", () => {
    const spec = stackSpec("h200-fp8");
    const pod = deploymentOf(stackManifests(spec)).spec!.template.spec!;
    const c = pod.containers[0]!;
    const k = compileCacheKey(spec, c.image!);
    expect(c.volumeMounts).toContainEqual({ name: "compile-cache", mountPath: "/var/cache/glm-serving-compile" });
    // h200-fp8 keeps its cache on the node's NVMe: the compile caches sit beside the node's copy.
    expect(pod.volumes).toContainEqual({
      name: "compile-cache",
      hostPath: { path: `/mnt/k8s-disks/0/glm-serving/weights/.glm-serving/compile/${k}`, type: "DirectoryOrCreate" },
    });
    expect(c.env).toContainEqual({ name: "VLLM_CACHE_ROOT", value: "/var/cache/glm-serving-compile/vllm" });
    // On a volume (h200-fp8-scale): a subPath of the claim, mounted writable beside the read-only weights.
    const scale = stackSpec("h200-fp8-scale");
    const scalePod = deploymentOf(stackManifests(scale)).spec!.template.spec!;
    const sk = compileCacheKey(scale, scalePod.containers[0]!.image!);
    expect(scalePod.containers[0]!.volumeMounts).toContainEqual({
      name: "compile-cache",
      mountPath: "/var/cache/glm-serving-compile",
      subPath: `.glm-serving/compile/${sk}`,
    });
    expect(scalePod.volumes).toContainEqual({
      name: "compile-cache",
      persistentVolumeClaim: { claimName: "h200-fp8-scale-weights" },
    });
  });

  it("node-local: a directory beside the node's copy of the weights", () => {
    const spec = specFrom(
      { nodePool: { provisioner: "static" }, weightCache: { mode: "node-local", hostPath: "/mnt/nvme/glm" } },
      "s",
    );
    expect(compileCacheVolume(spec, image)).toEqual({
      name: "compile-cache",
      hostPath: {
        path: `/mnt/nvme/glm/.glm-serving/compile/${compileCacheKey(spec, image)}`,
        type: "DirectoryOrCreate",
      },
    });
  });
});
