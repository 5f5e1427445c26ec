package io.jknife.chat;

import com.hubspot.jinjava.tree.Node;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A model's chat template: turns a conversation into the prompt text the model was trained on.
 *
 * <h2>Jinja templates</h2>
 * {@link #of(String)} takes the Jinja source of a GGUF {@code tokenizer.chat_template} or a Hugging
 * Face {@code chat_template} (see {@link ChatTemplates} for finding it) and renders it the way
 * transformers' {@code apply_chat_template} does: Jinja with {@code trim_blocks} and
 * {@code lstrip_blocks}, loop controls, and these variables and helpers:
 * <ul>
 *   <li>{@code messages} (see {@link ChatMessage} for what each message holds),
 *       {@code add_generation_prompt}, {@code bos_token}, {@code eos_token}, {@code tools} (when
 *       given);</li>
 *   <li>{@code date_string} (today as {@code "26 Jul 2024"}; Llama 3.x print it) and
 *       {@code strftime_now(fmt)}, both from {@link RenderOptions#now()};</li>
 *   <li>{@code raise_exception(msg)}, which fails the render with a {@link ChatTemplateException}
 *       carrying exactly {@code msg};</li>
 *   <li>{@code tojson} with HF's semantics ({@code ensure_ascii=False}, Python's separators,
 *       optional {@code indent}), the {@code items} filter, {@code for … if …} filtering,
 *       {@code namespace()}, extended slices such as {@code messages[::-1]}, and the Python
 *       {@code str} and {@code dict} methods templates call ({@code startswith}, {@code split},
 *       {@code strip(chars)}, {@code get(k, default)}, {@code items()}, ...);</li>
 *   <li>any {@link RenderOptions#extraVariables()} ({@code enable_thinking}, ...).</li>
 * </ul>
 * Each distinct source is parsed once and cached, so rendering per request is cheap.
 *
 * <h2>Fallback</h2>
 * {@link #fallback()} serves models without a template. It writes the transcript format of the
 * original tool: each {@code system}, {@code user} and {@code assistant} message as
 * {@code System: text}, {@code Human: text} or {@code Assistant: text} (messages of other roles
 * are left out), separated by a blank line; with a generation prompt it ends with a blank line and
 * {@code "Assistant: "} (trailing space). For example system "Be brief." and user "Hi" give
 * <pre>System: Be brief.\n\nHuman: Hi\n\nAssistant: </pre>
 * The engine's chat stop strings ({@code \nHuman:}, {@code \nAssistant:}) end the reply there.
 */
public final class ChatTemplate {

    private static final int CACHE_SIZE = 64;
    private static final Map<String, ChatTemplate> CACHE = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ChatTemplate> eldest) {
            return size() > CACHE_SIZE;
        }
    };
    private static final ChatTemplate FALLBACK = new ChatTemplate(null, null);

    private final String source;
    private final Node root;

    private ChatTemplate(String source, Node root) {
        this.source = source;
        this.root = root;
    }

    /**
     * The template with the given Jinja source, parsed once (later calls with the same source get
     * the cached template).
     *
     * @throws ChatTemplateException when the source is blank or does not parse
     */
    public static ChatTemplate of(String source) throws ChatTemplateException {
        Objects.requireNonNull(source, "source");
        if (source.isBlank()) {
            throw new ChatTemplateException("chat template is empty");
        }
        synchronized (CACHE) {
            ChatTemplate cached = CACHE.get(source);
            if (cached != null) {
                return cached;
            }
        }
        ChatTemplate parsed = new ChatTemplate(source, JinjaEngine.get().parse(source));
        synchronized (CACHE) {
            CACHE.putIfAbsent(source, parsed);
            return CACHE.get(source);
        }
    }

    /** The plain transcript used when a model has no chat template (format in the class doc). */
    public static ChatTemplate fallback() {
        return FALLBACK;
    }

    /** The Jinja source, or empty for the {@linkplain #fallback() fallback}. */
    public Optional<String> source() {
        return Optional.ofNullable(source);
    }

    public boolean isFallback() {
        return source == null;
    }

    /** Renders with {@link RenderOptions#defaults()}: a generation prompt, no special tokens. */
    public String render(List<ChatMessage> messages) throws ChatTemplateException {
        return render(messages, RenderOptions.defaults());
    }

    /**
     * The prompt for the conversation.
     *
     * @throws ChatTemplateException when the template fails or refuses the conversation with
     *                               {@code raise_exception} (then the message is the template's)
     */
    public String render(List<ChatMessage> messages, RenderOptions options) throws ChatTemplateException {
        Objects.requireNonNull(messages, "messages");
        Objects.requireNonNull(options, "options");
        if (root == null) {
            return transcript(messages, options.addGenerationPrompt());
        }
        return JinjaEngine.get().render(root, variables(messages, options));
    }

    private static Map<String, Object> variables(List<ChatMessage> messages, RenderOptions options) {
        List<Map<String, Object>> msgs = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            msgs.add(m.toTemplateValue());
        }
        ZonedDateTime now = options.now() != null ? options.now() : ZonedDateTime.now();
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("messages", msgs);
        vars.put("add_generation_prompt", options.addGenerationPrompt());
        vars.put("bos_token", options.bosToken() == null ? "" : options.bosToken());
        vars.put("eos_token", options.eosToken() == null ? "" : options.eosToken());
        if (options.tools() != null) {
            vars.put("tools", options.tools());
        }
        vars.put("date_string", HfExtensions.strftime(now, "%d %b %Y"));
        vars.put(HfExtensions.NOW_VARIABLE, now);
        // the functions are globals in transformers: "strftime_now is defined" must hold (Llama 3.2)
        vars.put("strftime_now", HfExtensions.FUNCTION_MARKER);
        vars.put("raise_exception", HfExtensions.FUNCTION_MARKER);
        vars.putAll(options.extraVariables());
        return vars;
    }

    private static String transcript(List<ChatMessage> messages, boolean addGenerationPrompt) {
        List<String> turns = new ArrayList<>();
        for (ChatMessage m : messages) {
            String label = switch (m.role()) {
                case "system" -> "System";
                case "user" -> "Human";
                case "assistant" -> "Assistant";
                default -> null;
            };
            if (label != null) {
                turns.add(label + ": " + m.text());
            }
        }
        if (addGenerationPrompt) {
            turns.add("Assistant: ");
        }
        return String.join("\n\n", turns);
    }

    @Override
    public String toString() {
        return isFallback() ? "ChatTemplate[fallback]" : "ChatTemplate[" + source.length() + " chars]";
    }
}
