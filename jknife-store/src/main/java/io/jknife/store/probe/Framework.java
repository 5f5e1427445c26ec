package io.jknife.store.probe;

/**
 * The contract's {@code framework} label, decided from file contents and metadata: a GGUF file,
 * a whisper.cpp GGML file, MLX safetensors (quantization block or MLX metadata), other Hugging Face
 * weights (safetensors or .bin), or unknown.
 */
public enum Framework {
    GGUF, GGML, MLX, PyTorch, Unknown
}
