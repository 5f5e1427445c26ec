package io.jknife.store.probe;

/** The on-disk weight format, which decides which engines can load a model at all. */
public enum ModelFormat {
    GGUF("gguf"),
    WHISPER_GGML("whisper.cpp ggml"),
    SAFETENSORS("safetensors"),
    PYTORCH_BIN("pytorch .bin"),
    NONE("none");

    private final String label;

    ModelFormat(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
