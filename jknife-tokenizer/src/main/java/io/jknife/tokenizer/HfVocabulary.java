package io.jknife.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.formats.FormatException;
import io.jknife.formats.Gpt2ByteAlphabet;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * What a {@code tokenizer.json} says about single tokens, which DJL does not expose: the text of
 * each id, which ids are special, and how the decoder turns a token into bytes.
 */
final class HfVocabulary {
    /** How the declared decoder maps one token to bytes. */
    enum Decoding {
        /** ByteLevel: each character stands for one byte (GPT-2's alphabet). */
        BYTE_LEVEL,
        /** Metaspace or Replace ▁→space (SentencePiece): ▁ is a space, {@code <0xNN>} a byte when byte fallback is on. */
        METASPACE,
        /** WordPiece: {@code ##} joins, other pieces start a word. */
        WORDPIECE,
        /** Anything else: the token's text. */
        TEXT
    }

    private final String[] texts;
    private final boolean[] special;
    private final boolean[] added;
    private final Map<String, Integer> ids;
    final Decoding decoding;
    final boolean byteFallback;
    /** Whether decoding drops the space before the first word (Metaspace with a prepended ▁, WordPiece). */
    final boolean stripsLeadingSpace;

    private HfVocabulary(String[] texts, boolean[] special, boolean[] added, Map<String, Integer> ids,
                         Decoding decoding, boolean byteFallback, boolean stripsLeadingSpace) {
        this.texts = texts;
        this.special = special;
        this.added = added;
        this.ids = ids;
        this.decoding = decoding;
        this.byteFallback = byteFallback;
        this.stripsLeadingSpace = stripsLeadingSpace;
    }

    static HfVocabulary of(ObjectNode root) throws FormatException {
        Map<Integer, String> byId = new HashMap<>();
        JsonNode model = root.path("model");
        JsonNode vocab = model.path("vocab");
        if (vocab.isObject()) {
            for (Map.Entry<String, JsonNode> e : vocab.properties()) {
                byId.put(e.getValue().asInt(), e.getKey());
            }
        } else if (vocab.isArray()) { // Unigram: [piece, score] by id
            for (int i = 0; i < vocab.size(); i++) {
                byId.put(i, vocab.get(i).path(0).asText());
            }
        } else {
            throw new FormatException("tokenizer.json model has no vocab");
        }
        Map<Integer, Boolean> specials = new HashMap<>();
        for (JsonNode t : root.path("added_tokens")) {
            int id = t.path("id").asInt(-1);
            if (id < 0 || !t.path("content").isTextual()) {
                throw new FormatException("tokenizer.json has an added token without id or content: " + t);
            }
            byId.put(id, t.path("content").asText());
            specials.put(id, t.path("special").asBoolean(false));
        }
        int size = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        String[] texts = new String[size];
        boolean[] special = new boolean[size];
        boolean[] added = new boolean[size];
        Map<String, Integer> ids = new HashMap<>(size * 2);
        for (Map.Entry<Integer, String> e : byId.entrySet()) {
            int id = e.getKey();
            if (id < 0) {
                throw new FormatException("tokenizer.json has a negative token id " + id);
            }
            texts[id] = e.getValue();
            ids.putIfAbsent(e.getValue(), id);
            Boolean s = specials.get(id);
            special[id] = s != null && s;
            added[id] = s != null;
        }
        for (int i = 0; i < size; i++) {
            if (texts[i] == null) {
                texts[i] = ""; // a hole in the ids: stands for nothing
            }
        }
        JsonNode decoder = root.path("decoder");
        Decoding decoding = decoding(decoder);
        boolean byteFallback = model.path("byte_fallback").asBoolean(false) || has(decoder, "ByteFallback");
        boolean strip = switch (decoding) {
            case METASPACE -> has(decoder, "Strip") || (has(decoder, "Metaspace")
                    && !"never".equals(find(decoder, "Metaspace").path("prepend_scheme").asText("always")));
            case WORDPIECE -> true;
            default -> false;
        };
        return new HfVocabulary(texts, special, added, ids, decoding, byteFallback, strip);
    }

    private static Decoding decoding(JsonNode decoder) {
        if (has(decoder, "ByteLevel")) {
            return Decoding.BYTE_LEVEL;
        }
        if (has(decoder, "Metaspace")) {
            return Decoding.METASPACE;
        }
        for (JsonNode d : parts(decoder)) {
            if ("Replace".equals(d.path("type").asText()) && "▁".equals(d.path("pattern").path("String").asText())) {
                return Decoding.METASPACE;
            }
        }
        if (has(decoder, "WordPiece")) {
            return Decoding.WORDPIECE;
        }
        return Decoding.TEXT;
    }

    private static Iterable<JsonNode> parts(JsonNode decoder) {
        return "Sequence".equals(decoder.path("type").asText()) ? decoder.path("decoders")
                : java.util.List.of(decoder);
    }

    private static boolean has(JsonNode decoder, String type) {
        return !find(decoder, type).isMissingNode();
    }

    private static JsonNode find(JsonNode decoder, String type) {
        for (JsonNode d : parts(decoder)) {
            if (type.equals(d.path("type").asText())) {
                return d;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    int size() {
        return texts.length;
    }

    String text(int id) {
        return texts[id];
    }

    boolean isSpecial(int id) {
        return special[id];
    }

    int id(String text) {
        Integer id = ids.get(text);
        return id == null ? -1 : id;
    }

    /** The bytes token {@code id} stands for, by the decoder's rules; added tokens as their text. */
    byte[] bytes(int id) {
        String t = texts[id];
        if (added[id]) {
            return t.getBytes(StandardCharsets.UTF_8);
        }
        return switch (decoding) {
            case BYTE_LEVEL -> byteLevel(t);
            case METASPACE -> {
                int b = byteFallback ? GgufTokenizer.byteTokenValue(t) : 0;
                yield b > 0 || t.equals("<0x00>") ? new byte[]{(byte) b}
                        : t.replace("▁", " ").getBytes(StandardCharsets.UTF_8);
            }
            case WORDPIECE -> (t.startsWith("##") ? t.substring(2) : " " + t).getBytes(StandardCharsets.UTF_8);
            case TEXT -> t.getBytes(StandardCharsets.UTF_8);
        };
    }

    private static final int[] BYTE_OF = new int[512];

    static {
        java.util.Arrays.fill(BYTE_OF, -1);
        int[] cps = Gpt2ByteAlphabet.codePoints();
        for (int b = 0; b < 256; b++) {
            BYTE_OF[cps[b]] = b;
        }
    }

    private static byte[] byteLevel(String t) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(t.length());
        t.codePoints().forEach(cp -> {
            int b = cp < BYTE_OF.length ? BYTE_OF[cp] : -1;
            if (b >= 0) {
                out.write(b);
            } else {
                out.writeBytes(Character.toString(cp).getBytes(StandardCharsets.UTF_8));
            }
        });
        return out.toByteArray();
    }
}
