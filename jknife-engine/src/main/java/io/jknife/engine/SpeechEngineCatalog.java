package io.jknife.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The speech engines present at run time, found with {@link ServiceLoader}: an engine module on the
 * class path registers its {@link SpeechEngine} in {@code META-INF/services/io.jknife.engine.SpeechEngine}.
 */
public final class SpeechEngineCatalog {
    private final Map<String, SpeechEngine> engines = new LinkedHashMap<>();

    public SpeechEngineCatalog(List<SpeechEngine> engines) {
        for (SpeechEngine e : engines) {
            this.engines.put(e.id(), e);
        }
    }

    public static SpeechEngineCatalog discover() {
        return new SpeechEngineCatalog(ServiceLoader.load(SpeechEngine.class).stream().map(ServiceLoader.Provider::get).toList());
    }

    public Optional<SpeechEngine> get(String id) {
        return Optional.ofNullable(engines.get(id));
    }

    public List<String> ids() {
        return List.copyOf(engines.keySet());
    }
}
