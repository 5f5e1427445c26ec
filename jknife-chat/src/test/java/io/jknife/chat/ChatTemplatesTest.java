package io.jknife.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatTemplatesTest {

    @TempDir
    Path dir;

    private void write(String name, String text) throws Exception {
        Files.writeString(dir.resolve(name), text);
    }

    @Test
    void noTemplate() throws Exception {
        assertEquals(Optional.empty(), ChatTemplates.fromModelDir(dir));
        write("tokenizer_config.json", "{\"bos_token\": \"<s>\"}");
        assertEquals(Optional.empty(), ChatTemplates.fromModelDir(dir));
        write("tokenizer_config.json", "{\"chat_template\": null}");
        assertEquals(Optional.empty(), ChatTemplates.fromModelDir(dir));
        write("tokenizer_config.json", "{\"chat_template\": \"  \"}");
        assertEquals(Optional.empty(), ChatTemplates.fromModelDir(dir));
    }

    @Test
    void tokenizerConfigString() throws Exception {
        write("tokenizer_config.json", "{\"chat_template\": \"{{ messages[0]['content'] }}\\n\"}");
        assertEquals(Optional.of("{{ messages[0]['content'] }}\n"), ChatTemplates.fromModelDir(dir));
    }

    @Test
    void namedTemplatesUseDefaultOrTheNamedOne() throws Exception {
        write("tokenizer_config.json", "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"T\"},"
                + " {\"name\": \"default\", \"template\": \"D\"}]}");
        assertEquals(Optional.of("D"), ChatTemplates.fromModelDir(dir));
        assertEquals(Optional.of("T"), ChatTemplates.fromModelDir(dir, "tool_use"));
        assertEquals(Optional.empty(), ChatTemplates.fromModelDir(dir, "rag"));
    }

    @Test
    void jinjaFileWinsOverJsonFilesWhichWinOverTokenizerConfig() throws Exception {
        write("tokenizer_config.json", "{\"chat_template\": \"from tokenizer_config\"}");
        write("chat_template.json", "{\"chat_template\": \"from chat_template.json\"}");
        assertEquals(Optional.of("from chat_template.json"), ChatTemplates.fromModelDir(dir));
        write("chat_template.jinja", "from chat_template.jinja\n");
        assertEquals(Optional.of("from chat_template.jinja\n"), ChatTemplates.fromModelDir(dir));
    }

    @Test
    void tokenizerJsonAsTheLastResort() throws Exception {
        write("tokenizer.json", "{\"model\": {}, \"chat_template\": \"from tokenizer.json\"}");
        assertEquals(Optional.of("from tokenizer.json"), ChatTemplates.fromModelDir(dir));
    }

    @Test
    void specialTokensAsStringsOrAddedTokens() throws Exception {
        write("tokenizer_config.json", "{\"bos_token\": {\"__type\": \"AddedToken\", \"content\": \"<｜begin▁of▁sentence｜>\"},"
                + " \"eos_token\": \"<|im_end|>\"}");
        assertEquals(new ChatTemplates.SpecialTokens("<｜begin▁of▁sentence｜>", "<|im_end|>"),
                ChatTemplates.specialTokens(dir));
        write("tokenizer_config.json", "{\"bos_token\": null}");
        assertEquals(new ChatTemplates.SpecialTokens(null, null), ChatTemplates.specialTokens(dir));
    }

    @Test
    void brokenJsonIsAnError() throws Exception {
        write("tokenizer_config.json", "{\"chat_template\": ");
        assertThrows(UncheckedIOException.class, () -> ChatTemplates.fromModelDir(dir));
    }

    @Test
    void aRealConfigRendersEndToEnd() throws Exception {
        // the Qwen3 template inside a tokenizer_config.json, as a model directory holds it
        String config = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(
                java.util.Map.of("chat_template", Templates.source("qwen3"), "eos_token", "<|im_end|>"));
        write("tokenizer_config.json", config);
        ChatTemplate t = ChatTemplate.of(ChatTemplates.fromModelDir(dir).orElseThrow());
        String prompt = t.render(java.util.List.of(ChatMessage.user("Hi")),
                RenderOptions.defaults().withTokens(null, ChatTemplates.specialTokens(dir).eos()));
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", prompt);
        assertTrue(prompt.endsWith("assistant\n"));
    }
}
