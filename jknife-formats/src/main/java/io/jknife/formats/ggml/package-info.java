/**
 * whisper.cpp's legacy GGML model files ({@code ggml-*.bin}): {@link
 * io.jknife.formats.ggml.WhisperGgmlReader} parses and bounds-checks them, {@link
 * io.jknife.formats.ggml.WhisperGgmlModel#nativeHazards()} lists what would make the native
 * whisper-jni 1.7.1 binding fail or abort, {@link io.jknife.formats.ggml.WhisperGgmlWriter} writes
 * complete test models.
 */
package io.jknife.formats.ggml;
