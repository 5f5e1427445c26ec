package io.jknife.java.vision;

import io.jknife.formats.FormatException;
import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.formats.safetensors.SafetensorsWriter;
import io.jknife.java.JavaEngine;
import io.jknife.java.weights.FallbackKernels;
import io.jknife.java.weights.Kernels;
import io.jknife.java.weights.SafetensorsModel;
import io.jknife.vision.PixelValues;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.node.ObjectNode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLIP tower and projector against {@link ClipReference} on the testkit's tiny LLaVA. */
class ClipVisionEncoderTest {
    @TempDir
    Path tmp;

    static Stream<Arguments> settings() {
        Consumer<ObjectNode> asIs = r -> { };
        return Stream.of(
                Arguments.of("F32, layer -2 (embeddings), default", SafetensorsDType.F32, asIs),
                Arguments.of("BF16, layer -2 (embeddings), default", SafetensorsDType.BF16, asIs),
                Arguments.of("F16, layer -2 (embeddings), default", SafetensorsDType.F16, asIs),
                Arguments.of("F32, layer -1 (through the encoder layer)", SafetensorsDType.F32,
                        (Consumer<ObjectNode>) r -> r.put("vision_feature_layer", -1)),
                Arguments.of("BF16, layer -1, strategy full", SafetensorsDType.BF16,
                        (Consumer<ObjectNode>) r -> r.put("vision_feature_layer", -1)
                                .put("vision_feature_select_strategy", "full")),
                Arguments.of("F32, layer 1, gelu tower", SafetensorsDType.F32,
                        (Consumer<ObjectNode>) r -> {
                            r.put("vision_feature_layer", 1);
                            ((ObjectNode) r.get("vision_config")).put("hidden_act", "gelu");
                        }),
                Arguments.of("BF16, layer -1, gelu_pytorch_tanh tower", SafetensorsDType.BF16,
                        (Consumer<ObjectNode>) r -> {
                            r.put("vision_feature_layer", -1);
                            ((ObjectNode) r.get("vision_config")).put("hidden_act", "gelu_pytorch_tanh");
                        }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    void encoderAndProjectorMatchTheReference(String label, SafetensorsDType dtype, Consumer<ObjectNode> edit)
            throws Exception {
        Path dir = LlavaCheckpoints.tiny(tmp.resolve("m"), dtype);
        LlavaCheckpoints.editConfig(dir, edit);
        ClipVisionConfig c = ClipVisionConfig.read(dir);
        for (Kernels kernels : List.of(JavaEngine.kernels(2), new FallbackKernels(1))) {
            try (kernels; SafetensorsModel m = SafetensorsModel.open(dir)) {
                ClipVisionEncoder enc = ClipVisionEncoder.load(NamedWeights.of(m, kernels), LlavaCheckpoints.TOWER, c, kernels);
                LlavaProjector proj = LlavaProjector.load(NamedWeights.of(m, kernels), LlavaCheckpoints.PROJECTOR, c, 64, kernels);
                ClipReference ref = new ClipReference(m, LlavaCheckpoints.TOWER, c);
                float[] previous = null;
                for (long seed = 1; seed <= 3; seed++) {
                    PixelValues px = LlavaCheckpoints.randomImage(32, seed);
                    float[] features = enc.encode(px);
                    double[][] expected = ref.features(px);
                    assertEquals(c.imageTokens(), expected.length);
                    double err = LlavaCheckpoints.relativeError(features, expected);
                    assertTrue(err < 2e-6, label + " " + kernels.name() + ": features off by " + err);
                    float[] projected = proj.project(features, c.imageTokens());
                    double perr = LlavaCheckpoints.relativeError(projected, ref.project(LlavaCheckpoints.PROJECTOR, expected));
                    assertTrue(perr < 2e-6, label + " " + kernels.name() + ": projection off by " + perr);
                    assertFalse(previous != null && Arrays.equals(previous, features), "different images, same features");
                    previous = features;
                }
            }
        }
    }

    @Test
    void severalFeatureLayersAreConcatenated() throws Exception {
        Path dir = LlavaCheckpoints.tiny(tmp.resolve("m"), SafetensorsDType.F32);
        LlavaCheckpoints.editConfig(dir, r -> r.set("vision_feature_layer", LlavaCheckpoints.JSON.createArrayNode().add(-1).add(0)));
        ClipVisionConfig c = ClipVisionConfig.read(dir);
        assertEquals(List.of(1, 0), c.featureLayers());
        assertEquals(64, c.featureWidth());
        try (Kernels k = JavaEngine.kernels(1); SafetensorsModel m = SafetensorsModel.open(dir)) {
            PixelValues px = LlavaCheckpoints.randomImage(32, 7);
            float[] f = ClipVisionEncoder.load(NamedWeights.of(m, k), LlavaCheckpoints.TOWER, c, k).encode(px);
            double err = LlavaCheckpoints.relativeError(f, new ClipReference(m, LlavaCheckpoints.TOWER, c).features(px));
            assertTrue(err < 2e-6, "features off by " + err);
        }
    }

    @Test
    void channelsLastPatchKernelOfMlxConversionsIsTheSameConvolution() throws Exception {
        Path dir = LlavaCheckpoints.tiny(tmp.resolve("m"), SafetensorsDType.F32);
        ClipVisionConfig c = ClipVisionConfig.read(dir);
        String mlx = "mlx.vision_model.";
        // the same tower again under another prefix, its convolution stored [out, y, x, channel] as mlx-vlm does
        try (SafetensorsModel m = SafetensorsModel.open(dir)) {
            SafetensorsWriter w = new SafetensorsWriter();
            List<String> names = new java.util.ArrayList<>(List.of("embeddings.class_embedding",
                    "embeddings.position_embedding.weight", "pre_layrnorm.weight", "pre_layrnorm.bias"));
            for (String t : List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj",
                    "layer_norm1", "layer_norm2", "mlp.fc1", "mlp.fc2")) {
                names.add("encoder.layers.0." + t + ".weight");
                names.add("encoder.layers.0." + t + ".bias");
            }
            for (String n : names) {
                SafetensorsModel.HfTensor t = m.hfTensor(LlavaCheckpoints.TOWER + n).orElseThrow();
                w.tensor(mlx + n, SafetensorsDType.F32, t.shape(), t.values());
            }
            SafetensorsModel.HfTensor conv = m.hfTensor(LlavaCheckpoints.TOWER + "embeddings.patch_embedding.weight")
                    .orElseThrow();
            int d = c.hiddenSize();
            int p = c.patchSize();
            float[] last = new float[conv.values().length];
            for (int o = 0; o < d; o++) {
                for (int ch = 0; ch < 3; ch++) {
                    for (int y = 0; y < p; y++) {
                        for (int x = 0; x < p; x++) {
                            last[((o * p + y) * p + x) * 3 + ch] = conv.values()[((o * 3 + ch) * p + y) * p + x];
                        }
                    }
                }
            }
            w.tensor(mlx + "embeddings.patch_embedding.weight", SafetensorsDType.F32, new long[]{d, p, p, 3}, last);
            w.write(dir.resolve("mlx-tower.safetensors"));
        }
        try (Kernels k = JavaEngine.kernels(1); SafetensorsModel m = SafetensorsModel.open(dir)) {
            ClipVisionConfig deep = ClipVisionConfig.of(LlavaCheckpoints.JSON.readTree(
                    "{\"vision_feature_layer\": -1, \"vision_config\": {\"hidden_size\": 32, \"intermediate_size\": 64,"
                            + " \"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"image_size\": 32, \"patch_size\": 8}}"));
            PixelValues px = LlavaCheckpoints.randomImage(32, 11);
            float[] torch = ClipVisionEncoder.load(NamedWeights.of(m, k), LlavaCheckpoints.TOWER, deep, k).encode(px);
            float[] channelsLast = ClipVisionEncoder.load(NamedWeights.of(m, k), mlx, deep, k).encode(px);
            assertTrue(LlavaCheckpoints.relativeError(channelsLast, new double[][]{toDouble(torch)}) < 1e-6);
        }
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Test
    void wrongImageShapeIsAnError() throws Exception {
        Path dir = LlavaCheckpoints.tiny(tmp.resolve("m"), SafetensorsDType.F32);
        ClipVisionConfig c = ClipVisionConfig.read(dir);
        try (Kernels k = JavaEngine.kernels(1); SafetensorsModel m = SafetensorsModel.open(dir)) {
            ClipVisionEncoder enc = ClipVisionEncoder.load(NamedWeights.of(m, k), LlavaCheckpoints.TOWER, c, k);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> enc.encode(LlavaCheckpoints.randomImage(40, 1)));
            assertEquals("the vision tower takes 3x32x32 pixel values, got 3x40x40", e.getMessage());
        }
    }

    @Test
    void missingTowerTensorIsNamed() throws Exception {
        Path dir = LlavaCheckpoints.tiny(tmp.resolve("m"), SafetensorsDType.F32);
        // a config claiming three layers over a checkpoint with one
        LlavaCheckpoints.editConfig(dir, r -> {
            ((ObjectNode) r.get("vision_config")).put("num_hidden_layers", 3);
            r.put("vision_feature_layer", -1);
        });
        ClipVisionConfig c = ClipVisionConfig.read(dir);
        try (Kernels k = JavaEngine.kernels(1); SafetensorsModel m = SafetensorsModel.open(dir)) {
            FormatException e = assertThrows(FormatException.class,
                    () -> ClipVisionEncoder.load(NamedWeights.of(m, k), LlavaCheckpoints.TOWER, c, k));
            assertTrue(e.getMessage().contains("missing tensor vision_tower.vision_model.encoder.layers.1."), e.getMessage());
        }
    }

    @Test
    void activationsMatchTheirDefinitions() {
        int n = 1201;
        for (Activation a : Activation.values()) {
            // offset 3 and an odd length: the vector loop and its scalar tail both run
            float[] y = new float[n + 3];
            for (int i = 0; i < n; i++) {
                y[i + 3] = (float) (-6 + 0.01 * i);
            }
            float[] x = y.clone();
            a.apply(y, 3, n);
            for (int i = 0; i < n; i++) {
                double expected = ClipReference.act(a, x[i + 3]);
                double tol = 1e-6 * Math.max(1, Math.abs(expected));
                assertEquals(expected, a.apply(x[i + 3]), tol, a + " at " + x[i + 3]);
                assertEquals(expected, y[i + 3], tol, a + " (array) at " + x[i + 3]);
            }
        }
    }
}
