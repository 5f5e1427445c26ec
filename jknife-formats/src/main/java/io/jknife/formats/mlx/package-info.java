/** MLX's affine weight quantization, as mlx-lm stores quantized layers in safetensors. */
package io.jknife.formats.mlx;
