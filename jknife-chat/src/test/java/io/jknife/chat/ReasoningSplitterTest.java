package io.jknife.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReasoningSplitterTest {

    private static final String R = "ReasoningSplitterTest";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        // output | starts inside | reasoning | answer
        "<think>\\nLet me add.\\n</think>\\n\\n4|false|Let me add.|4",
        "  <think>a</think>b|false|a|b",
        "Just an answer.|false||Just an answer.",
        "\\n\\nAnswer with <think> inside|false||Answer with <think> inside",
        "<think>unfinished|false|unfinished|",
        "<think></think>\\n\\nA|false||A",
        "<think>\\n\\n</think>\\n\\nA|false||A",
        "<thi|false||<thi",
        "Let me think.\\n</think>\\n\\n4|true|Let me think.|4",
        "<think>\\nagain opened\\n</think>answer|true|again opened|answer",
        "</think>answer|true||answer",
        "r1\\n\\nr2  \\n</think>a1\\n\\na2 |true|r1\\n\\nr2|a1\\n\\na2 ",
        "<think>a</thinker></think>b|false|a</thinker>|b",
        "<think>a</think>b</think>c|false|a|b</think>c",
    })
    void splitsWholeOutputs(String output, boolean startInside, String reasoning, String answer) {
        String out = unescape(output);
        ReasoningSplitter.Delta d = ReasoningSplitter.split(out, startInside);
        assertEquals(unescape(nullToEmpty(reasoning)), d.reasoning(), "reasoning");
        assertEquals(unescape(nullToEmpty(answer)), d.answer(), "answer");
        // streamed one character at a time, and in random pieces, the result is the same
        for (int seed = 0; seed < 20; seed++) {
            assertEquals(d, stream(out, startInside, seed), "seed " + seed);
        }
        assertEquals(d, stream(out, startInside, -1), "char by char");
    }

    /** Feeds {@code text} in pieces: single characters for seed -1, random lengths otherwise. */
    private static ReasoningSplitter.Delta stream(String text, boolean startInside, int seed) {
        ReasoningSplitter s = ReasoningSplitter.thinkTags(startInside);
        Random random = new Random(seed);
        StringBuilder reasoning = new StringBuilder();
        StringBuilder answer = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            int n = seed < 0 ? 1 : 1 + random.nextInt(6);
            int end = Math.min(text.length(), i + n);
            ReasoningSplitter.Delta d = s.accept(text.substring(i, end));
            reasoning.append(d.reasoning());
            answer.append(d.answer());
            i = end;
        }
        ReasoningSplitter.Delta last = s.finish();
        reasoning.append(last.reasoning());
        answer.append(last.answer());
        return new ReasoningSplitter.Delta(reasoning.toString(), answer.toString());
    }

    @Test
    void holdsBackOnlyWhatMayBeAMarker() {
        ReasoningSplitter s = ReasoningSplitter.thinkTags();
        assertEquals(new ReasoningSplitter.Delta("", ""), s.accept("<th"));
        assertEquals(new ReasoningSplitter.Delta("", ""), s.accept("ink>"));
        assertTrue(s.inReasoning());
        assertEquals(new ReasoningSplitter.Delta("abc", ""), s.accept("abc</th"));
        // "</th" was held back; it turns out not to be the marker and is released with the rest
        assertEquals(new ReasoningSplitter.Delta("</thank> def", ""), s.accept("ank> def"));
        assertEquals(new ReasoningSplitter.Delta("", ""), s.accept("</"));
        assertEquals(new ReasoningSplitter.Delta("", "Answer"), s.accept("think>Answer"));
        assertFalse(s.inReasoning());
        assertTrue(s.sawReasoning());
        assertEquals(new ReasoningSplitter.Delta("", " more"), s.accept(" more"));
        assertEquals(new ReasoningSplitter.Delta("", ""), s.finish());
    }

    @Test
    void neverEmitsTextTwice() {
        String text = "<think>\nstep 1\nstep 2\n</think>\n\nThe answer is 42.";
        List<String> pieces = new ArrayList<>();
        ReasoningSplitter s = ReasoningSplitter.thinkTags();
        for (char c : text.toCharArray()) {
            ReasoningSplitter.Delta d = s.accept(String.valueOf(c));
            pieces.add(d.reasoning() + d.answer());
        }
        ReasoningSplitter.Delta last = s.finish();
        pieces.add(last.reasoning() + last.answer());
        assertEquals("step 1\nstep 2The answer is 42.", String.join("", pieces));
    }

    @Test
    void answerWithoutReasoningStreamsAtOnce() {
        ReasoningSplitter s = ReasoningSplitter.thinkTags();
        assertEquals(new ReasoningSplitter.Delta("", "Hello"), s.accept("Hello"));
        assertFalse(s.sawReasoning());
    }

    @Test
    void promptsThatOpenTheReasoning() {
        assertTrue(ReasoningSplitter.forPrompt("<｜User｜>2+2?<｜Assistant｜><think>\n").inReasoning());
        assertFalse(ReasoningSplitter.forPrompt("<|im_start|>assistant\n").inReasoning());
        // Qwen3 with thinking off closes the block itself
        assertFalse(ReasoningSplitter.forPrompt("<|im_start|>assistant\n<think>\n\n</think>\n\n").inReasoning());
        // a user quoting the tag is not an opened block
        assertFalse(ReasoningSplitter.forPrompt("<|im_start|>user\nWhat does <think> do?<|im_end|>\n"
                + "<|im_start|>assistant\n").inReasoning());
    }

    @Test
    void otherMarkers() {
        ReasoningSplitter s = ReasoningSplitter.of("<thinking>", "</thinking>", false);
        ReasoningSplitter.Delta a = s.accept("<thinking>hmm</thinking>ok");
        assertEquals(new ReasoningSplitter.Delta("hmm", "ok"), a);
    }

    private static String unescape(String s) {
        return s.replace("\\n", "\n");
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
