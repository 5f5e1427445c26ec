package io.jknife.java.vision;

import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.formats.safetensors.SafetensorsWriter;
import io.jknife.java.JavaEngine;
import io.jknife.java.weights.Kernels;
import io.jknife.java.weights.SafetensorsModel;
import io.jknife.vision.PixelValues;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Time to encode one image: the tiny LLaVA tower, and a random tower shaped like CLIP ViT-L/14-336
 * (llava-1.5's: 24 layers of 1024, 16 heads, MLP 4096, 577 positions; features of layer -2, so 23
 * layers run) in BF16. Threads: {@code -Djknife.bench.threads=N} (default: every core). Run with
 * {@code mvn -o test -pl jknife-java -Dtest=ClipEncoderBenchmarkTest -Djknife.test.excludedGroups= -Dgroups=benchmark}.
 */
@Tag("benchmark")
class ClipEncoderBenchmarkTest {
    @TempDir
    Path tmp;

    private static int threads() {
        return Integer.getInteger("jknife.bench.threads", Runtime.getRuntime().availableProcessors());
    }

    @Test
    void tinyTower() throws Exception {
        Path dir = LlavaCheckpoints.tiny(tmp.resolve("tiny"), SafetensorsDType.BF16);
        try (LlavaModel m = LlavaModel.load(dir, JavaEngine.kernels(threads()), 64, 32)) {
            PixelValues px = LlavaCheckpoints.randomImage(32, 1);
            long[] t = time(m.encoder(), px, 200, 50);
            System.out.printf("tiny tower (1 layer, 32 wide, 17 positions, %d threads): median %.3f ms, min %.3f ms%n",
                    threads(), median(t), min(t));
        }
    }

    @Test
    void clipL336ShapedTower() throws Exception {
        Path dir = LlavaCheckpoints.tiny(tmp.resolve("big"), SafetensorsDType.BF16);
        ClipVisionConfig c = new ClipVisionConfig(1024, 4096, 24, 16, 336, 14, 3, 1e-5, Activation.QUICK_GELU,
                List.of(23), false, Activation.GELU, true, 0);
        String prefix = "bench.vision_model.";
        writeTower(dir.resolve("bench-tower.safetensors"), prefix, c);
        try (Kernels k = JavaEngine.kernels(threads()); SafetensorsModel m = SafetensorsModel.open(dir)) {
            ClipVisionEncoder enc = ClipVisionEncoder.load(NamedWeights.of(m, k), prefix, c, k);
            PixelValues px = LlavaCheckpoints.randomImage(336, 1);
            long[] t = time(enc, px, 3, 1);
            float[] f = enc.encode(px);
            assertEquals(576 * 1024, f.length);
            for (float v : f) {
                assertTrue(Float.isFinite(v));
            }
            System.out.printf("CLIP-L/336-shaped tower BF16 (23 of 24 layers, 577 positions, %d threads, %s): "
                    + "median %.0f ms, min %.0f ms%n", threads(), k.name(), median(t) , min(t));
        }
    }

    private static long[] time(ClipVisionEncoder enc, PixelValues px, int runs, int warmup) {
        for (int i = 0; i < warmup; i++) {
            enc.encode(px);
        }
        long[] t = new long[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            enc.encode(px);
            t[i] = System.nanoTime() - t0;
        }
        return t;
    }

    /** A random CLIP tower of {@code c}'s shapes in BF16, weights scaled like a trained one's (1 / sqrt(fan-in)). */
    private static void writeTower(Path file, String prefix, ClipVisionConfig c) throws Exception {
        SplittableRandom r = new SplittableRandom(5);
        SafetensorsWriter w = new SafetensorsWriter();
        int d = c.hiddenSize();
        int ff = c.intermediateSize();
        int p = c.patchSize();
        String e = prefix + "embeddings.";
        w.tensor(e + "patch_embedding.weight", SafetensorsDType.BF16, new long[]{d, 3, p, p}, random(r, d * 3 * p * p, 3 * p * p, 0));
        w.tensor(e + "class_embedding", SafetensorsDType.BF16, new long[]{d}, random(r, d, 1, 0));
        w.tensor(e + "position_embedding.weight", SafetensorsDType.BF16, new long[]{c.positions(), d},
                random(r, c.positions() * d, 1, 0));
        w.tensor(prefix + "pre_layrnorm.weight", SafetensorsDType.BF16, new long[]{d}, random(r, d, 1e4, 1));
        w.tensor(prefix + "pre_layrnorm.bias", SafetensorsDType.BF16, new long[]{d}, random(r, d, 1e4, 0));
        for (int l = 0; l < c.layers(); l++) {
            String b = prefix + "encoder.layers." + l + ".";
            for (String proj : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
                w.tensor(b + "self_attn." + proj + ".weight", SafetensorsDType.BF16, new long[]{d, d}, random(r, d * d, d, 0));
                w.tensor(b + "self_attn." + proj + ".bias", SafetensorsDType.BF16, new long[]{d}, random(r, d, 1e4, 0));
            }
            for (String norm : List.of("layer_norm1", "layer_norm2")) {
                w.tensor(b + norm + ".weight", SafetensorsDType.BF16, new long[]{d}, random(r, d, 1e4, 1));
                w.tensor(b + norm + ".bias", SafetensorsDType.BF16, new long[]{d}, random(r, d, 1e4, 0));
            }
            w.tensor(b + "mlp.fc1.weight", SafetensorsDType.BF16, new long[]{ff, d}, random(r, ff * d, d, 0));
            w.tensor(b + "mlp.fc1.bias", SafetensorsDType.BF16, new long[]{ff}, random(r, ff, 1e4, 0));
            w.tensor(b + "mlp.fc2.weight", SafetensorsDType.BF16, new long[]{d, ff}, random(r, ff * d, ff, 0));
            w.tensor(b + "mlp.fc2.bias", SafetensorsDType.BF16, new long[]{d}, random(r, d, 1e4, 0));
        }
        w.write(file);
    }

    /** {@code n} values around {@code center}, uniform with the variance of 1 / fanIn. */
    private static float[] random(SplittableRandom r, int n, double fanIn, double center) {
        float[] v = new float[n];
        double a = Math.sqrt(3 / fanIn);
        for (int i = 0; i < n; i++) {
            v[i] = (float) (center + r.nextDouble(-a, a));
        }
        return v;
    }

    private static double median(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return s[s.length / 2] / 1e6;
    }

    private static double min(long[] nanos) {
        return Arrays.stream(nanos).min().orElseThrow() / 1e6;
    }
}
