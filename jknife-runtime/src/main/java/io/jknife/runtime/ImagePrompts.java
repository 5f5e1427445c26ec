package io.jknife.runtime;

import io.jknife.chat.ChatMessage;
import io.jknife.chat.ChatTemplateException;
import io.jknife.chat.ContentPart;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Renders a conversation whose last user message shows images, so that the prompt holds exactly one
 * image placeholder per image. Hugging Face vision templates (LLaVA, Gemma 3) print their placeholder
 * for each {@code {"type": "image"}} part; for a template that ignores image parts the placeholders go
 * before the message's text, as mlx-vlm does for models whose messages carry a literal image token.
 */
final class ImagePrompts {
    private ImagePrompts() {
    }

    /**
     * @param useTemplate false: the last user message's text alone (raw mode), placeholders first
     * @throws ChatTemplateException when the template fails, or places the images in some other number
     */
    static String render(ChatFormat format, List<ChatMessage> messages, int images, String placeholder,
                         boolean useTemplate) throws ChatTemplateException {
        int last = lastUser(messages);
        String text = messages.get(last).text();
        String before = placeholders(images, placeholder);
        if (!useTemplate) {
            return before + text;
        }
        // placeholders the template writes anyway (a system prompt that mentions one) are not ours
        int already = count(format.render(with(messages, last, ChatMessage.user(text))), placeholder);
        List<ContentPart> parts = new ArrayList<>(Collections.nCopies(images, ContentPart.image()));
        parts.add(ContentPart.text(text));
        String prompt = format.render(with(messages, last, ChatMessage.of("user", parts)));
        if (count(prompt, placeholder) - already == images) {
            return prompt;
        }
        prompt = format.render(with(messages, last, ChatMessage.user(before + text)));
        if (count(prompt, placeholder) - already != images) {
            throw new ChatTemplateException("the template does not keep the image placeholder " + placeholder
                    + " of " + images + " image" + (images == 1 ? "" : "s"));
        }
        return prompt;
    }

    private static String placeholders(int images, String placeholder) {
        return (placeholder + "\n").repeat(images);
    }

    private static int lastUser(List<ChatMessage> messages) throws ChatTemplateException {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if ("user".equals(messages.get(i).role())) {
                return i;
            }
        }
        throw new ChatTemplateException("images need a user message to belong to");
    }

    private static List<ChatMessage> with(List<ChatMessage> messages, int index, ChatMessage replacement) {
        List<ChatMessage> copy = new ArrayList<>(messages);
        copy.set(index, replacement);
        return copy;
    }

    static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }
}
