package io.jknife.server.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jknife.bench.json.Num;
import io.jknife.engine.EngineCatalog;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.SamplingParams;
import io.jknife.runtime.ChatOptions;
import io.jknife.runtime.StreamListener;
import io.jknife.runtime.TextSession;
import io.jknife.server.MemoryReading;
import io.jknife.server.OpenAiServer;
import io.jknife.server.ServerConfig;
import io.jknife.store.ModelCatalog;
import io.jknife.store.ModelInfo;
import io.jknife.store.ModelRef;
import io.jknife.store.ModelStore;
import io.jknife.store.Resolution;
import io.jknife.store.StoreConfig;
import io.jknife.store.policy.EngineRegistry;
import io.jknife.store.policy.RoutingPolicy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Single-stream decode through the server against the same generation without it ({@code run}'s
 * path: {@link TextSession#complete} in this JVM), on one model, alternating runs. Both sides are
 * timed the same way, as a client sees them: (pieces − 1) / (time from the first streamed piece to
 * the last), so the number compares what the HTTP layer, JSON and SSE add per token.
 *
 * <p>The client: {@code socket} (default) reads the stream on one thread as curl does; {@code http}
 * uses {@code java.net.http.HttpClient}, which costs the shared cores more per chunk.
 *
 * <pre>ServerBench --model FILE.gguf [--tokens 64] [--reps 7] [--threads 2] [--ctx 512] [--client socket|http]</pre>
 */
public final class ServerBench {
    private static final String PROMPT = "The quick brown fox jumps over the lazy dog. Once upon a time";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServerBench() {
    }

    public static void main(String[] args) throws Exception {
        Path model = null;
        int tokens = 64;
        int reps = 7;
        int threads = 2;
        int ctx = 512;
        String client = "socket";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = Path.of(args[++i]);
                case "--tokens" -> tokens = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--ctx" -> ctx = Integer.parseInt(args[++i]);
                case "--client" -> client = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (model == null || !Files.isRegularFile(model)) {
            throw new IllegalArgumentException("--model FILE.gguf is required");
        }
        Path hf = cacheWith(model);
        ModelCatalog catalog = new ModelCatalog(new ModelStore(StoreConfig.fromEnvironment(Map.of("HF_HOME", hf.toString()))),
                new RoutingPolicy(EngineRegistry.builtIn()));
        Resolution.Found found = (Resolution.Found) catalog.store().resolve(ModelRef.parse("bench/model-GGUF"));
        ModelInfo info = catalog.describe(found.single());
        EngineCatalog engines = EngineCatalog.discover();
        LoadOptions load = new LoadOptions(ctx, threads);
        ServerConfig config = ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withLoad(ctx, threads)
                .withDefaultModel("bench/model-GGUF");
        OpenAiServer server = new OpenAiServer(config, catalog, i -> TextSession.open(i, load, engines),
                MemoryReading.linux(), line -> { });
        server.start();
        HttpClient http = switch (client) {
            case "http" -> HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            case "socket" -> null;
            default -> throw new IllegalArgumentException("--client http|socket, got " + client);
        };
        List<Double> direct = new ArrayList<>();
        List<Double> served = new ArrayList<>();
        List<Double> pairRatios = new ArrayList<>();
        try (TextSession session = TextSession.open(info, load, engines)) {
            String url = "http://127.0.0.1:" + server.port() + "/v1/completions";
            System.err.println("engine " + info.engine() + ", " + tokens + " tokens, " + reps + " repetitions (+1 warm-up each)");
            runDirect(session, tokens);
            runServed(http, url, tokens);
            for (int r = 0; r < reps; r++) {
                // alternate the order so slow drifts of a shared machine's load cancel out
                double d;
                double s;
                if (r % 2 == 0) {
                    d = runDirect(session, tokens);
                    s = runServed(http, url, tokens);
                } else {
                    s = runServed(http, url, tokens);
                    d = runDirect(session, tokens);
                }
                direct.add(d);
                served.add(s);
                pairRatios.add(s / d);
                System.err.printf(Locale.ROOT, "  rep %d: run %.2f tok/s, server %.2f tok/s%n", r + 1, d, s);
            }
        } finally {
            server.stop();
        }
        double md = Num.median(direct);
        double ms = Num.median(served);
        System.out.printf(Locale.ROOT, "model %s%nrun    decode %.2f tok/s (median of %d)%nserver decode %.2f tok/s%n"
                        + "server/run %.1f %% (ratio of medians), %.1f %% (median of pair ratios)%n",
                model.getFileName(), md, reps, ms, 100 * ms / md, 100 * Num.median(pairRatios));
    }

    /** A throw-away Hugging Face cache whose only model is a link to {@code file}. */
    private static Path cacheWith(Path file) throws Exception {
        Path hf = Files.createTempDirectory("jknife-server-bench");
        Path repo = hf.resolve("hub").resolve("models--bench--model-GGUF");
        String commit = "0".repeat(40);
        Path snapshot = Files.createDirectories(repo.resolve("snapshots").resolve(commit));
        Files.createSymbolicLink(snapshot.resolve(file.getFileName()), file.toAbsolutePath());
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs").resolve("main"), commit);
        hf.toFile().deleteOnExit();
        return hf;
    }

    private static double runDirect(TextSession session, int tokens) throws Exception {
        Timing t = new Timing();
        session.complete(PROMPT, new ChatOptions(tokens, List.of(), SamplingParams.greedy(), false), new StreamListener() {
            @Override
            public void onAnswer(String piece) {
                t.piece();
            }
        });
        return t.tokensPerSecond();
    }

    private static double runServed(HttpClient http, String url, int tokens) throws Exception {
        String body = JSON.writeValueAsString(Map.of("model", "bench/model-GGUF", "prompt", PROMPT, "max_tokens", tokens,
                "temperature", 0, "stream", true));
        if (http == null) {
            return runServedOnSocket(URI.create(url), body);
        }
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<java.io.InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        if (resp.statusCode() != 200) {
            throw new IllegalStateException("server answered " + resp.statusCode() + ": " + new String(resp.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        return readEvents(resp.body());
    }

    /**
     * The request as curl sends it: HTTP/1.0 on a plain socket (no chunked framing: the body runs
     * to the end of the connection), read on this one thread. {@code java.net.http}'s client hands
     * every chunk through its selector thread and an executor to the reader: more threads per
     * token competing with the engine's threads for the same cores (82.7 % against 90-92 % with
     * this client, PERFORMANCE.md).
     */
    private static double runServedOnSocket(URI url, String body) throws Exception {
        byte[] payload = body.getBytes(StandardCharsets.UTF_8);
        try (java.net.Socket socket = new java.net.Socket(url.getHost(), url.getPort())) {
            socket.setTcpNoDelay(true);
            java.io.OutputStream out = socket.getOutputStream();
            out.write(("POST " + url.getPath() + " HTTP/1.0\r\nHost: " + url.getHost() + "\r\nContent-Type: application/json"
                    + "\r\nContent-Length: " + payload.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(payload);
            out.flush();
            java.io.InputStream in = socket.getInputStream();
            String status = headerLine(in);
            if (!status.contains(" 200")) {
                throw new IllegalStateException("server answered " + status + ": "
                        + new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            while (!headerLine(in).isEmpty()) {
                // headers
            }
            return readEvents(in);
        }
    }

    private static String headerLine(java.io.InputStream in) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    /** Times the server-sent events with text in them. */
    private static double readEvents(java.io.InputStream body) throws Exception {
        Timing t = new Timing();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
                    continue;
                }
                JsonNode chunk = JSON.readTree(line.substring(6));
                String text = Optional.ofNullable(chunk.at("/choices/0/text").textValue()).orElse("");
                if (!text.isEmpty()) {
                    t.piece();
                }
            }
        }
        return t.tokensPerSecond();
    }

    /** Client-side timing of streamed pieces. */
    private static final class Timing {
        private long first;
        private long last;
        private int pieces;

        void piece() {
            long now = System.nanoTime();
            if (pieces++ == 0) {
                first = now;
            }
            last = now;
        }

        double tokensPerSecond() {
            if (pieces < 2) {
                throw new IllegalStateException("fewer than two pieces streamed");
            }
            return (pieces - 1) / ((last - first) / 1e9);
        }
    }
}
