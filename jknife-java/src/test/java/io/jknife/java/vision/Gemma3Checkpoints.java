package io.jknife.java.vision;

import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.formats.safetensors.SafetensorsHeader;
import io.jknife.formats.safetensors.SafetensorsReader;
import io.jknife.formats.safetensors.SafetensorsTensor;
import io.jknife.formats.safetensors.SafetensorsWriter;
import io.jknife.testkit.TinySafetensors;

import java.io.IOException;
import java.nio.file.Path;

/** The tiny Gemma 3 checkpoint of the testkit (SigLIP 32x32 images, 8x8 patches, 4 image tokens), and its 4.52 naming. */
final class Gemma3Checkpoints {
    static final String TOWER = "vision_tower.vision_model.";
    static final String PROJECTOR = "multi_modal_projector.";

    private Gemma3Checkpoints() {
    }

    static Path tiny(Path dir, SafetensorsDType dtype) throws IOException {
        return TinySafetensors.gemma3Vision(dir, TinySafetensors.Options.defaults().withModelType("gemma3_text")
                .withDtype(dtype));
    }

    /** Rewrites {@code dir/model.safetensors} with the tower and projector under transformers 4.52's {@code model.} prefix. */
    static void renameTo452(Path dir) throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafetensorsHeader h = SafetensorsReader.read(file);
        SafetensorsWriter w = new SafetensorsWriter().metadata(h.metadata());
        for (SafetensorsTensor t : h.tensors().values()) {
            String name = t.name().startsWith(TOWER) || t.name().startsWith(PROJECTOR) ? "model." + t.name() : t.name();
            w.tensor(name, t.dtype(), t.shape(), SafetensorsReader.readData(file, t));
        }
        w.write(file);
    }
}
