package io.jknife.java;

import io.jknife.engine.GenerationRequest;
import io.jknife.engine.GenerationResult;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.SamplingParams;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a grammar costs the Java engine per decoded token: tokens/s with and without the
 * {@code json_object} grammar, runs alternating, medians printed (never asserted). On the tiny
 * model, and on the 1B-shaped GGUFs of {@code jknife-llamacpp/target/bench-models} when they exist.
 * {@code mvn -o -B test -pl jknife-java -Dgroups=benchmark -Dtest=GrammarDecodeBenchmarkTest}
 */
@Tag("benchmark")
class GrammarDecodeBenchmarkTest {
    static final int REPS = Integer.getInteger("grammar.bench.reps", 3);

    @TempDir
    static Path dir;

    @Test
    void tinyModel() throws Exception {
        Path file = TinyGguf.llama(dir.resolve("tiny.gguf"), TinyGguf.Options.defaults().withContextLength(1024));
        measure("tiny", file, 400, JavaModelGrammarTest.PROMPT);
    }

    @Test
    void oneBillionShaped() throws Exception {
        Path models = Path.of(System.getProperty("grammar.bench.dir", "../jknife-llamacpp/target/bench-models"));
        for (String type : List.of("Q4_0")) {
            Path file = models.resolve("synthetic-llama-1b-shape-" + type + ".gguf");
            if (Files.exists(file)) {
                measure("1B-shaped " + type, file, Integer.getInteger("grammar.bench.tokens", 48), "Give me JSON");
            } else {
                System.out.println("[grammar-bench] no " + file + " (run jknife-llamacpp's SyntheticLlama)");
            }
        }
    }

    /**
     * The constraint alone on the 1B-shaped model's vocabulary: one token test and one whole-vocabulary
     * sweep, in a narrow place (after "[1") and a wide one (inside a string).
     */
    @Test
    void constraintCostOnALargeVocabulary() throws Exception {
        Path file = Path.of(System.getProperty("grammar.bench.dir", "../jknife-llamacpp/target/bench-models"))
                .resolve("synthetic-llama-1b-shape-Q4_0.gguf");
        if (!Files.exists(file)) {
            System.out.println("[grammar-bench] no " + file);
            return;
        }
        io.jknife.tokenizer.Tokenizer tok = io.jknife.tokenizer.GgufTokenizers.from(io.jknife.formats.gguf.GgufReader.read(file));
        byte[][] bytes = new byte[tok.vocabularySize()][];
        for (int t = 0; t < bytes.length; t++) {
            bytes[t] = tok.isControl(t) ? null : tok.tokenBytes(t);
        }
        long t0 = System.nanoTime();
        io.jknife.java.grammar.TokenVocabulary v = new io.jknife.java.grammar.TokenVocabulary(bytes);
        System.out.printf(Locale.ROOT, "[grammar-bench] vocabulary of %d tokens sorted in %.1f ms%n", bytes.length,
                (System.nanoTime() - t0) / 1e6);
        io.jknife.java.grammar.TokenMatcher m = new io.jknife.java.grammar.TokenMatcher(
                io.jknife.java.grammar.GrammarMatcher.of(JavaModelGrammarTest.ANY_OBJECT));
        for (String prefix : List.of("{\"a\": [1", "{\"a\": \"some text")) {
            boolean[] allowed = new boolean[bytes.length];
            double sweep = Double.MAX_VALUE;
            double each = Double.MAX_VALUE;
            int count = 0;
            for (int rep = 0; rep < 7; rep++) {
                io.jknife.java.grammar.GrammarConstraint c = at(m, v, prefix);
                long a = System.nanoTime();
                c.allowedTokens(allowed);
                sweep = Math.min(sweep, (System.nanoTime() - a) / 1e6);
                c = at(m, v, prefix);
                long b = System.nanoTime();
                count = 0;
                for (int t = 0; t < bytes.length; t++) {
                    count += c.allows(t) ? 1 : 0;
                }
                each = Math.min(each, (System.nanoTime() - b) / 1e6);
            }
            System.out.printf(Locale.ROOT, "[grammar-bench] after '%s': %d of %d tokens allowed; sweep %.2f ms, token by token"
                    + " %.2f ms (%.2f us per token test)%n", prefix, count, bytes.length, sweep, each, each * 1000 / bytes.length);
        }
    }

    private static io.jknife.java.grammar.GrammarConstraint at(io.jknife.java.grammar.TokenMatcher m,
                                                                io.jknife.java.grammar.TokenVocabulary v, String prefix) {
        return new io.jknife.java.grammar.GrammarConstraint(m, v,
                m.advance(m.start(), prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** Narrow: at least 64 integers, so most of the vocabulary is refused at every step. */
    static final String INTEGERS = "root ::= \"[\" space integer (\",\" space integer){63,} \"]\" space\n"
            + JavaModelGrammarTest.PRIMITIVES;
    /** Wide: one long string, where almost every token is allowed. */
    static final String LONG_STRING = "root ::= \"\\\"\" char{2000,} \"\\\"\"\n" + JavaModelGrammarTest.PRIMITIVES;

    private static void measure(String label, Path file, int tokens, String prompt) throws Exception {
        try (JavaModel model = new JavaEngine().loadFile(file, new LoadOptions(1024, 2))) {
            String[] names = {"none", "json_object", "integers (narrow)", "long string (wide)"};
            String[] grammars = {null, JavaModelGrammarTest.ANY_OBJECT, INTEGERS, LONG_STRING};
            List<List<Double>> rates = new ArrayList<>();
            long[] counts = new long[grammars.length];
            for (int g = 0; g < grammars.length; g++) {
                rates.add(new ArrayList<>());
            }
            for (int rep = 0; rep <= REPS; rep++) { // rep 0 warms up
                SamplingParams s = SamplingParams.defaults().withSeed(rep + 1);
                for (int g = 0; g < grammars.length; g++) {
                    GenerationRequest r = GenerationRequest.ofText(prompt, tokens, List.of(), s);
                    r = grammars[g] == null ? r.ignoringEndOfGeneration() : r.withGrammar(grammars[g]);
                    GenerationResult res = model.generate(r).collect();
                    if (rep > 0) {
                        rates.get(g).add(rate(res));
                        counts[g] += res.usage().completionTokens();
                    }
                }
            }
            double base = median(rates.get(0));
            for (int g = 0; g < grammars.length; g++) {
                double m = median(rates.get(g));
                System.out.printf(Locale.ROOT, "[grammar-bench] %s, vocab %d, grammar %s: %.1f tok/s decode (%.0f%% of no grammar;"
                                + " %d tokens over %d runs)%n", label, model.model().transformer().vocabularySize(), names[g], m,
                        100 * m / base, counts[g], REPS);
            }
        }
    }

    private static double rate(GenerationResult r) {
        return r.usage().completionTokens() / Math.max(1e-9, r.usage().generationMillis() / 1000.0);
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        return s.get(s.size() / 2);
    }
}
