package io.jknife.chat;

import static io.jknife.chat.Templates.CONVERSATION;
import static io.jknife.chat.Templates.options;
import static io.jknife.chat.Templates.template;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each common family's real template renders system + user + assistant + user with a generation
 * prompt to exactly the prompt its model was trained on. The expected strings are written out from
 * each family's documented format (they also agree with the reference renderer, see
 * {@link HfGoldenScenariosTest}).
 */
class TemplateFamiliesTest {

    private static final String SYS = "You are a helpful assistant.";
    private static final String U1 = "Hello!";
    private static final String A1 = "Hi there! How can I help?";
    private static final String U2 = "What is 2+2?";

    // --- Llama 3 / 3.1 / 3.2: header blocks closed by <|eot_id|> -----------------------------

    private static String llama(String role, String text) {
        return "<|start_header_id|>" + role + "<|end_header_id|>\n\n" + text + "<|eot_id|>";
    }

    private static final String LLAMA_REPLY = "<|start_header_id|>assistant<|end_header_id|>\n\n";

    @Test
    void llama3() throws Exception {
        String expected = "<|begin_of_text|>" + llama("system", SYS) + llama("user", U1) + llama("assistant", A1)
                + llama("user", U2) + LLAMA_REPLY;
        assertEquals(expected, template("llama3").render(CONVERSATION, options("<|begin_of_text|>", "<|end_of_text|>")));
        assertEquals(expected,
                template("llama3-8b-instruct").render(CONVERSATION, options("<|begin_of_text|>", "<|eot_id|>")));
    }

    @Test
    void llama3_8bInstructOmitsReplyHeaderWithoutGenerationPrompt() throws Exception {
        String out = template("llama3-8b-instruct").render(CONVERSATION,
                options("<|begin_of_text|>", "<|eot_id|>").withAddGenerationPrompt(false));
        assertTrue(out.endsWith(llama("user", U2)), out);
    }

    @Test
    void llama3_1PutsKnowledgeCutoffAndDateIntoTheSystemBlock() throws Exception {
        String expected = "<|begin_of_text|>"
                + llama("system", "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n" + SYS)
                + llama("user", U1) + llama("assistant", A1) + llama("user", U2) + LLAMA_REPLY;
        assertEquals(expected, template("llama3_1").render(CONVERSATION, options("<|begin_of_text|>", "<|eot_id|>")));
    }

    @Test
    void llama3_2TakesTodayFromStrftimeNow() throws Exception {
        ZonedDateTime march5 = ZonedDateTime.of(2025, 3, 5, 23, 0, 0, 0, ZoneOffset.UTC);
        String expected = "<|begin_of_text|>"
                + llama("system", "Cutting Knowledge Date: December 2023\nToday Date: 05 Mar 2025\n\n" + SYS)
                + llama("user", U1) + llama("assistant", A1) + llama("user", U2) + LLAMA_REPLY;
        assertEquals(expected, template("llama3_2").render(CONVERSATION,
                options("<|begin_of_text|>", "<|eot_id|>").withNow(march5)));
    }

    // --- ChatML: Qwen2.5, Qwen3 ---------------------------------------------------------------

    private static String chatml(String role, String text) {
        return "<|im_start|>" + role + "\n" + text + "<|im_end|>\n";
    }

    @Test
    void qwen2_5() throws Exception {
        String expected = chatml("system", SYS) + chatml("user", U1) + chatml("assistant", A1) + chatml("user", U2)
                + "<|im_start|>assistant\n";
        assertEquals(expected, template("qwen2_5").render(CONVERSATION, options(null, "<|im_end|>")));
    }

    @Test
    void qwen2_5AddsItsDefaultSystemPrompt() throws Exception {
        String expected = chatml("system", "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.")
                + chatml("user", U1) + "<|im_start|>assistant\n";
        assertEquals(expected, template("qwen2_5").render(List.of(ChatMessage.user(U1)), options(null, "<|im_end|>")));
    }

    @Test
    void qwen3() throws Exception {
        String expected = chatml("system", SYS) + chatml("user", U1) + chatml("assistant", A1) + chatml("user", U2)
                + "<|im_start|>assistant\n";
        assertEquals(expected, template("qwen3").render(CONVERSATION, options(null, "<|im_end|>")));
    }

    @Test
    void qwen3WithThinkingOffPrefillsAnEmptyThinkBlock() throws Exception {
        String expected = chatml("user", U1) + "<|im_start|>assistant\n<think>\n\n</think>\n\n";
        assertEquals(expected, template("qwen3").render(List.of(ChatMessage.user(U1)),
                options(null, "<|im_end|>").withEnableThinking(false)));
    }

    @Test
    void qwen3DropsTheReasoningOfEarlierTurns() throws Exception {
        List<ChatMessage> conv = List.of(
                ChatMessage.user("What is 2+2?"),
                ChatMessage.assistant("<think>\nSimple sum.\n</think>\n\n4"),
                ChatMessage.user("And 3+3?"));
        String expected = chatml("user", "What is 2+2?") + chatml("assistant", "4") + chatml("user", "And 3+3?")
                + "<|im_start|>assistant\n";
        assertEquals(expected, template("qwen3").render(conv, options(null, "<|im_end|>")));
    }

    @Test
    void qwen3ShowsReasoningContentOfTheTurnAfterTheLastQuery() throws Exception {
        List<ChatMessage> conv = List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello!", "Greet back."));
        String expected = chatml("user", "Hi") + chatml("assistant", "<think>\nGreet back.\n</think>\n\nHello!");
        assertEquals(expected, template("qwen3").render(conv, options(null, "<|im_end|>").withAddGenerationPrompt(false)));
    }

    // --- Gemma 3: system folded into the first user turn, assistant is "model" ----------------

    @Test
    void gemma3() throws Exception {
        String expected = "<bos>"
                + "<start_of_turn>user\n" + SYS + "\n\n" + U1 + "<end_of_turn>\n"
                + "<start_of_turn>model\n" + A1 + "<end_of_turn>\n"
                + "<start_of_turn>user\n" + U2 + "<end_of_turn>\n"
                + "<start_of_turn>model\n";
        assertEquals(expected, template("gemma3").render(CONVERSATION, options("<bos>", "<end_of_turn>")));
    }

    @Test
    void gemma3RaisesOnRolesThatDoNotAlternate() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> template("gemma3")
                .render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), options("<bos>", "<end_of_turn>")));
        assertEquals("Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
        assertTrue(e.raisedByTemplate());
    }

    @Test
    void gemma3RendersContentParts() throws Exception {
        List<ChatMessage> conv = List.of(
                ChatMessage.of("system", List.of(ContentPart.text("Be brief."))),
                ChatMessage.of("user", List.of(ContentPart.image(), ContentPart.text(" Describe this. "))));
        String expected = "<bos><start_of_turn>user\nBe brief.\n\n<start_of_image>Describe this.<end_of_turn>\n"
                + "<start_of_turn>model\n";
        assertEquals(expected, template("gemma3").render(conv, options("<bos>", "<end_of_turn>")));
    }

    // --- Mistral: [INST] … [/INST], roles must alternate ----------------------------------------

    @Test
    void mistral7bV0_1FoldsTheSystemPromptIntoTheFirstInstruction() throws Exception {
        String expected = "<s> [INST] " + SYS + "\n\n" + U1 + " [/INST] " + A1 + "</s> [INST] " + U2 + " [/INST]";
        assertEquals(expected, template("mistral-7b-v0_1").render(CONVERSATION, options("<s>", "</s>")));
    }

    @Test
    void mistralNemoFoldsTheSystemPromptIntoTheLastInstruction() throws Exception {
        String expected = "<s>[INST]" + U1 + "[/INST]" + A1 + "</s>[INST]" + SYS + "\n\n" + U2 + "[/INST]";
        assertEquals(expected, template("mistral-nemo").render(CONVERSATION, options("<s>", "</s>")));
    }

    @Test
    void mistralRaisesOnRolesThatDoNotAlternate() {
        for (String name : List.of("mistral-7b-v0_1", "mistral-nemo")) {
            ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> template(name)
                    .render(List.of(ChatMessage.user("a"), ChatMessage.assistant("b"), ChatMessage.assistant("c")),
                            options("<s>", "</s>")));
            assertEquals("After the optional system message, conversation roles must alternate "
                    + "user/assistant/user/assistant/...", e.getMessage(), name);
            assertTrue(e.raisedByTemplate());
        }
    }

    // --- Phi-3.5 and Phi-4 ----------------------------------------------------------------------

    @Test
    void phi3_5() throws Exception {
        String expected = "<|system|>\n" + SYS + "<|end|>\n<|user|>\n" + U1 + "<|end|>\n<|assistant|>\n" + A1
                + "<|end|>\n<|user|>\n" + U2 + "<|end|>\n<|assistant|>\n";
        assertEquals(expected, template("phi3_5").render(CONVERSATION, options("<s>", "<|endoftext|>")));
    }

    @Test
    void phi3_5EndsWithEosWithoutGenerationPrompt() throws Exception {
        String out = template("phi3_5").render(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello")),
                options("<s>", "<|endoftext|>").withAddGenerationPrompt(false));
        assertEquals("<|user|>\nHi<|end|>\n<|assistant|>\nHello<|end|>\n<|endoftext|>", out);
    }

    @Test
    void phi4() throws Exception {
        String expected = "<|im_start|>system<|im_sep|>" + SYS + "<|im_end|><|im_start|>user<|im_sep|>" + U1
                + "<|im_end|><|im_start|>assistant<|im_sep|>" + A1 + "<|im_end|><|im_start|>user<|im_sep|>" + U2
                + "<|im_end|><|im_start|>assistant<|im_sep|>";
        assertEquals(expected, template("phi4").render(CONVERSATION, options("<|endoftext|>", "<|im_end|>")));
    }

    @Test
    void phi4Mini() throws Exception {
        String expected = "<|system|>" + SYS + "<|end|><|user|>" + U1 + "<|end|><|assistant|>" + A1
                + "<|end|><|user|>" + U2 + "<|end|><|assistant|>";
        assertEquals(expected, template("phi4-mini").render(CONVERSATION, options("<|endoftext|>", "<|endoftext|>")));
    }

    // --- DeepSeek-R1 and its distills: the prompt opens <think> ---------------------------------

    private static final String BOS_DS = "<｜begin▁of▁sentence｜>";
    private static final String EOS_DS = "<｜end▁of▁sentence｜>";

    @Test
    void deepseekR1OpensTheReasoning() throws Exception {
        String expected = BOS_DS + SYS + "<｜User｜>" + U1 + "<｜Assistant｜>" + A1 + EOS_DS + "<｜User｜>" + U2
                + "<｜Assistant｜><think>\n";
        String prompt = template("deepseek-r1").render(CONVERSATION, options(BOS_DS, EOS_DS));
        assertEquals(expected, prompt);
        assertTrue(ReasoningSplitter.forPrompt(prompt).inReasoning());
    }

    @Test
    void deepseekR1DistillQwen() throws Exception {
        // this snapshot of the template has line breaks between its tags that Jinja keeps
        String expected = BOS_DS + "\n" + SYS + "<｜User｜>" + U1 + "<｜Assistant｜>" + A1 + EOS_DS + "<｜User｜>" + U2
                + "<｜Assistant｜>\n";
        assertEquals(expected, template("deepseek-r1-distill-qwen").render(CONVERSATION, options(BOS_DS, EOS_DS)));
    }

    @Test
    void deepseekDropsTheReasoningOfEarlierTurns() throws Exception {
        List<ChatMessage> conv = List.of(ChatMessage.user("What is 2+2?"),
                ChatMessage.assistant("<think>\nSimple sum.\n</think>\n\n4"), ChatMessage.user("And 3+3?"));
        assertEquals(BOS_DS + "<｜User｜>What is 2+2?<｜Assistant｜>\n\n4" + EOS_DS
                        + "<｜User｜>And 3+3?<｜Assistant｜><think>\n",
                template("deepseek-r1").render(conv, options(BOS_DS, EOS_DS)));
    }

    @Test
    void deepseekV3() throws Exception {
        String expected = BOS_DS + SYS + "<｜User｜>" + U1 + "<｜Assistant｜>" + A1 + EOS_DS + "<｜User｜>" + U2
                + "<｜Assistant｜>";
        assertEquals(expected, template("deepseek-v3").render(CONVERSATION, options(BOS_DS, EOS_DS)));
    }
}
