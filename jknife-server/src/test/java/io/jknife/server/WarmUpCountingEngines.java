package io.jknife.server;

import io.jknife.engine.EmbeddingModel;
import io.jknife.engine.EngineCatalog;
import io.jknife.engine.EngineException;
import io.jknife.engine.Generation;
import io.jknife.engine.GenerationRequest;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.LoadedModel;
import io.jknife.engine.TextEngine;
import io.jknife.engine.VisionInput;
import io.jknife.store.ModelEntry;
import io.jknife.store.probe.ModelProbe;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** The real engines, each loaded model counting the calls of {@link LoadedModel#warmUpInBackground()} (and passing them on). */
final class WarmUpCountingEngines {
    final AtomicInteger warmUps = new AtomicInteger();
    final EngineCatalog catalog;

    WarmUpCountingEngines(EngineCatalog real) {
        this.catalog = new EngineCatalog(real.ids().stream().map(id -> counting(real.get(id).orElseThrow())).toList());
    }

    private TextEngine counting(TextEngine e) {
        return new TextEngine() {
            @Override
            public String id() {
                return e.id();
            }

            @Override
            public LoadedModel load(ModelEntry entry, ModelProbe probe, LoadOptions options) throws EngineException {
                return new Counting(e.load(entry, probe, options));
            }

            @Override
            public long weightBytes(ModelEntry entry, ModelProbe probe) {
                return e.weightBytes(entry, probe);
            }
        };
    }

    private final class Counting implements LoadedModel {
        private final LoadedModel m;

        Counting(LoadedModel m) {
            this.m = m;
        }

        @Override
        public void warmUpInBackground() {
            warmUps.incrementAndGet();
            m.warmUpInBackground();
        }

        @Override
        public String engine() {
            return m.engine();
        }

        @Override
        public int contextSize() {
            return m.contextSize();
        }

        @Override
        public int[] tokenize(String text, boolean parseSpecial) {
            return m.tokenize(text, parseSpecial);
        }

        @Override
        public String detokenize(int[] tokens) {
            return m.detokenize(tokens);
        }

        @Override
        public Generation generate(GenerationRequest request) {
            return m.generate(request);
        }

        @Override
        public List<Integer> endOfGenerationTokens() {
            return m.endOfGenerationTokens();
        }

        @Override
        public Optional<EmbeddingModel> embeddings() {
            return m.embeddings();
        }

        @Override
        public Optional<VisionInput> vision() {
            return m.vision();
        }

        @Override
        public int parallel() {
            return m.parallel();
        }

        @Override
        public void awaitBackgroundWork() throws InterruptedException {
            m.awaitBackgroundWork();
        }

        @Override
        public boolean supportsGrammar() {
            return m.supportsGrammar();
        }

        @Override
        public void close() {
            m.close();
        }
    }
}
