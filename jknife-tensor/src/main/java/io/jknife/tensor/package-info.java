/**
 * The compute core of the Java engine: weight matrices of every supported ggml type and of MLX's
 * affine group quantization over (memory-mapped) memory ({@link io.jknife.tensor.WeightTensor},
 * {@link io.jknife.tensor.MappedGguf}),
 * activations quantized once per matmul input ({@link io.jknife.tensor.Activations}), fused
 * dequantize-and-dot kernels on the Vector API ({@link io.jknife.tensor.MatMul}) and a persistent
 * team of worker threads ({@link io.jknife.tensor.WorkerTeam}).
 */
package io.jknife.tensor;
