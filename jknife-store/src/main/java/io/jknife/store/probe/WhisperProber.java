package io.jknife.store.probe;

import io.jknife.formats.ggml.WhisperGgmlModel;
import io.jknife.formats.ggml.WhisperGgmlReader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Probes a whisper.cpp GGML model from its header and complete tensor table. Files the native
 * binding is known to abort on are kept healthy (the bytes are intact) but carry runtime hazards,
 * which the routing policy turns into {@code runtime_compatible: false} with the reason.
 */
final class WhisperProber {
    private WhisperProber() {
    }

    static ModelProbe probe(ModelFiles files, ModelFiles.Variant variant, String name) {
        Path dir = files.dir();
        Path file = variant.files().getFirst();
        HealthResult health = GgufProber.fileHealth(files, variant);
        WhisperGgmlModel model = null;
        if (health.healthy()) {
            try {
                model = WhisperGgmlReader.read(file);
                health = model.missingTensors().isEmpty()
                        ? HealthResult.ok("whisper.cpp header and tensor table complete")
                        : HealthResult.bad("Incomplete whisper.cpp tensor table " + FileChecks.relative(dir, file)
                                + ": missing " + String.join(", ", model.missingTensors()));
            } catch (IOException e) {
                health = HealthResult.bad("Invalid whisper.cpp model " + FileChecks.relative(dir, file) + ": " + e.getMessage());
            }
        }
        List<Capability> caps = new ArrayList<>(List.of(Capability.AUDIO));
        if (model == null || !health.healthy()) {
            return new ModelProbe(ModelFormat.WHISPER_GGML, Framework.GGML, "whisper", ModelType.AUDIO, List.copyOf(caps),
                    null, null, null, null, false, health.reason(), List.of(), null, ModelProbe.Embedder.NONE, null,
                    Map.of(), variant.files());
        }
        var hp = model.hparams();
        // Translation needs a multilingual vocabulary and a full decoder: turbo and distilled
        // models (fewer decoder than encoder layers) were not trained to translate. Decided from
        // the hyper-parameters alone, as the whisper engine decides it, never from the file name.
        boolean fullDecoder = hp.nTextLayer() == hp.nAudioLayer();
        if (model.multilingual() && fullDecoder) {
            caps.add(Capability.AUDIO_TRANSLATE_EN);
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("architecture", "whisper");
        meta.put("model_size", model.modelSizeName());
        meta.put("multilingual", model.multilingual());
        meta.put("n_vocab", hp.nVocab());
        meta.put("n_audio_layer", hp.nAudioLayer());
        meta.put("n_text_layer", hp.nTextLayer());
        meta.put("n_audio_state", hp.nAudioState());
        meta.put("n_mels", hp.nMels());
        meta.put("ftype", hp.ftype());
        if (!model.warnings().isEmpty()) {
            meta.put("warnings", model.warnings());
        }
        return new ModelProbe(ModelFormat.WHISPER_GGML, Framework.GGML, "whisper", ModelType.AUDIO, List.copyOf(caps),
                hp.nTextCtx(), model.parameterCount(), "ftype " + hp.ftype(), null, true, health.reason(),
                List.copyOf(model.nativeHazards()), null, ModelProbe.Embedder.NONE, null, meta, variant.files());
    }
}
