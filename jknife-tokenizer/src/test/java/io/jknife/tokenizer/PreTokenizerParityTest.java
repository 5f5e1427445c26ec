package io.jknife.tokenizer;

import io.jknife.engine.LoadOptions;
import io.jknife.formats.gguf.GgufReader;
import io.jknife.llamacpp.LlamaCppEngine;
import io.jknife.llamacpp.LlamaCppModel;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Every pre-tokenizer type llama.cpp b4916 knows (the list in the store's engines.json) on the
 * byte-level BPE vocabulary of {@link TinyGguf}: the same ids as llama.cpp on the varied and
 * random texts of {@link LlamaCppParityTest}. Where words are cut decides which merges apply, so
 * a different split shows as different ids.
 */
class PreTokenizerParityTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {
            "default", "llama3", "llama-v3", "llama-bpe", "falcon3", "deepseek-llm", "deepseek-coder", "deepseek-v3",
            "falcon", "mpt", "starcoder", "gpt-2", "phi-2", "jina-es", "jina-de", "jina-v1-en", "roberta-bpe", "refact", "command-r", "qwen2", "stablelm2", "olmo", "dbrx",
            "smaug-bpe", "poro-chat", "chatglm-bpe", "viking", "jais", "tekken", "smollm", "codeshell", "bloom",
            "gpt3-finnish", "exaone", "chameleon", "minerva-7b", "megrez", "gpt-4o", "deepseek-r1-qwen"})
    void sameIdsAsLlamaCpp(String pre) throws Exception {
        Path file = TinyGguf.llama(dir.resolve("pre.gguf"), TinyGguf.Options.defaults()
                .withMetadata("tokenizer.ggml.pre", pre));
        Tokenizer ours = GgufTokenizers.from(GgufReader.read(file));
        try (LlamaCppModel ref = new LlamaCppEngine().loadFile(file, new LoadOptions(64, 1))) {
            for (String text : LlamaCppParityTest.texts()) {
                for (boolean parse : new boolean[]{true, false}) {
                    assertArrayEquals(ref.tokenize(text, parse), ours.encode(text, true, parse),
                            () -> pre + " parseSpecial=" + parse + " " + LlamaCppParityTest.show(text));
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void everyAdvertisedTypeBuilds() throws Exception {
        for (String pre : GgufTokenizers.preTokenizers()) {
            org.junit.jupiter.api.Assertions.assertEquals(pre, PreTokenizer.forType(pre).name());
        }
        org.junit.jupiter.api.Assertions.assertEquals("default", PreTokenizer.forType(null).name());
    }

    /** llama.cpp b4916 cannot load these without a {@code <mask>} token; we accept them (a GPT-2 split). */
    @ParameterizedTest
    @ValueSource(strings = {"jina-v2-es", "jina-v2-de", "jina-v2-code"})
    void typesLlamaCppOnlyLoadsWithAMaskTokenAreSupported(String pre) throws Exception {
        Path file = TinyGguf.llama(dir.resolve("pre.gguf"), TinyGguf.Options.defaults()
                .withMetadata("tokenizer.ggml.pre", pre));
        Tokenizer ours = GgufTokenizers.from(GgufReader.read(file));
        Tokenizer gpt2 = GgufTokenizers.from(GgufReader.read(TinyGguf.llama(dir.resolve("gpt2.gguf"),
                TinyGguf.Options.defaults().withMetadata("tokenizer.ggml.pre", "gpt-2"))));
        for (String text : LlamaCppParityTest.TEXTS) {
            assertArrayEquals(gpt2.encode(text, true, true), ours.encode(text, true, true), pre);
        }
    }
}
