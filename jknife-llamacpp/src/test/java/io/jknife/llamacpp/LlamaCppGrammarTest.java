package io.jknife.llamacpp;

import io.jknife.engine.FinishReason;
import io.jknife.engine.GenerationRequest;
import io.jknife.engine.GenerationResult;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.SamplingParams;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Grammar-constrained sampling: random weights still obey the grammar. */
class LlamaCppGrammarTest {
    private static final String PROMPT = TinyGguf.BOS + "Answer:";

    @TempDir
    static Path dir;
    static LlamaCppModel model;

    @BeforeAll
    static void load() throws Exception {
        Path f = TinyGguf.llama(Files.createDirectories(dir.resolve("g")).resolve("tiny-F32.gguf"));
        model = new LlamaCppEngine().loadFile(f, new LoadOptions(0, 2));
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    private static GenerationResult run(String grammar, SamplingParams s, int maxTokens) {
        return model.generate(GenerationRequest.ofText(PROMPT, maxTokens, List.of(), s).withGrammar(grammar)).collect();
    }

    @Test
    void outputFollowsTheGrammarAndEndsWhenItIsComplete() {
        assertTrue(model.supportsGrammar());
        String g = "root ::= (\"yes\" | \"no\" | \"maybe\") \" \" [0-9] [0-9]?";
        Set<String> seen = new HashSet<>();
        for (long seed = 1; seed <= 12; seed++) {
            GenerationResult r = run(g, SamplingParams.defaults().withTemperature(1.5).withTopK(0).withMinP(0).withSeed(seed), 50);
            assertTrue(r.text().matches("(yes|no|maybe) [0-9][0-9]?"), r.text());
            assertEquals(FinishReason.STOP, r.finishReason(), r.text());
            seen.add(r.text());
        }
        assertTrue(seen.size() > 1, "sampling still varies inside the grammar: " + seen);
        GenerationResult greedy = run(g, SamplingParams.greedy().withRepeatPenalty(1.3), 50);
        assertTrue(greedy.text().matches("(yes|no|maybe) [0-9][0-9]?"), greedy.text());
    }

    @Test
    void withoutGrammarTheSameRequestIsUnconstrained() {
        GenerationResult r = model.generate(GenerationRequest.ofText(PROMPT, 12, List.of(), SamplingParams.greedy())).collect();
        assertTrue(!r.text().matches("(yes|no|maybe) [0-9][0-9]?"), r.text());
    }

    @Test
    void aGrammarThatDoesNotParseIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> run("root ::= (\"unclosed\"", SamplingParams.greedy(), 5));
        assertTrue(e.getMessage().contains("grammar"), e.getMessage());
        // the model still works afterwards
        assertTrue(run("root ::= \"ok\"", SamplingParams.greedy(), 5).text().equals("ok"));
    }
}
