package io.jknife.java.vision;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.testkit.TinySafetensors;
import io.jknife.vision.PixelValues;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/** The tiny LLaVA checkpoint of the testkit, its config edited where a test needs another setting; random images. */
final class LlavaCheckpoints {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOWER = "vision_tower.vision_model.";
    static final String PROJECTOR = "multi_modal_projector.";

    private LlavaCheckpoints() {
    }

    static Path tiny(Path dir, SafetensorsDType dtype) throws IOException {
        return TinySafetensors.visionLlava(dir, TinySafetensors.Options.defaults().withDtype(dtype));
    }

    /** Edits {@code dir/config.json} in place. */
    static void editConfig(Path dir, Consumer<ObjectNode> edit) throws IOException {
        Path file = dir.resolve("config.json");
        ObjectNode root = (ObjectNode) JSON.readTree(Files.readString(file));
        edit.accept(root);
        Files.writeString(file, JSON.writeValueAsString(root));
    }

    /** Normalized-looking pixel values in [-2, 2]. */
    static PixelValues randomImage(int side, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[3 * side * side];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextDouble(-2, 2);
        }
        return new PixelValues(v, 3, side, side);
    }

    /** max |a - ref| / max |ref| over all values. */
    static double relativeError(float[] a, double[][] ref) {
        double maxDiff = 0;
        double maxRef = 0;
        int w = ref[0].length;
        if (a.length != ref.length * w) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + ref.length + " x " + w);
        }
        for (int r = 0; r < ref.length; r++) {
            for (int i = 0; i < w; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(a[r * w + i] - ref[r][i]));
                maxRef = Math.max(maxRef, Math.abs(ref[r][i]));
            }
        }
        return maxDiff / maxRef;
    }
}
