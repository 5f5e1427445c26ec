package io.jknife.runtime;

import io.jknife.chat.ChatMessage;
import io.jknife.chat.ChatTemplate;
import io.jknife.chat.ChatTemplateException;
import io.jknife.testkit.TinyTokenizers;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Image placeholders land where each family's chat template puts images, one per image. */
class ImagePromptsTest {
    /** Gemma 3's template, as in its tokenizer_config.json, cut to what images need. */
    static final String GEMMA3 = "{{ bos_token }}{%- for message in messages -%}"
            + "{{ '<start_of_turn>' + ('model' if message['role'] == 'assistant' else message['role']) + '\n' }}"
            + "{%- if message['content'] is string -%}{{ message['content'] | trim }}"
            + "{%- else -%}{%- for item in message['content'] -%}"
            + "{%- if item['type'] == 'image' -%}{{ '<start_of_image>' }}"
            + "{%- elif item['type'] == 'text' -%}{{ item['text'] | trim }}{%- endif -%}{%- endfor -%}{%- endif -%}"
            + "{{ '<end_of_turn>\n' }}{%- endfor -%}{%- if add_generation_prompt -%}{{ '<start_of_turn>model\n' }}{%- endif -%}";
    /** ChatML, which knows nothing of images: it prints a list content as it is. */
    static final String CHATML = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content']"
            + " + '<|im_end|>\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    private static ChatFormat format(String template) throws ChatTemplateException {
        return new ChatFormat(ChatTemplate.of(template), true, "<bos>", "<eos>", false);
    }

    @Test
    void templatesThatKnowImagePartsPlaceThem() throws Exception {
        String gemma = ImagePrompts.render(format(GEMMA3), List.of(ChatMessage.user("What is it?")), 2,
                "<start_of_image>", true);
        assertEquals("<bos><start_of_turn>user\n<start_of_image><start_of_image>What is it?<end_of_turn>\n"
                + "<start_of_turn>model\n", gemma);
        String llava = ImagePrompts.render(format(TinyTokenizers.LLAVA_CHAT_TEMPLATE),
                List.of(ChatMessage.system("Be brief."), ChatMessage.user("What is it?")), 1, "<image>", true);
        assertEquals("Be brief. USER: <image>\nWhat is it? ASSISTANT:", llava);
    }

    @Test
    void aTemplateIgnoringImagesGetsThePlaceholdersBeforeTheText() throws Exception {
        String p = ImagePrompts.render(format(CHATML), List.of(ChatMessage.user("Describe.")), 2, "<image>", true);
        assertEquals("<|im_start|>user\n<image>\n<image>\nDescribe.<|im_end|>\n<|im_start|>assistant\n", p);
        assertEquals("<image>\nDescribe.", ImagePrompts.render(format(CHATML), List.of(ChatMessage.user("Describe.")), 1,
                "<image>", false), "raw mode: the text with its placeholders");
    }

    @Test
    void onlyTheLastUserMessageGetsTheImagesAndPlaceholdersInTextDoNotCount() throws Exception {
        List<ChatMessage> chat = List.of(ChatMessage.system("An <image> tag marks pictures."), ChatMessage.user("first"),
                ChatMessage.assistant("ok"), ChatMessage.user("second"));
        String p = ImagePrompts.render(format(CHATML), chat, 1, "<image>", true);
        assertEquals(1, ImagePrompts.count(p, "<image>\nsecond"), p);
        assertEquals(2, ImagePrompts.count(p, "<image>"), "the system prompt's own mention stays: " + p);
        assertTrue(p.contains("<|im_start|>user\nfirst<|im_end|>"), p);

        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> ImagePrompts.render(
                format(CHATML), List.of(ChatMessage.system("only a system prompt")), 1, "<image>", true));
        assertEquals("images need a user message to belong to", e.getMessage());
        ChatTemplateException dropped = assertThrows(ChatTemplateException.class, () -> ImagePrompts.render(
                format("{% for m in messages %}{{ m['role'] }}{% endfor %}"), List.of(ChatMessage.user("x")), 1,
                "<image>", true));
        assertTrue(dropped.getMessage().contains("does not keep the image placeholder <image>"), dropped.getMessage());
    }
}
