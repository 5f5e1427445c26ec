/**
 * The pure-Java engine ({@link io.jknife.java.JavaEngine}, id {@code java}): Llama-family GGUF
 * decoders (llama incl. Llama 3 rope scaling and Mistral, qwen2, qwen3, gemma2, gemma3 text, phi3)
 * on memory-mapped weights.
 *
 * <h2>Layout</h2>
 * <ul>
 *   <li>{@code weights/}: the GGUF tensors mapped read-only ({@code MappedModel}) and the seam to the
 *       matrix kernels ({@code Kernels}, {@code Linear}): {@code TensorKernels} uses
 *       {@code jknife-tensor} (fused dequantize-and-dot on 8-bit activations, one worker team),
 *       {@code FallbackKernels} is a plain float reference ({@code -Djknife.java.kernels=fallback}).</li>
 *   <li>{@code model/}: {@code ModelConfig} (hyper-parameters and per-architecture rules from the
 *       GGUF metadata only), {@code ModelWeights} (llama.cpp's tensor names), {@code Transformer}
 *       (batched forward pass, KV cache, vectorized attention and element-wise kernels).</li>
 *   <li>{@code sampling/}: {@code Sampler} (the shared sampling settings, llama.cpp's order).</li>
 *   <li>{@code parallel/}: the index-range seam the forward pass splits work with.</li>
 *   <li>{@code bench/}: {@code JavaDecodeBench}, decode and prefill speed against llama.cpp.</li>
 * </ul>
 *
 * <h2>Decisions</h2>
 * <ul>
 *   <li>Weights are never copied to the heap; norms and biases (1-D) are read as floats.</li>
 *   <li>The KV cache is on the heap in blocks of 256 positions allocated as the context fills,
 *       each head's positions contiguous.</li>
 *   <li>Numerics follow llama.cpp b4916's graphs (checked against it on generated models): gemma
 *       norms are used as stored (the converter already stored 1 + w), gemma2 soft-caps attention
 *       logits (50) and output logits (30), gemma2 slides every even layer and gemma3 five of every
 *       six (with rope base 10000 there), phi3 slides every layer.</li>
 * </ul>
 */
package io.jknife.java;
