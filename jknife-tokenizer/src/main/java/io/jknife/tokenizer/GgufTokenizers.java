package io.jknife.tokenizer;

import io.jknife.formats.FormatException;
import io.jknife.formats.gguf.GgufArray;
import io.jknife.formats.gguf.GgufFile;
import io.jknife.formats.gguf.GgufReader;
import io.jknife.formats.gguf.GgufValueType;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The tokenizer a GGUF file's {@code tokenizer.ggml.*} metadata describes, in Java, giving the
 * same ids as llama.cpp: byte-level BPE ({@code gpt2}) with the pre-tokenizer of
 * {@code tokenizer.ggml.pre}, and SentencePiece-style ({@code llama}).
 */
public final class GgufTokenizers {
    static final String MODEL = "tokenizer.ggml.model";
    static final String PRE = "tokenizer.ggml.pre";
    static final String TOKENS = "tokenizer.ggml.tokens";
    static final String SCORES = "tokenizer.ggml.scores";
    static final String TOKEN_TYPE = "tokenizer.ggml.token_type";
    static final String MERGES = "tokenizer.ggml.merges";

    private GgufTokenizers() {
    }

    /** The {@code tokenizer.ggml.pre} values supported for byte-level BPE (a missing one means "default"). */
    public static Set<String> preTokenizers() {
        return PreTokenizer.TYPES;
    }

    /**
     * Builds the tokenizer of {@code file}; arrays too long to have been read with the header
     * are loaded from {@code file.path()}.
     *
     * @throws FormatException for an unsupported tokenizer model or pre-tokenizer, or a vocabulary
     *                         that does not hold together (array types and lengths, merges of
     *                         tokens that are not in it, duplicate tokens, special ids out of range)
     */
    public static Tokenizer from(GgufFile file) throws FormatException {
        String model = file.string(MODEL).orElseThrow(() -> new FormatException(
                "GGUF has no tokenizer (" + MODEL + " is missing)"));
        boolean bpe = switch (model) {
            case "gpt2" -> true;
            case "llama" -> false;
            default -> throw new FormatException("unsupported tokenizer model " + FormatException.clip(model)
                    + " (" + MODEL + "; supported: gpt2, llama)");
        };
        String preName = file.string(PRE).orElse("");
        PreTokenizer pre = bpe ? PreTokenizer.forType(preName) : null;

        List<Object> tokenValues = array(file, TOKENS, true, GgufValueType.STRING);
        int n = tokenValues.size();
        if (n == 0) {
            throw new FormatException("GGUF vocabulary is empty (" + TOKENS + ")");
        }
        String[] texts = new String[n];
        Map<String, Integer> ids = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            String t = (String) tokenValues.get(i);
            if (t.isEmpty()) {
                t = "[EMPTY_" + i + "]"; // as llama.cpp names empty tokens
            }
            Integer dup = ids.putIfAbsent(t, i);
            if (dup != null) {
                throw new FormatException("GGUF vocabulary has token " + FormatException.clip(t) + " twice (ids "
                        + dup + " and " + i + ")");
            }
            texts[i] = t;
        }
        float[] scores = new float[n];
        List<Object> scoreValues = array(file, SCORES, false, GgufValueType.FLOAT32, GgufValueType.INT32);
        if (scoreValues != null) {
            requireLength(SCORES, scoreValues.size(), n);
            for (int i = 0; i < n; i++) {
                scores[i] = ((Number) scoreValues.get(i)).floatValue();
            }
        }
        int[] attrs = new int[n];
        List<Object> typeValues = array(file, TOKEN_TYPE, false, GgufValueType.INT32);
        for (int i = 0; i < n; i++) {
            attrs[i] = TokenAttr.NORMAL;
        }
        if (typeValues != null) {
            requireLength(TOKEN_TYPE, typeValues.size(), n);
            for (int i = 0; i < n; i++) {
                attrs[i] = TokenAttr.fromGgufType(((Number) typeValues.get(i)).longValue());
            }
        }

        int bos = special(file, "bos", bpe ? 11 : 1, n);
        int eos = special(file, "eos", bpe ? 11 : 2, n);
        int eot = special(file, "eot", -1, n);
        int eom = special(file, "eom", -1, n);
        int unk = special(file, "unknown", bpe ? -1 : 0, n);
        if (bpe && (preName.equals("chatglm-bpe") || preName.equals("glm4"))) {
            bos = file.integer("tokenizer.ggml.bos_token_id").isPresent() ? bos : -1;
        }
        boolean addBos = file.bool("tokenizer.ggml.add_bos_token")
                .orElse(bpe ? PreTokenizer.addsBosByDefault(preName) : true);
        boolean addEos = file.bool("tokenizer.ggml.add_eos_token").orElse(false);
        if (addBos && bos < 0) {
            throw new FormatException("GGUF tokenizer adds a BOS token but has none (tokenizer.ggml.bos_token_id)");
        }
        if (addEos && eos < 0) {
            throw new FormatException("GGUF tokenizer adds an EOS token but has none (tokenizer.ggml.eos_token_id)");
        }
        phi3StripsAfterSpecials(file, texts, attrs);
        Vocabulary vocab = new Vocabulary(texts, scores, attrs, ids, bos, eos, eot, eom, unk, addBos, addEos);
        if (!bpe) {
            return new SentencePieceBpe(vocab, file.bool("tokenizer.ggml.add_space_prefix").orElse(true));
        }
        return new ByteLevelBpe(vocab, pre, merges(file, ids), PreTokenizer.ignoresMerges(preName));
    }

    /** Merges as token-id pairs in rank order; each side and the result must be tokens. */
    private static PairRanks merges(GgufFile file, Map<String, Integer> ids) throws FormatException {
        List<Object> lines = array(file, MERGES, true, GgufValueType.STRING);
        int m = lines.size();
        int[] left = new int[m];
        int[] right = new int[m];
        int[] result = new int[m];
        for (int r = 0; r < m; r++) {
            String line = (String) lines.get(r);
            int space = line.indexOf(' ', 1);
            if (space < 0) {
                throw new FormatException("GGUF merge " + r + " " + FormatException.clip(line)
                        + " is not two tokens separated by a space (" + MERGES + ")");
            }
            String a = line.substring(0, space);
            String b = line.substring(space + 1);
            left[r] = mergeToken(ids, a, r, line);
            right[r] = mergeToken(ids, b, r, line);
            result[r] = mergeToken(ids, a + b, r, line);
        }
        return new PairRanks(left, right, result);
    }

    private static int mergeToken(Map<String, Integer> ids, String token, int rank, String line)
            throws FormatException {
        Integer id = ids.get(token);
        if (id == null) {
            throw new FormatException("GGUF merge " + rank + " " + FormatException.clip(line) + " refers to "
                    + FormatException.clip(token) + ", which is not in the vocabulary (" + MERGES + ")");
        }
        return id;
    }

    /** A declared special token id, checked against the vocabulary; the default if not declared. */
    private static int special(GgufFile file, String name, int dflt, int n) throws FormatException {
        String key = "tokenizer.ggml." + name + "_token_id";
        OptionalLong v = file.integer(key);
        if (v.isEmpty()) {
            return dflt < n ? dflt : -1;
        }
        long id = v.getAsLong();
        if (id < 0 || id >= n) {
            throw new FormatException("GGUF " + key + " is " + id + ", outside the vocabulary of " + n + " tokens");
        }
        return (int) id;
    }

    private static void requireLength(String key, int length, int tokens) throws FormatException {
        if (length != tokens) {
            throw new FormatException("GGUF " + key + " has " + length + " entries for " + tokens + " tokens");
        }
    }

    /** An array's values, loaded from the file when the header only located it; null if absent and optional. */
    private static List<Object> array(GgufFile file, String key, boolean required, GgufValueType... types)
            throws FormatException {
        Object v = file.metadata().get(key);
        if (v == null) {
            if (required) {
                throw new FormatException("GGUF tokenizer has no " + key);
            }
            return null;
        }
        if (!(v instanceof GgufArray a)) {
            throw new FormatException("GGUF " + key + " is not an array");
        }
        if (!List.of(types).contains(a.elementType())) {
            throw new FormatException("GGUF " + key + " is an array of " + a.elementType() + ", expected "
                    + (types.length == 1 ? types[0] : List.of(types)));
        }
        if (a.isLoaded()) {
            return a.values();
        }
        try {
            return GgufReader.readArray(file.path(), a).values();
        } catch (FormatException e) {
            throw e;
        } catch (IOException e) {
            throw new FormatException("GGUF " + key + " could not be read: " + e.getMessage(), e);
        }
    }

    /** llama.cpp's rule for Phi-3 models: whitespace after a special token is dropped. */
    private static void phi3StripsAfterSpecials(GgufFile file, String[] texts, int[] attrs) {
        String name = file.string(GgufFile.KEY_NAME).orElse("").toLowerCase(Locale.ROOT);
        if (!name.contains("phi-3") && !name.contains("phi3")) {
            return;
        }
        for (int i = 0; i < texts.length; i++) {
            if ((attrs[i] & (TokenAttr.CONTROL | TokenAttr.USER_DEFINED | TokenAttr.UNKNOWN)) != 0
                    || texts[i].equals("</s>")) {
                attrs[i] |= TokenAttr.RSTRIP;
            }
            if (texts[i].equals("<unk>") || texts[i].equals("<s>") || texts[i].equals("<|endoftext|>")) {
                attrs[i] &= ~TokenAttr.RSTRIP;
            }
        }
    }
}
