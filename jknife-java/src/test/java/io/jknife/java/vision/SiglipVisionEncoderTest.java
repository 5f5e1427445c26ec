package io.jknife.java.vision;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.formats.FormatException;
import io.jknife.formats.safetensors.SafetensorsDType;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SigLIP tower and Gemma 3 projector against {@link SiglipReference} on the testkit's tiny Gemma 3. */
class SiglipVisionEncoderTest {
    private static final int TEXT_DIM = 64;

    @TempDir
    Path tmp;

    static Stream<Arguments> settings() {
        Consumer<ObjectNode> asIs = r -> { };
        return Stream.of(
                Arguments.of("F32, 4 tokens (2x2 pooling)", SafetensorsDType.F32, asIs),
                Arguments.of("BF16, 4 tokens", SafetensorsDType.BF16, asIs),
                Arguments.of("F16, 4 tokens", SafetensorsDType.F16, asIs),
                Arguments.of("F32, 16 tokens (no pooling)", SafetensorsDType.F32,
                        (Consumer<ObjectNode>) r -> r.put("mm_tokens_per_image", 16)),
                Arguments.of("BF16, 1 token (4x4 pooling), exact gelu, eps 1e-5", SafetensorsDType.BF16,
                        (Consumer<ObjectNode>) r -> {
                            r.put("mm_tokens_per_image", 1);
                            ((ObjectNode) r.get("vision_config")).put("hidden_act", "gelu").put("layer_norm_eps", 1e-5);
                        }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    void encoderAndProjectorMatchTheReference(String label, SafetensorsDType dtype, Consumer<ObjectNode> edit)
            throws Exception {
        Path dir = Gemma3Checkpoints.tiny(tmp.resolve("m"), dtype);
        LlavaCheckpoints.editConfig(dir, edit);
        SiglipVisionConfig c = SiglipVisionConfig.read(dir);
        for (Kernels kernels : List.of(JavaEngine.kernels(2), new FallbackKernels(1))) {
            try (kernels; SafetensorsModel m = SafetensorsModel.open(dir)) {
                NamedWeights w = NamedWeights.of(m, kernels);
                SiglipVisionEncoder enc = SiglipVisionEncoder.load(w, Gemma3Checkpoints.TOWER, c, kernels);
                Gemma3Projector proj = Gemma3Projector.load(w, Gemma3Checkpoints.PROJECTOR, c, TEXT_DIM, kernels);
                assertEquals(TEXT_DIM, proj.outputWidth());
                SiglipReference ref = new SiglipReference(m, Gemma3Checkpoints.TOWER, c);
                float[] previous = null;
                for (long seed = 1; seed <= 3; seed++) {
                    PixelValues px = LlavaCheckpoints.randomImage(32, seed);
                    float[] hidden = enc.encode(px);
                    double[][] expected = ref.lastHiddenState(px);
                    assertEquals(16, expected.length);
                    double err = LlavaCheckpoints.relativeError(hidden, expected);
                    assertTrue(err < 2e-6, label + " " + kernels.name() + ": hidden states off by " + err);
                    float[] projected = proj.project(hidden);
                    double[][] expectedRows = ref.project(Gemma3Checkpoints.PROJECTOR, expected);
                    assertEquals(c.mmTokensPerImage(), expectedRows.length);
                    double perr = LlavaCheckpoints.relativeError(projected, expectedRows);
                    assertTrue(perr < 2e-6, label + " " + kernels.name() + ": projection off by " + perr);
                    assertFalse(previous != null && Arrays.equals(previous, projected), "different images, same rows");
                    previous = projected;
                }
            }
        }
    }

    @Test
    void transformers452PrefixesLoadTheSameTower() throws Exception {
        Path old = Gemma3Checkpoints.tiny(tmp.resolve("old"), SafetensorsDType.BF16);
        Path renamed = Gemma3Checkpoints.tiny(tmp.resolve("new"), SafetensorsDType.BF16);
        Gemma3Checkpoints.renameTo452(renamed);
        PixelValues px = LlavaCheckpoints.randomImage(32, 5);
        try (Gemma3VisionModel a = Gemma3VisionModel.load(old, JavaEngine.kernels(1), 64, 8);
             Gemma3VisionModel b = Gemma3VisionModel.load(renamed, JavaEngine.kernels(1), 64, 8);
             SafetensorsModel m = SafetensorsModel.open(renamed)) {
            assertTrue(m.hfTensor("model.vision_tower.vision_model.post_layernorm.weight").isPresent());
            assertTrue(m.hfTensor(Gemma3Checkpoints.TOWER + "post_layernorm.weight").isEmpty());
            float[] ea = a.imageEmbeddings(px);
            assertEquals(4 * TEXT_DIM, ea.length);
            assertTrue(LlavaCheckpoints.relativeError(b.imageEmbeddings(px), new double[][]{toDouble(ea)}) < 1e-6);
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
        Path dir = Gemma3Checkpoints.tiny(tmp.resolve("m"), SafetensorsDType.F32);
        SiglipVisionConfig c = SiglipVisionConfig.read(dir);
        try (Kernels k = JavaEngine.kernels(1); SafetensorsModel m = SafetensorsModel.open(dir)) {
            SiglipVisionEncoder enc = SiglipVisionEncoder.load(NamedWeights.of(m, k), Gemma3Checkpoints.TOWER, c, k);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> enc.encode(LlavaCheckpoints.randomImage(40, 1)));
            assertEquals("the vision tower takes 3x32x32 pixel values, got 3x40x40", e.getMessage());
            Gemma3Projector p = Gemma3Projector.load(NamedWeights.of(m, k), Gemma3Checkpoints.PROJECTOR, c, TEXT_DIM, k);
            e = assertThrows(IllegalArgumentException.class, () -> p.project(new float[10]));
            assertEquals("16 patch rows of 32 need 512 values, got 10", e.getMessage());
        }
    }

    @Test
    void missingOrMisshapenTensorsAreNamed() throws Exception {
        Path dir = Gemma3Checkpoints.tiny(tmp.resolve("m"), SafetensorsDType.F32);
        // a config claiming three layers over a checkpoint with one
        LlavaCheckpoints.editConfig(dir, r -> ((ObjectNode) r.get("vision_config")).put("num_hidden_layers", 3));
        SiglipVisionConfig c = SiglipVisionConfig.read(dir);
        try (Kernels k = JavaEngine.kernels(1); SafetensorsModel m = SafetensorsModel.open(dir)) {
            FormatException e = assertThrows(FormatException.class,
                    () -> SiglipVisionEncoder.load(NamedWeights.of(m, k), Gemma3Checkpoints.TOWER, c, k));
            assertTrue(e.getMessage().contains("missing tensor vision_tower.vision_model.encoder.layers.1."), e.getMessage());
            // a text model of another width than the projection's
            e = assertThrows(FormatException.class,
                    () -> Gemma3Projector.load(NamedWeights.of(m, k), Gemma3Checkpoints.PROJECTOR, c, 48, k));
            assertEquals("tensor multi_modal_projector.mm_input_projection_weight has shape [32, 64], expected [32, 48]"
                    + " (vision hidden size, text hidden size)", e.getMessage());
        }
    }
}
