package io.jknife.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The text engines present at run time, found with {@link ServiceLoader}: an engine module on the
 * class path registers its {@link TextEngine} in {@code META-INF/services/io.jknife.engine.TextEngine}.
 */
public final class EngineCatalog {
    private final Map<String, TextEngine> engines = new LinkedHashMap<>();

    public EngineCatalog(List<TextEngine> engines) {
        for (TextEngine e : engines) {
            this.engines.put(e.id(), e);
        }
    }

    public static EngineCatalog discover() {
        return new EngineCatalog(ServiceLoader.load(TextEngine.class).stream().map(ServiceLoader.Provider::get).toList());
    }

    public Optional<TextEngine> get(String id) {
        return Optional.ofNullable(engines.get(id));
    }

    public List<String> ids() {
        return List.copyOf(engines.keySet());
    }
}
