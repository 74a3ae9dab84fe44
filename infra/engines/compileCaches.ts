/**
 * The JIT and kernel caches a CUDA engine built on PyTorch fills at start (torch.compile's Inductor,
 * Triton, FlashInfer, DeepGEMM), each pointed at a directory of the persisted compile cache so a
 * restart or a second replica skips the work. Engines add their own caches around these.
 */
export function cudaJitCacheEnv(dir: string): { name: string; value: string }[] {
  return [
    { name: "TORCHINDUCTOR_CACHE_DIR", value: `${dir}/inductor` },
    { name: "TRITON_CACHE_DIR", value: `${dir}/triton` },
    { name: "FLASHINFER_WORKSPACE_BASE", value: `${dir}/flashinfer` },
    { name: "DG_JIT_CACHE_DIR", value: `${dir}/deep_gemm` },
  ];
}
