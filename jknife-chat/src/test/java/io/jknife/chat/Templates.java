package io.jknife.chat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;

/** Test helpers: the real templates under {@code src/test/resources/templates}, a fixed clock. */
final class Templates {

    /** The day Llama 3.1's template falls back to; renders as "26 Jul 2024". */
    static final ZonedDateTime JULY_26_2024 = ZonedDateTime.of(2024, 7, 26, 9, 30, 0, 0, ZoneOffset.UTC);

    /** system + user + assistant + user, the conversation every family test renders. */
    static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("You are a helpful assistant."),
            ChatMessage.user("Hello!"),
            ChatMessage.assistant("Hi there! How can I help?"),
            ChatMessage.user("What is 2+2?"));

    private Templates() {
    }

    static String source(String name) {
        try (InputStream in = Templates.class.getResourceAsStream("/templates/" + name + ".jinja")) {
            if (in == null) {
                throw new IllegalArgumentException("no template " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ChatTemplate template(String name) {
        try {
            return ChatTemplate.of(source(name));
        } catch (ChatTemplateException e) {
            throw new AssertionError("template " + name + " does not parse: " + e.getMessage(), e);
        }
    }

    static RenderOptions options(String bos, String eos) {
        return RenderOptions.defaults().withTokens(bos, eos).withNow(JULY_26_2024);
    }
}
