package io.jknife.tensor;

import io.jknife.formats.GgmlType;
import io.jknife.formats.gguf.GgmlQuant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The block layouts against ggml itself: llama.cpp b4916's {@code quantize_row_*_ref} and
 * {@code dequantize_row_*} (exported by the libjllama.so inside de.kherud:llama), called through
 * the FFM API. Blocks ggml wrote decode in {@link GgmlQuant} and {@link WeightTensor#rowTo} to
 * exactly ggml's values, and blocks {@link GgmlQuant} wrote decode in ggml to exactly ours, so
 * our encoders, decoders and kernels read the files llama.cpp writes and write files it reads.
 */
class GgmlLayoutTest {
    private static SymbolLookup ggml;

    @BeforeAll
    static void load() throws IOException {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        assumeTrue(os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64")),
                "ggml's library in de.kherud:llama is used on Linux x86-64 only here");
        Path dir = Files.createDirectories(Path.of("target", "ggml"));
        Path lib = dir.resolve("libjllama.so");
        try (InputStream in = GgmlLayoutTest.class.getClassLoader()
                .getResourceAsStream("de/kherud/llama/Linux/x86_64/libjllama.so")) {
            assumeTrue(in != null, "no libjllama.so in de.kherud:llama");
            Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
        }
        ggml = SymbolLookup.libraryLookup(lib.toAbsolutePath(), Arena.global());
        // ggml_init (which this calls) fills ggml's f16 -> f32 table that its dequantizers read
        try {
            Linker.nativeLinker().downcallHandle(ggml.find("llama_backend_init").orElseThrow(),
                    FunctionDescriptor.ofVoid()).invokeExact();
        } catch (Throwable e) {
            throw new IllegalStateException("llama_backend_init failed", e);
        }
    }

    private static MethodHandle function(String name) {
        return Linker.nativeLinker().downcallHandle(ggml.find(name).orElseThrow(),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    }

    private static String ggmlName(GgmlType t) {
        return t.name().toLowerCase(Locale.ROOT).replace("_k", "_K");
    }

    /** ggml's reference quantization of {@code values}. */
    private static byte[] ggmlQuantize(GgmlType t, float[] values) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocateFrom(ValueLayout.JAVA_FLOAT, values);
            MemorySegment y = arena.allocate(t.byteSize(values.length), 16);
            function("quantize_row_" + ggmlName(t) + "_ref").invokeExact(x, y, (long) values.length);
            return y.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    private static float[] ggmlDequantize(GgmlType t, byte[] blocks, int count) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocateFrom(ValueLayout.JAVA_BYTE, blocks);
            MemorySegment y = arena.allocate(ValueLayout.JAVA_FLOAT, count);
            function("dequantize_row_" + ggmlName(t)).invokeExact(x, y, (long) count);
            return y.toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    private static float[] values(int count, long seed) {
        Random rnd = new Random(seed);
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            // blocks of different magnitudes and signs, so scales and minimums vary
            v[i] = (float) (rnd.nextGaussian() * Math.pow(10, (i / 256) % 3 - 2) + ((i / 32) % 5 == 0 ? 0.05 : 0));
        }
        return v;
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void blocksGgmlWritesDecodeToGgmlsValues(GgmlType type) throws Throwable {
        int rows = 3;
        int cols = 4 * 256;
        float[] v = values(rows * cols, type.ordinal());
        byte[] blocks = ggmlQuantize(type, v);
        float[] want = ggmlDequantize(type, blocks, v.length);
        assertArrayEquals(want, GgmlQuant.decode(blocks, type, v.length), type + ": GgmlQuant.decode");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocateFrom(ValueLayout.JAVA_BYTE, blocks);
            WeightTensor w = WeightTensor.of(type, seg, rows, cols);
            float[] rowsOut = new float[rows * cols];
            for (int r = 0; r < rows; r++) {
                w.rowTo(r, rowsOut, r * cols);
            }
            assertArrayEquals(want, rowsOut, type + ": rowTo");
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void blocksWeWriteDecodeInGgmlToOurValues(GgmlType type) throws Throwable {
        float[] v = values(8 * 256, 100 + type.ordinal());
        byte[] blocks = GgmlQuant.encode(v, type);
        assertArrayEquals(GgmlQuant.decode(blocks, type, v.length), ggmlDequantize(type, blocks, v.length),
                type + ": ggml's dequantize_row");
    }
}
