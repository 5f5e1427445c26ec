package io.jknife.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jknife.engine.EngineCatalog;
import io.jknife.engine.LoadOptions;
import io.jknife.runtime.TextSession;
import io.jknife.store.ModelCatalog;
import io.jknife.store.ModelStore;
import io.jknife.store.StoreConfig;
import io.jknife.store.policy.EngineRegistry;
import io.jknife.store.policy.RoutingPolicy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Starts real servers on free ports over a generated cache and talks to them over HTTP. */
final class TestServers {
    static final ObjectMapper JSON = new ObjectMapper();
    static final EngineCatalog ENGINES = EngineCatalog.discover();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private TestServers() {
    }

    static ModelCatalog catalog(Path hf) {
        StoreConfig config = StoreConfig.fromEnvironment(Map.of("HF_HOME", hf.toString()));
        return new ModelCatalog(new ModelStore(config), new RoutingPolicy(EngineRegistry.builtIn()));
    }

    record Running(OpenAiServer server, List<String> log) implements AutoCloseable {
        String base() {
            return "http://127.0.0.1:" + server.port();
        }

        @Override
        public void close() {
            server.stop();
        }
    }

    static Running start(Path hf, ServerConfig config, MemoryReading memory) throws Exception {
        return start(hf, config, memory, null);
    }

    /** A server whose models all run on {@code engine} (as {@code serve --engine}); null for the preference order. */
    static Running start(Path hf, ServerConfig config, MemoryReading memory, String engine) throws Exception {
        return start(hf, config, memory, engine, ENGINES);
    }

    /** The same with the engines of {@code engines} (wrappers that observe them, in tests). */
    static Running start(Path hf, ServerConfig config, MemoryReading memory, String engine, EngineCatalog engines)
            throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        ServerConfig c = config.withHost("127.0.0.1").withPort(0);
        OpenAiServer s = new OpenAiServer(c, catalog(hf).withEngine(engine),
                info -> TextSession.open(info, c.loadOptions(), engines), memory, log::add);
        s.start();
        return new Running(s, log);
    }

    static MemoryReading plenty() {
        return MemoryReading.fixed(64L << 30, 128L << 30);
    }

    record Reply(int status, Map<String, List<String>> headers, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().getFirst()).findFirst().orElse(null);
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    static Reply get(String url, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.headers().map(), r.body());
    }

    static Reply post(String url, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.headers().map(), r.body());
    }
}
