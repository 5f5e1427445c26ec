package io.jknife.runtime;

import io.jknife.chat.ChatMessage;
import io.jknife.chat.ChatTemplate;
import io.jknife.chat.ChatTemplateException;
import io.jknife.chat.ChatTemplates;
import io.jknife.chat.RenderOptions;
import io.jknife.formats.gguf.GgufArray;
import io.jknife.formats.gguf.GgufFile;
import io.jknife.formats.gguf.GgufReader;
import io.jknife.store.ModelInfo;
import io.jknife.store.probe.ModelFormat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * How a model wants its prompts: the chat template (from the GGUF {@code tokenizer.chat_template}
 * or the Hugging Face tokenizer files), its BOS/EOS token texts, and whether it thinks aloud in
 * {@code <think>…</think>}. Read from the model's own metadata once per load.
 *
 * @param template  the template, or {@link ChatTemplate#fallback()} when the model has none
 * @param bosToken  the BOS token text, or null
 * @param eosToken  the EOS token text, or null
 * @param reasoning true when the vocabulary has {@code <think>} and {@code </think>}
 */
public record ChatFormat(ChatTemplate template, boolean ownTemplate, String bosToken, String eosToken, boolean reasoning) {

    public static ChatFormat of(ModelInfo info) throws IOException {
        if (info.probe().format() == ModelFormat.GGUF) {
            return ofGguf(info.probe().files().getFirst());
        }
        return ofHfDirectory(info.entry().dir());
    }

    static ChatFormat ofGguf(Path file) throws IOException {
        GgufFile gguf = GgufReader.read(file);
        Optional<String> source = gguf.chatTemplate().filter(s -> !s.isBlank());
        List<String> tokens = List.of();
        Optional<GgufArray> array = gguf.array("tokenizer.ggml.tokens");
        if (array.isPresent()) {
            GgufArray a = array.get().isLoaded() ? array.get() : GgufReader.readArray(file, array.get());
            tokens = a.strings();
        }
        String bos = tokenText(tokens, gguf.integer("tokenizer.ggml.bos_token_id"));
        String eos = tokenText(tokens, gguf.integer("tokenizer.ggml.eos_token_id"));
        boolean reasoning = tokens.contains("<think>") && tokens.contains("</think>");
        return build(source, bos, eos, reasoning);
    }

    static ChatFormat ofHfDirectory(Path dir) throws IOException {
        Optional<String> source = ChatTemplates.fromModelDir(dir);
        ChatTemplates.SpecialTokens special = ChatTemplates.specialTokens(dir);
        boolean reasoning = source.map(s -> s.contains("<think>")).orElse(false);
        return build(source, special.bos(), special.eos(), reasoning);
    }

    private static ChatFormat build(Optional<String> source, String bos, String eos, boolean reasoning) throws IOException {
        if (source.isEmpty()) {
            return new ChatFormat(ChatTemplate.fallback(), false, bos, eos, reasoning);
        }
        try {
            return new ChatFormat(ChatTemplate.of(source.get()), true, bos, eos, reasoning);
        } catch (ChatTemplateException e) {
            throw new IOException("The model's chat template does not parse: " + e.getMessage(), e);
        }
    }

    /** The prompt for a conversation, ending where the assistant's answer begins. */
    public String render(List<ChatMessage> messages) throws ChatTemplateException {
        RenderOptions options = RenderOptions.defaults().withAddGenerationPrompt(true).withTokens(bosToken, eosToken);
        return template.render(messages, options);
    }

    private static String tokenText(List<String> tokens, java.util.OptionalLong id) {
        if (id.isEmpty() || id.getAsLong() < 0 || id.getAsLong() >= tokens.size()) {
            return null;
        }
        return tokens.get((int) id.getAsLong());
    }
}
