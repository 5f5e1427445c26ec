package io.jknife.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinyGguf;
import io.jknife.testkit.TinyWhisper;
import io.jknife.formats.gguf.GgufFile;
import io.jknife.formats.gguf.GgufReader;
import io.jknife.formats.gguf.GgufTensorInfo;
import io.jknife.formats.gguf.GgufWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jknife run} end to end on tiny generated GGUF models with the real llama.cpp engine. */
class RunCommandTest {
    @TempDir
    static Path tmp;
    static Path hf;

    @BeforeAll
    static void cache() throws Exception {
        hf = tmp.resolve("hf");
        CacheTree cache = CacheTree.at(hf);
        cache.repo("org/tiny-GGUF").file("tiny-F32.gguf", TinyGguf.llama(tmp.resolve("m.gguf"), TinyGguf.Options.defaults()));
        cache.repo("org/bert-GGUF").file("bert.gguf", TinyGguf.bert(tmp.resolve("b.gguf"), TinyGguf.Options.defaults()));
        cache.repo("org/qwen3-GGUF").file("q.gguf",
                TinyGguf.llama(tmp.resolve("q.gguf"), TinyGguf.Options.defaults().withArchitecture("qwen3")));
        cache.repo("org/whisper").file("ggml-tiny.bin", TinyWhisper.write(tmp.resolve("w.bin")));
        cache.repo("org/moe-GGUF").file("moe.gguf", TinyGguf.llama(tmp.resolve("moe.gguf"),
                TinyGguf.Options.defaults().withMetadata("general.architecture", "qwen3moe")));
        cache.repo("org/thinker-GGUF").file("thinker.gguf", reasoningModel(tmp.resolve("m.gguf"), tmp.resolve("thinker.gguf")));
    }

    /**
     * The tiny Llama with a reasoning vocabulary: two of its header tokens renamed to {@code <think>} and
     * {@code </think>} (rendered, like real reasoning models' tokens) and a template whose generation
     * prompt opens the reasoning, as Qwen3 and DeepSeek-R1 templates do. Everything the random model
     * writes is therefore reasoning, unless it happens to emit {@code </think>}.
     */
    private static Path reasoningModel(Path source, Path target) throws IOException {
        GgufFile src = GgufReader.read(source);
        GgufWriter w = GgufWriter.create().putAll(src);
        List<String> tokens = new ArrayList<>(src.array("tokenizer.ggml.tokens").map(a -> {
            try {
                return GgufReader.readArray(source, a).strings();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).orElseThrow());
        int open = tokens.indexOf(TinyGguf.START_HEADER);
        int close = tokens.indexOf(TinyGguf.END_HEADER);
        tokens.set(open, "<think>");
        tokens.set(close, "</think>");
        int[] types = ((List<?>) GgufReader.readArray(source, src.array("tokenizer.ggml.token_type").orElseThrow()).values())
                .stream().mapToInt(v -> ((Number) v).intValue()).toArray();
        types[open] = 4;  // user-defined: matched in text, rendered when generated
        types[close] = 4;
        w.putStrings("tokenizer.ggml.tokens", tokens).putInt32s("tokenizer.ggml.token_type", types)
                .putString("tokenizer.chat_template", "{{ bos_token }}{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n"
                        + "{% endfor %}{% if add_generation_prompt %}assistant: <think>\n{% endif %}");
        for (GgufTensorInfo t : src.tensors()) {
            w.tensor(t, source);
        }
        w.write(target);
        return target;
    }

    private static Cli cli() {
        return new Cli(hf);
    }

    private static Cli.Result json(Cli cli, String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = "--json";
        Cli.Result r = cli.run(all);
        SchemaValidator.assertValid(r.json());
        return r;
    }

    @Test
    void singleShotGreedyIsDeterministicAndPrintedWhole() {
        Cli.Result a = cli().run("run", "tiny", "Hello", "there", "--temperature", "0", "--max-tokens", "8");
        Cli.Result b = cli().run("run", "tiny", "Hello", "there", "--temperature", "0", "--max-tokens", "8");
        assertEquals(0, a.exitCode(), a.toString());
        assertFalse(a.out().isBlank());
        assertEquals(a.out(), b.out());
        assertFalse(a.out().contains("<|"), "no special tokens printed: " + a.out());
    }

    @Test
    void jsonEnvelopeCarriesTextFinishReasonAndUsage() {
        Cli.Result r = json(cli(), "run", "org/tiny-GGUF", "Hello there", "--temperature", "0", "--max-tokens", "6");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode d = r.data();
        assertEquals("Hello there", d.get("prompt").asText());
        assertEquals("length", d.get("finish_reason").asText());
        assertEquals(6, d.at("/usage/completion_tokens").asInt());
        assertTrue(d.at("/usage/prompt_tokens").asInt() > 3);
        assertTrue(d.get("tokens_per_second").asDouble() > 0);
        assertTrue(d.get("reasoning").isNull());
    }

    @Test
    void seedsAndStopStrings() {
        String a = json(cli(), "run", "tiny", "Tell me", "--temperature", "1.5", "--top-k", "0", "--min-p", "0",
                "--top-p", "1", "--seed", "1", "--max-tokens", "20").data().get("response").asText();
        String a2 = json(cli(), "run", "tiny", "Tell me", "--temperature", "1.5", "--top-k", "0", "--min-p", "0",
                "--top-p", "1", "--seed", "1", "--max-tokens", "20").data().get("response").asText();
        String b = json(cli(), "run", "tiny", "Tell me", "--temperature", "1.5", "--top-k", "0", "--min-p", "0",
                "--top-p", "1", "--seed", "2", "--max-tokens", "20").data().get("response").asText();
        assertEquals(a, a2);
        assertNotEquals(a, b);

        String full = json(cli(), "run", "tiny", "Hello there", "--temperature", "0", "--max-tokens", "16").data().get("response").asText();
        String stop = full.substring(full.length() / 2, full.length() / 2 + 1);
        JsonNode cut = json(cli(), "run", "tiny", "Hello there", "--temperature", "0", "--max-tokens", "16", "--stop", stop).data();
        assertEquals(full.substring(0, full.indexOf(stop)), cut.get("response").asText());
        assertEquals("stop", cut.get("finish_reason").asText());
    }

    @Test
    void stdinIsTheInputWithAnInstruction() {
        JsonNode d = json(cli().stdin("some document\n"), "run", "tiny", "-", "summarize", "--temperature", "0", "--max-tokens", "3").data();
        assertEquals("some document\n\nsummarize", d.get("prompt").asText());
        JsonNode only = json(cli().stdin("just stdin\n"), "run", "tiny", "--temperature", "0", "--max-tokens", "3").data();
        assertEquals("just stdin", only.get("prompt").asText());
    }

    @Test
    void closedStdoutEndsQuietly() {
        Cli.Result r = cli().stdoutClosedAfter(3).run("run", "tiny", "Hello there", "--temperature", "0", "--max-tokens", "200", "--no-stream");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("", r.err());
    }

    @Test
    void interactiveChatKeepsHistoryAndEnds() {
        Cli.Result r = cli().interactive("Hello\n\nAnd again\n/exit\n").run("run", "tiny", "--temperature", "0", "--max-tokens", "5");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().startsWith("Chatting with tiny."), r.out());
        assertEquals(4, r.out().split("You: ", -1).length - 1, r.out()); // the empty line asks again
        assertEquals(2, r.out().split("Assistant: ", -1).length - 1, r.out());
        assertTrue(r.out().endsWith("Goodbye!\n"), r.out());

        Cli.Result eof = cli().interactive("Hi\n").run("run", "tiny", "--temperature", "0", "--max-tokens", "3");
        assertEquals(0, eof.exitCode());
        assertTrue(eof.out().endsWith("Goodbye!\n"), eof.out());
    }

    @Test
    void preflightRefusesWhatCannotAnswerText() {
        Cli.Result embed = json(cli(), "run", "bert", "hi");
        assertEquals(1, embed.exitCode());
        assertEquals("execution_error", embed.json().at("/error/type").asText());
        assertTrue(embed.json().at("/error/message").asText().contains("jknife embed"));

        assertTrue(cli().run("run", "whisper", "hi").err().contains("--audio"));
        Cli.Result moe = cli().run("run", "moe", "hi");
        assertEquals(1, moe.exitCode());
        assertEquals("run: Error: Model 'moe' is not compatible: model_type 'qwen3moe' not supported by any engine\n", moe.err());
        assertEquals(1, cli().run("run", "nothing-such", "hi").exitCode());
    }

    @Test
    void reasoningIsShownMarkedHiddenOnRequestAndSeparateInJson() {
        Cli.Result shown = cli().run("run", "thinker", "Why?", "--temperature", "0", "--max-tokens", "12");
        assertEquals(0, shown.exitCode(), shown.toString());
        assertTrue(shown.out().startsWith("**[Reasoning]**\n\n"), shown.out());
        Cli.Result hidden = cli().run("run", "thinker", "Why?", "--temperature", "0", "--max-tokens", "12", "--hide-reasoning");
        assertEquals(0, hidden.exitCode(), hidden.toString());
        assertFalse(hidden.out().contains("[Reasoning]"), hidden.out());
        Cli.Result j = json(cli(), "run", "thinker", "Why?", "--temperature", "0", "--max-tokens", "12");
        assertEquals(0, j.exitCode(), j.toString());
        String reasoning = j.data().get("reasoning").asText();
        assertFalse(reasoning.isBlank(), j.out());
        assertFalse(reasoning.contains("<think>"), "the opening marker belongs to the prompt: " + reasoning);
        assertTrue(shown.out().contains(reasoning.strip().substring(0, Math.min(5, reasoning.strip().length()))), shown.out());
    }

    @Test
    void qwen3RunsOnTheJavaEngine() {
        Cli.Result r = json(cli(), "run", "qwen3", "Hello", "--temperature", "0", "--max-tokens", "6");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.data().at("/usage/prompt_tokens").asInt() > 0, r.out());
        assertTrue(List.of("stop", "length").contains(r.data().get("finish_reason").asText()), r.out());
    }

    @Test
    void engineOptionRestrictsRoutingToTheNamedEngine() {
        Cli.Result ok = cli().run("run", "tiny", "Hello", "--engine", "llamacpp", "--temperature", "0", "--max-tokens", "4");
        assertEquals(0, ok.exitCode(), ok.toString());
        assertEquals(cli().run("run", "tiny", "Hello", "--engine", "llama.cpp", "--temperature", "0", "--max-tokens", "4").out(), ok.out());
        Cli.Result unknown = cli().run("run", "tiny", "hi", "--engine", "nope");
        assertEquals(1, unknown.exitCode());
        assertTrue(unknown.err().contains("Unknown engine 'nope'"), unknown.err());
        Cli.Result qwen3 = cli().run("run", "qwen3", "hi", "--engine", "llamacpp");
        assertEquals(1, qwen3.exitCode());
        assertTrue(qwen3.err().contains("model_type 'qwen3' not supported by llama.cpp"), qwen3.err());
    }

    @Test
    void promptLongerThanTheContextSaysBothLengths() {
        Cli.Result r = json(cli(), "run", "tiny", "word ".repeat(1000));
        assertEquals(1, r.exitCode());
        assertTrue(r.json().at("/error/message").asText().matches("The prompt is \\d+ tokens but the context holds 256.*"),
                r.json().at("/error/message").asText());
    }

    @Test
    void badValuesAreUsageOrExecutionErrors() {
        assertEquals(2, cli().run("run", "tiny", "hi", "--max-tokens", "many").exitCode());
        Cli.Result neg = cli().run("run", "tiny", "hi", "--temperature", "-1");
        assertEquals(1, neg.exitCode());
        assertTrue(neg.err().contains("temperature must be >= 0"), neg.err());
        assertEquals(1, json(cli().stdin(""), "run", "tiny").exitCode());
    }
}
