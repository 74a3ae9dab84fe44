/**
 * Accelerator catalog: what one node of each supported kind offers.
 *
 * `memoryBytes` is the total the runtime reports (`torch.cuda.mem_get_info`, what vLLM multiplies by
 * `--gpu-memory-utilization` and SGLang by `--mem-fraction-static`), below both the marketing figure
 * and `nvidia-smi`'s total because the driver keeps a share:
 * - H100 80GB: vLLM logs `total_gpu_memory (79.11GiB)` (79.11-79.33 seen; the lowest is used);
 * - H200 141GB: `total_gpu_memory (139.81GiB)`;
 * - A100 80GB: `total_gpu_memory (79.15GiB)`;
 * - B200 180GB: `nvidia-smi` shows 183,359 MiB (179.06 GiB); less the ~0.6 GiB the driver keeps on
 *   H200 (143,771 MiB = 140.40 GiB in `nvidia-smi` vs 139.81 GiB at runtime): 178.46 GiB (estimate);
 * - Ascend 910B / 910C die (64 GB HBM): vLLM-Ascend logs `total memory: 65464696832`.
 */

export type AcceleratorVendor = "nvidia" | "ascend";

/** FP8 tensor-core support decides whether an FP8 checkpoint runs natively. */
export type NumericSupport = "bf16" | "fp8" | "fp4" | "int8";

export interface AcceleratorEntry {
  readonly id: string;
  readonly vendor: AcceleratorVendor;
  readonly displayName: string;
  /** Device memory per device as the runtime sees it, in bytes. */
  readonly memoryBytes: number;
  /** Devices on one node of the kind this project targets (an 8-GPU HGX board, an Atlas chassis). */
  readonly devicesPerNode: number;
  /** Extended resource the device plugin advertises (NVIDIA device plugin / Ascend device plugin). */
  readonly resourceName: string;
  /** Numeric formats the device computes natively. */
  readonly numerics: readonly NumericSupport[];
  /**
   * CUDA compute capability, major version (8 Ampere, 9 Hopper, 10 Blackwell); absent off NVIDIA.
   * Engines pick defaults by it: SGLang's KV cache dtype for DSA models (docs/capacity-planning.md).
   */
  readonly computeCapability?: number;
  /** Default Karpenter instance types (AWS) offering one such node, most preferred first. */
  readonly instanceTypes: readonly string[];
  /**
   * Default labels that select such a node when the pool is static (existing, labelled nodes): the
   * GPU operator's product label on NVIDIA nodes, MindCluster's accelerator labels on Ascend nodes.
   */
  readonly staticNodeSelector: Readonly<Record<string, string>>;
  /** Taint a dedicated pool of this kind carries, so only accelerator workloads land on it. */
  readonly taintKey: string;
}

const GiB = 2 ** 30;
const gib = (n: number) => Math.round(n * GiB);

export const ACCELERATORS = {
  "h100-80gb": {
    id: "h100-80gb",
    computeCapability: 9,
    vendor: "nvidia",
    displayName: "NVIDIA H100 80GB (SXM)",
    memoryBytes: gib(79.11),
    devicesPerNode: 8,
    resourceName: "nvidia.com/gpu",
    numerics: ["bf16", "fp8", "int8"],
    instanceTypes: ["p5.48xlarge"],
    staticNodeSelector: { "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3" },
    taintKey: "nvidia.com/gpu",
  },
  "h100-80gb-x1": {
    id: "h100-80gb-x1",
    computeCapability: 9,
    vendor: "nvidia",
    displayName: "NVIDIA H100 80GB, one per node (staging)",
    memoryBytes: gib(79.11),
    devicesPerNode: 1,
    resourceName: "nvidia.com/gpu",
    numerics: ["bf16", "fp8", "int8"],
    instanceTypes: ["p5.4xlarge"],
    staticNodeSelector: { "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3" },
    taintKey: "nvidia.com/gpu",
  },
  "h200-141gb": {
    id: "h200-141gb",
    computeCapability: 9,
    vendor: "nvidia",
    displayName: "NVIDIA H200 141GB (SXM)",
    memoryBytes: gib(139.81),
    devicesPerNode: 8,
    resourceName: "nvidia.com/gpu",
    numerics: ["bf16", "fp8", "int8"],
    instanceTypes: ["p5en.48xlarge", "p5e.48xlarge"],
    staticNodeSelector: { "nvidia.com/gpu.product": "NVIDIA-H200" },
    taintKey: "nvidia.com/gpu",
  },
  "b200-180gb": {
    id: "b200-180gb",
    computeCapability: 10,
    vendor: "nvidia",
    displayName: "NVIDIA B200 180GB (HGX)",
    memoryBytes: gib(178.46),
    devicesPerNode: 8,
    resourceName: "nvidia.com/gpu",
    numerics: ["bf16", "fp8", "fp4", "int8"],
    instanceTypes: ["p6-b200.48xlarge"],
    staticNodeSelector: { "nvidia.com/gpu.product": "NVIDIA-B200" },
    taintKey: "nvidia.com/gpu",
  },
  "a100-80gb": {
    id: "a100-80gb",
    computeCapability: 8,
    vendor: "nvidia",
    displayName: "NVIDIA A100 80GB (SXM)",
    memoryBytes: gib(79.15),
    devicesPerNode: 8,
    resourceName: "nvidia.com/gpu",
    numerics: ["bf16", "int8"],
    instanceTypes: ["p4de.24xlarge"],
    staticNodeSelector: { "nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB" },
    taintKey: "nvidia.com/gpu",
  },
  "atlas-800-a2": {
    id: "atlas-800-a2",
    vendor: "ascend",
    displayName: "Huawei Atlas 800 A2 (8 x Ascend 910B, 64 GB)",
    memoryBytes: 65_464_696_832,
    devicesPerNode: 8,
    resourceName: "huawei.com/Ascend910",
    numerics: ["bf16", "int8"],
    instanceTypes: [],
    staticNodeSelector: { accelerator: "huawei-Ascend910", "accelerator-type": "module-910b-8" },
    taintKey: "huawei.com/Ascend910",
  },
  "atlas-800-a3": {
    id: "atlas-800-a3",
    vendor: "ascend",
    displayName: "Huawei Atlas 800 A3 (16 x Ascend 910C die, 64 GB)",
    memoryBytes: 65_464_696_832,
    devicesPerNode: 16,
    resourceName: "huawei.com/Ascend910",
    numerics: ["bf16", "int8"],
    instanceTypes: [],
    staticNodeSelector: { accelerator: "huawei-Ascend910", "accelerator-type": "module-a3-16" },
    taintKey: "huawei.com/Ascend910",
  },
} as const satisfies Record<string, AcceleratorEntry>;

export type AcceleratorId = keyof typeof ACCELERATORS;
export const ACCELERATOR_IDS = Object.keys(ACCELERATORS) as [AcceleratorId, ...AcceleratorId[]];

export function accelerator(id: AcceleratorId): AcceleratorEntry {
  return ACCELERATORS[id];
}
