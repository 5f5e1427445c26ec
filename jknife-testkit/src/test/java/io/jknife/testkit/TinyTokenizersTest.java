package io.jknife.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TinyTokenizersTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** Highest id in a tokenizer.json (model vocab and added tokens) plus one. */
    static int tokenizerSize(JsonNode tok) {
        int max = -1;
        for (var e : tok.get("model").get("vocab").properties()) {
            max = Math.max(max, e.getValue().asInt());
        }
        for (JsonNode t : tok.get("added_tokens")) {
            max = Math.max(max, t.get("id").asInt());
        }
        return max + 1;
    }

    /** Ids dense from 0, every merge made of vocabulary tokens and producing one. */
    private static void assertConsistentBpe(JsonNode tok) {
        JsonNode vocab = tok.get("model").get("vocab");
        Set<Integer> ids = new HashSet<>();
        vocab.properties().forEach(e -> assertTrue(ids.add(e.getValue().asInt()), "duplicate id " + e));
        for (JsonNode t : tok.get("added_tokens")) {
            String content = t.get("content").asText();
            if (vocab.has(content)) {
                assertEquals(vocab.get(content).asInt(), t.get("id").asInt());
            } else {
                assertTrue(ids.add(t.get("id").asInt()), "duplicate added id " + t);
            }
        }
        assertEquals(ids.size(), tokenizerSize(tok), "ids are dense");
        for (JsonNode m : tok.get("model").get("merges")) {
            String[] parts = m.asText().split(" ");
            assertEquals(2, parts.length, m.asText());
            assertTrue(vocab.has(parts[0]) && vocab.has(parts[1]) && vocab.has(parts[0] + parts[1]), m.asText());
        }
    }

    @Test
    void llama3ByteLevel() throws IOException {
        TinyTokenizers.Info info = TinyTokenizers.write(tmp.resolve("l3"), TinyTokenizers.Style.LLAMA3);
        JsonNode tok = JSON.readTree(tmp.resolve("l3/tokenizer.json").toFile());
        assertEquals("BPE", tok.get("model").get("type").asText());
        assertEquals("ByteLevel", tok.get("pre_tokenizer").get("type").asText());
        assertEquals("ByteLevel", tok.get("decoder").get("type").asText());
        assertConsistentBpe(tok);
        assertEquals(info.vocabSize(), tokenizerSize(tok));
        JsonNode vocab = tok.get("model").get("vocab");
        assertEquals(0, vocab.get("!").asInt(), "GPT-2 byte order");
        assertTrue(vocab.has("Ġ") && vocab.has("Ċ"), "space and newline bytes");
        assertTrue(vocab.has("Ġthe") && vocab.has("Ġworld") && vocab.has("ĊĊ"));
        assertEquals("HelloĠworld", TinyTokenizers.byteLevel("Hello world"));
        assertEquals(info.bosId(), info.id("<|begin_of_text|>"));
        assertEquals(info.eosId(), info.id("<|eot_id|>"));
        assertTrue(info.addedTokens().keySet().containsAll(List.of("<|start_header_id|>", "<|end_header_id|>", "<|end_of_text|>")));

        JsonNode cfg = JSON.readTree(tmp.resolve("l3/tokenizer_config.json").toFile());
        assertEquals(TinyTokenizers.LLAMA3_CHAT_TEMPLATE, cfg.get("chat_template").asText());
        assertEquals("<|eot_id|>", cfg.get("added_tokens_decoder").get(String.valueOf(info.eosId())).get("content").asText());
        assertTrue(cfg.get("added_tokens_decoder").get(String.valueOf(info.eosId())).get("special").asBoolean());
        assertTrue(Files.exists(tmp.resolve("l3/special_tokens_map.json")));
        assertTrue(Files.readString(tmp.resolve("l3/tokenizer_config.json"))
                .contains("\"bos_token\": \"<|begin_of_text|>\""), "transformers' JSON style");
    }

    @Test
    void chatMl() throws IOException {
        TinyTokenizers.Info info = TinyTokenizers.write(tmp.resolve("q"), TinyTokenizers.Style.CHATML);
        JsonNode tok = JSON.readTree(tmp.resolve("q/tokenizer.json").toFile());
        assertConsistentBpe(tok);
        assertEquals(-1, info.bosId());
        assertEquals("<|im_end|>", info.eosToken());
        JsonNode cfg = JSON.readTree(tmp.resolve("q/tokenizer_config.json").toFile());
        assertTrue(cfg.get("bos_token").isNull());
        assertTrue(cfg.get("chat_template").asText().contains("<|im_start|>"));
    }

    @Test
    void sentencePieceStyle() throws IOException {
        TinyTokenizers.Info info = TinyTokenizers.write(tmp.resolve("sp"), TinyTokenizers.Style.SENTENCEPIECE, true, List.of("<image>"));
        JsonNode tok = JSON.readTree(tmp.resolve("sp/tokenizer.json").toFile());
        assertConsistentBpe(tok);
        assertEquals("Metaspace", tok.get("pre_tokenizer").get("type").asText());
        assertTrue(tok.get("model").get("byte_fallback").asBoolean());
        JsonNode vocab = tok.get("model").get("vocab");
        assertEquals(3, vocab.get("<0x00>").asInt());
        assertEquals(3 + 10, vocab.get("<0x0A>").asInt());
        assertTrue(vocab.has("▁the"));
        assertEquals(1, info.bosId());
        assertEquals(2, info.eosId());
        assertEquals(info.vocabSize() - 1, info.id("<image>"));
        assertEquals(info.vocabSize(), tokenizerSize(tok));
    }

    @Test
    void wordPiece() throws IOException {
        TinyTokenizers.Info info = TinyTokenizers.write(tmp.resolve("wp"), TinyTokenizers.Style.WORDPIECE);
        List<String> lines = Files.readAllLines(tmp.resolve("wp/vocab.txt"));
        assertEquals(info.vocabSize(), lines.size());
        JsonNode tok = JSON.readTree(tmp.resolve("wp/tokenizer.json").toFile());
        for (int i = 0; i < lines.size(); i++) {
            assertEquals(i, tok.get("model").get("vocab").get(lines.get(i)).asInt());
        }
        assertEquals(lines.indexOf("[CLS]"), info.id("[CLS]"));
        assertTrue(lines.contains("##ing"));
        assertFalse(JSON.readTree(tmp.resolve("wp/tokenizer_config.json").toFile()).has("chat_template"));
    }
}
