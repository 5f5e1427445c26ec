package io.jknife.whisper.bench;

import io.jknife.formats.GgmlType;
import io.jknife.formats.ggml.WhisperGgmlModel;
import io.jknife.formats.ggml.WhisperGgmlReader;
import io.jknife.formats.ggml.WhisperGgmlTensor;
import io.jknife.formats.ggml.WhisperGgmlWriter;
import io.jknife.formats.ggml.WhisperHparams;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/**
 * The benchmark's inputs: a whisper.cpp GGML model with whisper tiny's real shapes (d_model 384,
 * 4 encoder + 4 decoder layers, 6 heads, 80 mels, n_vocab 51865, F16) and seeded random weights,
 * and a 16 kHz mono WAV of a tone with noise.
 *
 * <p>Random weights make every window fail whisper's log-probability check, so whisper.cpp decodes
 * each window six times (temperature fallback, five candidates each) to the full 224 tokens: 60 s
 * took 424 s here, all of it in the decoder. The decoder is therefore made decisive: its final norm
 * outputs a constant vector for which the timestamp token {@code <|0.00|>} and then end-of-text win,
 * so each window decodes in two confident tokens and the run is dominated by the encoder, as for a
 * real tiny model on speech. Both sides of the benchmark run the same file.
 */
final class BenchModel {
    private static final int EOT = 50257;

    private BenchModel() {
    }

    static Path write(Path file) throws IOException {
        WhisperHparams hp = WhisperHparams.tiny(WhisperHparams.N_VOCAB_MULTILINGUAL, 1);
        Files.createDirectories(file.getParent());
        new WhisperGgmlWriter(hp).seed(42).vocabulary(WhisperGgmlWriter.gpt2Vocabulary(1024, true)).write(file);
        makeDecisive(file);
        return file;
    }

    /** Rewrites the decoder's final norm and two embedding rows in place. */
    private static void makeDecisive(Path file) throws IOException {
        WhisperGgmlModel m = WhisperGgmlReader.read(file);
        int d = m.hparams().nTextState();
        int timestampBegin = m.multilingual() ? 50364 : 50363;
        WhisperGgmlTensor weight = m.tensor("decoder.ln.weight").orElseThrow();
        WhisperGgmlTensor bias = m.tensor("decoder.ln.bias").orElseThrow();
        WhisperGgmlTensor embedding = m.tensor("decoder.token_embedding.weight").orElseThrow();
        if (weight.type() != GgmlType.F32 || bias.type() != GgmlType.F32 || embedding.type() != GgmlType.F16) {
            throw new IOException("unexpected tensor types in " + file);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(f32(d, 0f), weight.dataOffset());
            ch.write(f32(d, 1f), bias.dataOffset());
            ch.write(f16(d, 0.12f), embedding.dataOffset() + (long) EOT * d * 2);
            ch.write(f16(d, 0.10f), embedding.dataOffset() + (long) timestampBegin * d * 2);
        }
    }

    private static ByteBuffer f32(int n, float v) {
        ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat(v);
        }
        return b.flip();
    }

    private static ByteBuffer f16(int n, float v) {
        ByteBuffer b = ByteBuffer.allocate(n * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putShort(Float.floatToFloat16(v));
        }
        return b.flip();
    }

    /** A 16 kHz mono 16-bit WAV of {@code seconds} of a 127 Hz tone with noise. */
    static Path wav(Path file, double seconds) throws IOException {
        int rate = 16_000;
        int n = (int) Math.round(seconds * rate);
        ByteBuffer b = ByteBuffer.allocate(44 + 2 * n).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + 2 * n).put("WAVE".getBytes());
        b.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1).putInt(rate).putInt(rate * 2)
                .putShort((short) 2).putShort((short) 16);
        b.put("data".getBytes()).putInt(2 * n);
        Random r = new Random(1);
        for (int i = 0; i < n; i++) {
            double v = Math.sin(i * 0.05) * 0.3 + r.nextGaussian() * 0.05;
            b.putShort((short) Math.max(-32768, Math.min(32767, Math.round(v * 32767))));
        }
        Files.createDirectories(file.getParent());
        Files.write(file, b.array());
        return file;
    }

    /** The samples of a WAV {@link #wav} wrote, as the bare binding's caller would read them. */
    static float[] readWav(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int n = b.getInt(40) / 2;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = b.getShort(44 + 2 * i) / 32768f;
        }
        return out;
    }
}
