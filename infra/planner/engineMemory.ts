import type { MoeArchitecture } from "../catalog/architectures";

/**
 * Activation peak of a profile batch: per batched token its hidden states (a few copies of the
 * residual stream) and, for each of its top-k experts, the routed copy of its input and the expert's
 * gate/up output, in BF16; plus fp32 logits over the vocabulary for `maxNumSeqs` sampled sequences
 * and the DSA indexer's fp32 scores of the batch against itself and its top-k index buffer.
 */
export function activationPeakBytes(a: MoeArchitecture, batchedTokens: number, maxNumSeqs: number): number {
  const perToken = 2 * (4 * a.hiddenSize + a.expertsPerToken * (a.hiddenSize + 2 * a.moeIntermediateSize));
  const sampler = maxNumSeqs * a.vocabSize * 4;
  const indexer = a.indexer ? batchedTokens * batchedTokens * 4 + batchedTokens * a.indexer.topK * 4 : 0;
  return batchedTokens * perToken + sampler + indexer;
}
