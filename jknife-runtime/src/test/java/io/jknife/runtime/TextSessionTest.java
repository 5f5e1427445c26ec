package io.jknife.runtime;

import io.jknife.chat.ChatMessage;
import io.jknife.engine.EngineCatalog;
import io.jknife.engine.FinishReason;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.SamplingParams;
import io.jknife.store.ModelCatalog;
import io.jknife.store.ModelInfo;
import io.jknife.store.ModelStore;
import io.jknife.store.StoreConfig;
import io.jknife.store.policy.EngineRegistry;
import io.jknife.store.policy.RoutingPolicy;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Chat sessions over the real llama.cpp engine on a tiny generated Llama. */
class TextSessionTest {
    @TempDir
    static Path tmp;
    static TextSession session;
    static ModelInfo info;

    @BeforeAll
    static void load() throws Exception {
        Path model = TinyGguf.llama(tmp.resolve("m.gguf"), TinyGguf.Options.defaults());
        CacheTree.at(tmp.resolve("hf")).repo("org/tiny-GGUF").file("tiny-F32.gguf", model);
        ModelStore store = new ModelStore(new StoreConfig(tmp.resolve("hf"), Optional.empty()));
        ModelCatalog catalog = new ModelCatalog(store, new RoutingPolicy(EngineRegistry.builtIn()));
        info = catalog.describe(store.allEntries().getFirst());
        session = TextSession.open(info, new LoadOptions(0, 1), EngineCatalog.discover());
    }

    @AfterAll
    static void close() {
        session.close();
    }

    private static ChatOptions greedy(Integer maxTokens) {
        return new ChatOptions(maxTokens, List.of(), SamplingParams.greedy(), true);
    }

    @Test
    void loadAndUnloadAreBenchmarkEvents() throws Exception {
        List<io.jknife.bench.events.BenchEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.function.Consumer<io.jknife.bench.events.BenchEvent> listener = events::add;
        io.jknife.bench.events.BenchEvents.addListener(listener);
        try {
            TextSession.open(info, new LoadOptions(64, 1), EngineCatalog.discover()).close();
        } finally {
            io.jknife.bench.events.BenchEvents.removeListener(listener);
        }
        assertEquals(List.of("model_load_start", "model_load_end", "model_unload"),
                events.stream().map(e -> e.type().wireName()).toList());
        assertTrue(events.stream().allMatch(e -> info.name().equals(e.modelId())), events.toString());
    }

    @Test
    void rendersTheModelsOwnTemplate() throws Exception {
        String prompt = session.format().render(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi")));
        assertTrue(prompt.startsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>"), prompt);
        assertTrue(prompt.endsWith("<|start_header_id|>assistant<|end_header_id|>\n\n"), prompt);
        assertTrue(session.format().ownTemplate());
    }

    @Test
    void greedyIsDeterministicAndMaxTokensGivesLength() throws Exception {
        List<ChatMessage> chat = List.of(ChatMessage.user("Hello there"));
        ChatResult a = session.chat(chat, greedy(8), StreamListener.NONE);
        ChatResult b = session.chat(chat, greedy(8), StreamListener.NONE);
        assertEquals(a.answer(), b.answer());
        assertEquals(FinishReason.LENGTH, a.finishReason());
        assertEquals(8, a.usage().completionTokens());
        assertTrue(a.usage().promptTokens() > 5);
    }

    @Test
    void seedsDecideSampledOutput() throws Exception {
        List<ChatMessage> chat = List.of(ChatMessage.user("Tell me something"));
        SamplingParams hot = new SamplingParams(1.5, 1.0, 0, 0, 1.0, 1);
        ChatResult s1 = session.chat(chat, new ChatOptions(24, List.of(), hot, true), StreamListener.NONE);
        ChatResult s1again = session.chat(chat, new ChatOptions(24, List.of(), hot, true), StreamListener.NONE);
        ChatResult s2 = session.chat(chat, new ChatOptions(24, List.of(), hot.withSeed(2), true), StreamListener.NONE);
        assertEquals(s1.answer(), s1again.answer());
        assertNotEquals(s1.answer(), s2.answer());
    }

    @Test
    void streamedPiecesMakeTheWholeAnswer() throws Exception {
        List<String> pieces = new ArrayList<>();
        ChatResult r = session.chat(List.of(ChatMessage.user("Stream please")), greedy(12), new StreamListener() {
            @Override
            public void onAnswer(String piece) {
                pieces.add(piece);
            }
        });
        assertEquals(r.answer(), String.join("", pieces));
        assertTrue(pieces.size() > 1);
    }

    @Test
    void stopStringEndsTheAnswerWithoutIt() throws Exception {
        List<ChatMessage> chat = List.of(ChatMessage.user("Hello there"));
        String full = session.chat(chat, greedy(16), StreamListener.NONE).answer();
        String stop = full.substring(full.length() / 2, full.length() / 2 + 1);
        int cut = full.indexOf(stop);
        ChatResult r = session.chat(chat, new ChatOptions(16, List.of(stop), SamplingParams.greedy(), true), StreamListener.NONE);
        assertEquals(FinishReason.STOP, r.finishReason());
        assertEquals(full.substring(0, cut), r.answer());
    }

    @Test
    void listenerCanStopTheAnswer() throws Exception {
        int[] seen = {0};
        ChatResult r = session.chat(List.of(ChatMessage.user("Hello there")), greedy(40), new StreamListener() {
            @Override
            public void onAnswer(String piece) {
                seen[0]++;
            }

            @Override
            public boolean cancelled() {
                return seen[0] >= 2;
            }
        });
        assertEquals(FinishReason.CANCELLED, r.finishReason());
        assertTrue(r.usage().completionTokens() < 40);
    }

    @Test
    void promptLongerThanTheContextIsAnError() {
        String huge = "word ".repeat(2000);
        PromptTooLongException e = assertThrows(PromptTooLongException.class,
                () -> session.chat(List.of(ChatMessage.user(huge)), greedy(4), StreamListener.NONE));
        assertEquals(session.contextSize(), e.contextSize());
        assertTrue(e.promptTokens() > e.contextSize());
        assertTrue(e.getMessage().contains(e.promptTokens() + " tokens"), e.getMessage());
    }

    @Test
    void preflightRefusesWhatTextCannotRun() throws IOException {
        assertEquals(Optional.empty(), RunPreflight.check("org/tiny-GGUF", info));
    }
}
