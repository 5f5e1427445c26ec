package io.jknife.store.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The engines jknife knows, in order of preference. Engine modules add or replace their declarations. */
public final class EngineRegistry {
    private final List<EngineDescriptor> engines;

    public EngineRegistry(List<EngineDescriptor> engines) {
        this.engines = List.copyOf(engines);
    }

    /** The declarations shipped with jknife ({@code engines.json}). */
    public static EngineRegistry builtIn() {
        try (InputStream in = EngineRegistry.class.getResourceAsStream("engines.json")) {
            JsonNode root = new ObjectMapper().readTree(in);
            List<EngineDescriptor> list = new ArrayList<>();
            for (JsonNode e : root.path("engines")) {
                list.add(new ObjectMapper().treeToValue(e, EngineDescriptor.class));
            }
            return new EngineRegistry(list);
        } catch (IOException e) {
            throw new UncheckedIOException("engines.json missing from the jknife-store jar", e);
        }
    }

    public List<EngineDescriptor> engines() {
        return engines;
    }
}
