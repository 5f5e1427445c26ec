package io.jknife.chat;

import java.util.Objects;

/**
 * One part of a multi-part message content, as OpenAI and Hugging Face templates see it:
 * {@code {"type": "text", "text": "..."}} or {@code {"type": "image"}} (templates such as Gemma 3
 * print their image placeholder for it; the pixels travel elsewhere).
 *
 * @param type {@code text}, {@code image}, or another kind a template may know
 * @param text the text of a {@code text} part, else null
 */
public record ContentPart(String type, String text) {

    public ContentPart {
        Objects.requireNonNull(type, "type");
    }

    public static ContentPart text(String text) {
        return new ContentPart("text", Objects.requireNonNull(text, "text"));
    }

    public static ContentPart image() {
        return new ContentPart("image", null);
    }

    public boolean isText() {
        return "text".equals(type);
    }
}
