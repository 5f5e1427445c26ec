package io.jknife.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jknife.formats.gguf.GgufReader;
import io.jknife.formats.gguf.GgufWriter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Real vocabularies: the tokenizer.json of Llama 3 (128 000 tokens, 280 000 merges), Qwen3 and
 * Llama 2, run by the Hugging Face reference (DJL), against our GGUF tokenizers on the same
 * vocabulary written as llama.cpp's converter writes it. Needs {@code fetch-fixtures.sh}; skipped
 * without its files.
 */
class RealTokenizerParityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Path FIXTURES = Path.of(System.getProperty("jknife.tokenizer.fixtures", "target/tokenizer-fixtures"));

    @TempDir
    Path dir;

    private static Path fixture(String name) {
        Path d = FIXTURES.resolve(name);
        Assumptions.assumeTrue(Files.isRegularFile(d.resolve("tokenizer.json")),
                "no " + d + "/tokenizer.json: run jknife-tokenizer/fetch-fixtures.sh");
        return d;
    }

    /**
     * The vocabulary of a tokenizer.json as a metadata-only GGUF: tokens by id, added special
     * tokens as control, other added tokens as user-defined, {@code <0xNN>} as bytes; merges for
     * BPE, scores from the merge order for the llama model.
     */
    static Path toGguf(Path hfDir, String model, String pre, Path out) throws IOException {
        JsonNode root = JSON.readTree(hfDir.resolve("tokenizer.json").toFile());
        JsonNode vocab = root.path("model").path("vocab");
        int size = 0;
        for (JsonNode id : vocab) {
            size = Math.max(size, id.asInt() + 1);
        }
        for (JsonNode t : root.path("added_tokens")) {
            size = Math.max(size, t.path("id").asInt() + 1);
        }
        String[] tokens = new String[size];
        int[] types = new int[size];
        float[] scores = new float[size];
        vocab.properties().forEach(e -> tokens[e.getValue().asInt()] = e.getKey());
        for (int i = 0; i < size; i++) {
            if (tokens[i] == null) {
                tokens[i] = "[PAD" + i + "]";
            }
            types[i] = tokens[i].matches("<0x[0-9A-F]{2}>") && model.equals("llama") ? 6 : 1;
        }
        for (JsonNode t : root.path("added_tokens")) {
            int id = t.path("id").asInt();
            tokens[id] = t.path("content").asText();
            types[id] = tokens[id].equals("<unk>") ? 2 : t.path("special").asBoolean() ? 3 : 4;
            scores[id] = 0;
        }
        GgufWriter w = GgufWriter.create().putString("general.architecture", "llama")
                .putString("tokenizer.ggml.model", model)
                .putStrings("tokenizer.ggml.tokens", Arrays.asList(tokens))
                .putInt32s("tokenizer.ggml.token_type", types)
                .putBool("tokenizer.ggml.add_bos_token", false);
        if (model.equals("gpt2")) {
            List<String> merges = new ArrayList<>();
            for (JsonNode m : root.path("model").path("merges")) {
                merges.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText());
            }
            w.putString("tokenizer.ggml.pre", pre).putStrings("tokenizer.ggml.merges", merges);
        } else {
            // SentencePiece merges the pair whose result scores highest; tokenizer.json lists its merges
            // in that order (transformers' converter sorts them by score), so rank gives the score back
            java.util.Map<String, Integer> ids = new java.util.HashMap<>();
            for (int i = 0; i < size; i++) {
                ids.putIfAbsent(tokens[i], i);
                scores[i] = -1e9f;
            }
            int rank = 0;
            for (JsonNode m : root.path("model").path("merges")) {
                String merged = m.isArray() ? m.get(0).asText() + m.get(1).asText() : m.asText().replace(" ", "");
                Integer id = ids.get(merged);
                if (id != null && scores[id] == -1e9f) {
                    scores[id] = -rank;
                }
                rank++;
            }
            w.putFloat32s("tokenizer.ggml.scores", scores);
        }
        w.write(out);
        return out;
    }

    private void sameIds(String name, String model, String pre, boolean nfc) throws Exception {
        Path hf = fixture(name);
        Tokenizer ours = GgufTokenizers.from(GgufReader.read(toGguf(hf, model, pre, dir.resolve(name + ".gguf"))));
        int compared = 0;
        try (HfTokenizer ref = HfTokenizers.from(hf)) {
            assertEquals(ref.vocabularySize(), ours.vocabularySize(), name);
            for (String raw : LlamaCppParityTest.texts()) {
                // the tokenizer.json's NFC normalizer is not part of llama.cpp's tokenizer: give it NFC text
                String text = nfc ? Normalizer.normalize(raw, Normalizer.Form.NFC) : raw;
                for (boolean parse : new boolean[]{true, false}) {
                    assertArrayEquals(ref.encode(text, false, parse), ours.encode(text, false, parse),
                            () -> name + " parseSpecial=" + parse + " " + LlamaCppParityTest.show(text));
                    compared++;
                }
                int[] ids = ours.encode(text, false, true);
                assertEquals(ref.decode(ids), ours.decode(ids), () -> name + " decode " + LlamaCppParityTest.show(text));
            }
        }
        System.out.println(name + ": " + compared + " encodings identical to the Hugging Face tokenizer");
    }

    @Test
    void llama3() throws Exception {
        sameIds("llama3", "gpt2", "llama-bpe", false);
    }

    @Test
    void qwen3() throws Exception {
        sameIds("qwen3", "gpt2", "qwen2", true);
    }

    @Test
    void llama2SentencePiece() throws Exception {
        sameIds("llama2", "llama", null, false);
    }
}
