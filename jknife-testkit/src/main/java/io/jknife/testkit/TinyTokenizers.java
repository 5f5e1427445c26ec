package io.jknife.testkit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.formats.Gpt2ByteAlphabet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes small but real Hugging Face tokenizers: {@code tokenizer.json} in the format of the
 * {@code tokenizers} library and a matching {@code tokenizer_config.json} (plus
 * {@code special_tokens_map.json}, and {@code vocab.txt} for WordPiece).
 *
 * <ul>
 *   <li>{@link Style#LLAMA3}: byte-level BPE (GPT-2 byte alphabet + merges), ByteLevel
 *       pre-tokenizer and decoder, Llama-3 special tokens and chat template;</li>
 *   <li>{@link Style#CHATML}: the same BPE with Qwen2's {@code <|im_start|>}/{@code <|im_end|>}
 *       tokens and ChatML template;</li>
 *   <li>{@link Style#SENTENCEPIECE}: Llama-2/Mistral-style BPE over {@code ▁}-prefixed pieces
 *       with byte fallback ({@code <0x00>}..{@code <0xFF>}), Metaspace pre-tokenizer,
 *       {@code <s>}/{@code </s>} and an {@code [INST]} template;</li>
 *   <li>{@link Style#WORDPIECE}: BERT's uncased WordPiece with {@code [CLS]}/{@code [SEP]}.</li>
 * </ul>
 *
 * Regular tokens come first (ids 0..n-1 for the BPE styles), added tokens follow them, as in the
 * real models, so {@link Info#vocabSize()} is what a model's {@code vocab_size} must be.
 */
public final class TinyTokenizers {

    public enum Style { LLAMA3, CHATML, SENTENCEPIECE, WORDPIECE }

    public static final String LLAMA3_CHAT_TEMPLATE = TinyGguf.LLAMA3_CHAT_TEMPLATE;

    /** Qwen2's ChatML template. */
    public static final String CHATML_CHAT_TEMPLATE =
            "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
                    + "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
                    + "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
                    + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    /** Mistral-Instruct's {@code [INST]} template. */
    public static final String INST_CHAT_TEMPLATE =
            "{{ bos_token }}{% for message in messages %}"
                    + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
                    + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
                    + "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
                    + "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}"
                    + "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

    /** LLaVA-1.5's template: images as {@code <image>} placeholders in user turns. */
    public static final String LLAVA_CHAT_TEMPLATE =
            "{% for message in messages %}{% if message['role'] == 'system' %}{{ message['content'] + ' ' }}"
                    + "{% elif message['role'] == 'user' %}{{ 'USER: ' }}{% if message['content'] is string %}"
                    + "{{ message['content'] }}{% else %}{% for item in message['content'] %}"
                    + "{% if item['type'] == 'image' %}{{ '<image>\n' }}{% elif item['type'] == 'text' %}{{ item['text'] }}"
                    + "{% endif %}{% endfor %}{% endif %}{{ ' ' }}{% elif message['role'] == 'assistant' %}"
                    + "{{ 'ASSISTANT: ' + message['content'] + eos_token + ' ' }}{% endif %}{% endfor %}"
                    + "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}";

    /**
     * What was written.
     *
     * @param style         the tokenizer family
     * @param vocabSize     regular plus added tokens: the model's {@code vocab_size}
     * @param bosToken      beginning-of-sequence token, or null (ChatML has none)
     * @param eosToken      end-of-sequence (end-of-turn for chat styles) token
     * @param bosId         its id, or -1
     * @param eosId         its id
     * @param addedTokens   added (special) tokens and their ids, in id order
     * @param chatTemplate  the template written, or null
     */
    public record Info(Style style, int vocabSize, String bosToken, String eosToken, int bosId, int eosId,
                       Map<String, Integer> addedTokens, String chatTemplate) {
        public Info {
            addedTokens = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(addedTokens));
        }

        public int id(String addedToken) {
            Integer id = addedTokens.get(addedToken);
            if (id == null) {
                throw new IllegalArgumentException("no added token " + addedToken);
            }
            return id;
        }
    }

    private TinyTokenizers() {
    }

    /** A tokenizer of {@code style} with its usual chat template (none for WordPiece). */
    public static Info write(Path dir, Style style) throws IOException {
        return write(dir, style, style != Style.WORDPIECE, List.of());
    }

    /**
     * A tokenizer of {@code style}; {@code chatTemplate} false omits the template (a base model);
     * {@code extraSpecialTokens} are appended as added special tokens (e.g. {@code <image>}).
     */
    public static Info write(Path dir, Style style, boolean chatTemplate, List<String> extraSpecialTokens) throws IOException {
        return write(dir, style, chatTemplate ? defaultTemplate(style) : null, extraSpecialTokens);
    }

    /** As above with an explicit chat template (null for none). */
    public static Info write(Path dir, Style style, String chatTemplate, List<String> extraSpecialTokens) throws IOException {
        Objects.requireNonNull(style);
        Files.createDirectories(dir);
        return switch (style) {
            case LLAMA3, CHATML -> byteLevel(dir, style, chatTemplate, extraSpecialTokens);
            case SENTENCEPIECE -> sentencePiece(dir, chatTemplate, extraSpecialTokens);
            case WORDPIECE -> wordPiece(dir, chatTemplate, extraSpecialTokens);
        };
    }

    static String defaultTemplate(Style style) {
        return switch (style) {
            case LLAMA3 -> LLAMA3_CHAT_TEMPLATE;
            case CHATML -> CHATML_CHAT_TEMPLATE;
            case SENTENCEPIECE -> INST_CHAT_TEMPLATE;
            case WORDPIECE -> null;
        };
    }

    // ---- byte-level BPE ----------------------------------------------------------------------

    private static Info byteLevel(Path dir, Style style, String template, List<String> extra) throws IOException {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        int[] codePoints = Gpt2ByteAlphabet.codePoints();
        for (int b : Gpt2ByteAlphabet.byteOrder()) {
            vocab.put(Character.toString(codePoints[b]), vocab.size());
        }
        List<String> merges = new ArrayList<>();
        for (String word : WORDS) {
            for (String w : List.of(" " + word, word)) {
                addChain(vocab, merges, splitCodePoints(byteLevel(w)));
            }
        }
        List<String> specials = new ArrayList<>(style == Style.LLAMA3
                ? List.of("<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>", "<|reserved_special_token_2|>",
                "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>", "<|python_tag|>")
                : List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"));
        specials.addAll(extra);
        Map<String, Integer> added = addedIds(vocab.size(), specials);
        String bos = style == Style.LLAMA3 ? "<|begin_of_text|>" : null;
        String eos = style == Style.LLAMA3 ? "<|eot_id|>" : "<|im_end|>";
        String pad = style == Style.LLAMA3 ? null : "<|endoftext|>";

        ObjectNode root = tokenizerRoot(added);
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", true);
        if (bos != null) {
            root.set("post_processor", template(bos, added.get(bos), false, null, 0));
        } else {
            root.set("post_processor", byteLevelProcessor());
        }
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout").putNull("unk_token").putNull("continuing_subword_prefix")
                .putNull("end_of_word_suffix").put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", style == Style.LLAMA3);
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        ArrayNode m = model.putArray("merges");
        merges.forEach(m::add);
        HfJson.write(dir.resolve("tokenizer.json"), root);

        ObjectNode cfg = tokenizerConfig(added, bos, eos, pad, template);
        cfg.put("clean_up_tokenization_spaces", style != Style.LLAMA3);
        cfg.set("model_input_names", HfJson.array("input_ids", "attention_mask"));
        cfg.put("model_max_length", style == Style.LLAMA3 ? 131072 : 32768);
        cfg.put("tokenizer_class", style == Style.LLAMA3 ? "PreTrainedTokenizerFast" : "Qwen2Tokenizer");
        if (style == Style.CHATML) {
            cfg.put("errors", "replace").put("split_special_tokens", false);
        }
        HfJson.write(dir.resolve("tokenizer_config.json"), cfg);
        HfJson.write(dir.resolve("special_tokens_map.json"), specialTokensMap(bos, eos, pad, null));
        int total = vocab.size() + added.size();
        return new Info(style, total, bos, eos, bos == null ? -1 : added.get(bos), added.get(eos), added, template);
    }

    /** Adds merges building {@code parts} left to right; every intermediate becomes a token. */
    private static void addChain(Map<String, Integer> vocab, List<String> merges, List<String> parts) {
        String acc = parts.getFirst();
        for (int i = 1; i < parts.size(); i++) {
            String next = parts.get(i);
            String merged = acc + next;
            if (!vocab.containsKey(merged)) {
                vocab.put(merged, vocab.size());
                merges.add(acc + " " + next);
            }
            acc = merged;
        }
    }

    /** {@code s} in the byte-level alphabet: its UTF-8 bytes as GPT-2 stand-in characters (space is Ġ). */
    public static String byteLevel(String s) {
        int[] alphabet = Gpt2ByteAlphabet.codePoints();
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            b.appendCodePoint(alphabet[x & 0xFF]);
        }
        return b.toString();
    }

    private static List<String> splitCodePoints(String s) {
        return s.codePoints().mapToObj(Character::toString).toList();
    }

    private static ObjectNode byteLevelProcessor() {
        ObjectNode p = HfJson.object();
        p.put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", true);
        return p;
    }

    // ---- SentencePiece-style BPE --------------------------------------------------------------

    private static Info sentencePiece(Path dir, String template, List<String> extra) throws IOException {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        vocab.put("<unk>", 0);
        vocab.put("<s>", 1);
        vocab.put("</s>", 2);
        for (int b = 0; b < 256; b++) {
            vocab.put(String.format("<0x%02X>", b), vocab.size());
        }
        // Control characters such as newline are left to byte fallback (<0x0A>), as in Llama 2.
        List<String> words = WORDS.stream().filter(w -> w.chars().noneMatch(Character::isISOControl)).toList();
        Set<String> chars = new LinkedHashSet<>();
        chars.add("▁");
        for (String w : words) {
            chars.addAll(splitCodePoints(w));
        }
        for (String c : chars) {
            vocab.putIfAbsent(c, vocab.size());
        }
        List<String> merges = new ArrayList<>();
        for (String word : words) {
            addChain(vocab, merges, splitCodePoints("▁" + word));
        }
        Map<String, Integer> added = new LinkedHashMap<>();
        added.put("<unk>", 0);
        added.put("<s>", 1);
        added.put("</s>", 2);
        added.putAll(addedIds(vocab.size(), extra));

        ObjectNode root = tokenizerRoot(added);
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Metaspace").put("replacement", "▁").put("prepend_scheme", "first").put("split", false);
        root.set("post_processor", template("<s>", 1, false, null, 0));
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "Sequence");
        ArrayNode ds = dec.putArray("decoders");
        ObjectNode replace = ds.addObject();
        replace.put("type", "Replace");
        replace.putObject("pattern").put("String", "▁");
        replace.put("content", " ");
        ds.addObject().put("type", "ByteFallback");
        ds.addObject().put("type", "Fuse");
        ds.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout").put("unk_token", "<unk>").putNull("continuing_subword_prefix")
                .putNull("end_of_word_suffix").put("fuse_unk", true).put("byte_fallback", true).put("ignore_merges", false);
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        ArrayNode m = model.putArray("merges");
        merges.forEach(m::add);
        HfJson.write(dir.resolve("tokenizer.json"), root);

        ObjectNode cfg = tokenizerConfig(added, "<s>", "</s>", null, template);
        cfg.put("add_bos_token", true).put("add_eos_token", false);
        cfg.put("clean_up_tokenization_spaces", false);
        cfg.put("legacy", false);
        cfg.put("model_max_length", 32768);
        cfg.putNull("pad_token");
        cfg.putObject("sp_model_kwargs");
        cfg.put("spaces_between_special_tokens", false);
        cfg.put("tokenizer_class", "LlamaTokenizer");
        cfg.put("unk_token", "<unk>");
        cfg.put("use_default_system_prompt", false);
        HfJson.write(dir.resolve("tokenizer_config.json"), cfg);
        HfJson.write(dir.resolve("special_tokens_map.json"), specialTokensMap("<s>", "</s>", null, "<unk>"));
        int total = vocab.size() + added.size() - 3;
        return new Info(Style.SENTENCEPIECE, total, "<s>", "</s>", 1, 2, added, template);
    }

    // ---- WordPiece ------------------------------------------------------------------------------

    private static Info wordPiece(Path dir, String template, List<String> extra) throws IOException {
        List<String> tokens = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        Set<String> seen = new LinkedHashSet<>(tokens);
        for (char c : "!\"#$%&'()*+,-./0123456789:;<=>?@[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~".toCharArray()) {
            if (seen.add(String.valueOf(c))) {
                tokens.add(String.valueOf(c));
            }
        }
        for (char c = 'a'; c <= 'z'; c++) {
            tokens.add("##" + c);
            seen.add("##" + c);
        }
        for (String w : WORDS) {
            String lower = w.toLowerCase(java.util.Locale.ROOT);
            if (lower.chars().allMatch(Character::isLetter) && seen.add(lower)) {
                tokens.add(lower);
            }
        }
        for (String suffix : List.of("##s", "##ing", "##ed", "##er", "##ly", "##es")) {
            if (seen.add(suffix)) {
                tokens.add(suffix);
            }
        }
        for (String t : extra) {
            if (seen.add(t)) {
                tokens.add(t);
            }
        }
        Files.writeString(dir.resolve("vocab.txt"), String.join("\n", tokens) + "\n", StandardCharsets.UTF_8);
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            ids.put(tokens.get(i), i);
        }
        Map<String, Integer> added = new LinkedHashMap<>();
        for (String s : List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")) {
            added.put(s, ids.get(s));
        }
        for (String t : extra) {
            added.put(t, ids.get(t));
        }

        ObjectNode root = tokenizerRoot(added);
        ObjectNode norm = root.putObject("normalizer");
        norm.put("type", "BertNormalizer").put("clean_text", true).put("handle_chinese_chars", true)
                .putNull("strip_accents").put("lowercase", true);
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        root.set("post_processor", template("[CLS]", ids.get("[CLS]"), true, "[SEP]", ids.get("[SEP]")));
        root.putObject("decoder").put("type", "WordPiece").put("prefix", "##").put("cleanup", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece").put("unk_token", "[UNK]").put("continuing_subword_prefix", "##")
                .put("max_input_chars_per_word", 100);
        ObjectNode v = model.putObject("vocab");
        ids.forEach(v::put);
        HfJson.write(dir.resolve("tokenizer.json"), root);

        ObjectNode cfg = tokenizerConfig(added, null, null, "[PAD]", template);
        cfg.put("clean_up_tokenization_spaces", true);
        cfg.put("cls_token", "[CLS]").put("do_basic_tokenize", true).put("do_lower_case", true)
                .put("mask_token", "[MASK]").put("model_max_length", 512).putNull("never_split")
                .put("sep_token", "[SEP]").put("tokenize_chinese_chars", true)
                .put("tokenizer_class", "BertTokenizer").put("unk_token", "[UNK]");
        cfg.putNull("strip_accents");
        HfJson.write(dir.resolve("tokenizer_config.json"), cfg);
        ObjectNode map = HfJson.object();
        map.put("cls_token", "[CLS]").put("mask_token", "[MASK]").put("pad_token", "[PAD]").put("sep_token", "[SEP]")
                .put("unk_token", "[UNK]");
        HfJson.write(dir.resolve("special_tokens_map.json"), map);
        return new Info(Style.WORDPIECE, tokens.size(), "[CLS]", "[SEP]", ids.get("[CLS]"), ids.get("[SEP]"), added, template);
    }

    // ---- shared pieces ---------------------------------------------------------------------------

    private static Map<String, Integer> addedIds(int first, List<String> tokens) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String t : tokens) {
            out.putIfAbsent(t, first + out.size());
        }
        return out;
    }

    private static ObjectNode tokenizerRoot(Map<String, Integer> added) {
        ObjectNode root = HfJson.object();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode arr = root.putArray("added_tokens");
        added.forEach((content, id) -> arr.add(addedToken(id, content)));
        return root;
    }

    private static ObjectNode addedToken(int id, String content) {
        ObjectNode t = HfJson.object();
        t.put("id", id).put("content", content).put("single_word", false).put("lstrip", false).put("rstrip", false)
                .put("normalized", false).put("special", true);
        return t;
    }

    /** A TemplateProcessing post-processor: {@code BOS $A} (or {@code CLS $A SEP}). */
    private static ObjectNode template(String first, int firstId, boolean withSep, String sep, int sepId) {
        ObjectNode p = HfJson.object();
        p.put("type", "TemplateProcessing");
        ArrayNode single = p.putArray("single");
        ArrayNode pair = p.putArray("pair");
        single.addObject().putObject("SpecialToken").put("id", first).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", first).put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        if (withSep) {
            single.addObject().putObject("SpecialToken").put("id", sep).put("type_id", 0);
            pair.addObject().putObject("SpecialToken").put("id", sep).put("type_id", 0);
            pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
            pair.addObject().putObject("SpecialToken").put("id", sep).put("type_id", 1);
        } else {
            pair.addObject().putObject("SpecialToken").put("id", first).put("type_id", 1);
            pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        }
        ObjectNode specials = p.putObject("special_tokens");
        ObjectNode f = specials.putObject(first);
        f.put("id", first);
        f.putArray("ids").add(firstId);
        f.putArray("tokens").add(first);
        if (withSep) {
            ObjectNode s = specials.putObject(sep);
            s.put("id", sep);
            s.putArray("ids").add(sepId);
            s.putArray("tokens").add(sep);
        }
        return p;
    }

    private static ObjectNode tokenizerConfig(Map<String, Integer> added, String bos, String eos, String pad, String template) {
        ObjectNode cfg = HfJson.object();
        ObjectNode dec = cfg.putObject("added_tokens_decoder");
        added.forEach((content, id) -> {
            ObjectNode t = dec.putObject(String.valueOf(id));
            t.put("content", content).put("lstrip", false).put("normalized", false).put("rstrip", false)
                    .put("single_word", false).put("special", true);
        });
        if (bos != null) {
            cfg.put("bos_token", bos);
        } else {
            cfg.putNull("bos_token");
        }
        if (template != null) {
            cfg.put("chat_template", template);
        }
        if (eos != null) {
            cfg.put("eos_token", eos);
        }
        if (pad != null) {
            cfg.put("pad_token", pad);
        }
        return cfg;
    }

    private static ObjectNode specialTokensMap(String bos, String eos, String pad, String unk) {
        ObjectNode map = HfJson.object();
        for (String[] kv : new String[][]{{"bos_token", bos}, {"eos_token", eos}, {"pad_token", pad}, {"unk_token", unk}}) {
            if (kv[1] != null) {
                ObjectNode t = map.putObject(kv[0]);
                t.put("content", kv[1]).put("lstrip", false).put("normalized", false).put("rstrip", false)
                        .put("single_word", false);
            }
        }
        return map;
    }

    static final List<String> WORDS = List.of(
            "the", "and", "to", "of", "a", "in", "is", "it", "you", "that", "he", "was", "for", "on", "are", "with",
            "as", "I", "his", "they", "be", "at", "one", "have", "this", "from", "or", "had", "by", "hot", "word",
            "but", "what", "some", "we", "can", "out", "other", "were", "all", "there", "when", "up", "use", "your",
            "how", "said", "an", "each", "she", "which", "do", "their", "time", "if", "will", "way", "about", "many",
            "then", "them", "write", "would", "like", "so", "these", "her", "long", "make", "thing", "see", "him",
            "two", "has", "look", "more", "day", "could", "go", "come", "did", "number", "sound", "no", "most",
            "people", "my", "over", "know", "water", "than", "call", "first", "who", "may", "down", "side", "been",
            "now", "find", "Hello", "hello", "world", "yes", "thank", "okay", "well", "right", "good", "morning",
            "model", "answer", "question", "user", "assistant", "system", "image", "picture", "cat", "dog", "red",
            "blue", "green", "Paris", "France", "capital", "city", "tiny", "test", "!", ".", ",", "?", "\n", "\n\n");
}
