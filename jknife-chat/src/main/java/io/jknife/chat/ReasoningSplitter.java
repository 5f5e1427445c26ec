package io.jknife.chat;

import java.util.Objects;

/**
 * Splits a reasoning model's output into its reasoning and its answer, for
 * {@code <think>…</think>} style markers, while the text streams in.
 *
 * <p>One state machine serves streaming and batch alike ({@link #split(String)} is the same
 * machine fed at once), so both give the same text:
 * <ul>
 *   <li>Before anything else, an opening marker (after optional whitespace) starts the reasoning;
 *       any other text means there is no reasoning and all output is answer. An opening marker
 *       later in the answer is just text.</li>
 *   <li>Inside the reasoning, the closing marker ends it; the rest is answer.</li>
 *   <li>Templates that open the reasoning in their generation prompt (DeepSeek-R1's
 *       {@code <｜Assistant｜><think>\n}, some Qwen3 variants) make the model's output start inside
 *       it: see {@link #forPrompt(String)}. A model that still writes the opening marker first has
 *       it dropped.</li>
 *   <li>Markers may be cut anywhere across chunks: only a tail that could be the start of a
 *       marker is held back until the next chunk (or {@link #finish()}) decides; nothing is ever
 *       emitted twice or taken back.</li>
 *   <li>Whitespace around the sections is dropped: leading and trailing whitespace of the
 *       reasoning and leading whitespace of the answer ({@code "<think>\nR\n</think>\n\nA"} gives
 *       reasoning {@code "R"}, answer {@code "A"}).</li>
 * </ul>
 * Not thread-safe: one instance per generated reply.
 */
public final class ReasoningSplitter {

    /** What one chunk (or the flush) adds to each side; either part may be empty. */
    public record Delta(String reasoning, String answer) {
        static final Delta EMPTY = new Delta("", "");

        public boolean isEmpty() {
            return reasoning.isEmpty() && answer.isEmpty();
        }
    }

    private enum State {
        /** Nothing but whitespace so far; an opening marker may still come. */
        START,
        /** In the reasoning, before its first non-whitespace text. */
        REASONING_START,
        REASONING,
        /** In the answer, before its first non-whitespace text. */
        ANSWER_START,
        ANSWER
    }

    public static final String THINK_OPEN = "<think>";
    public static final String THINK_CLOSE = "</think>";

    private final String open;
    private final String close;
    private final StringBuilder pending = new StringBuilder();
    private State state;
    private boolean sawReasoning;
    /** An opening marker was consumed; a second one is text, not a marker. */
    private boolean openConsumed;

    private ReasoningSplitter(String open, String close, boolean startInside) {
        this.open = requireMarker(open, "open");
        this.close = requireMarker(close, "close");
        this.state = startInside ? State.REASONING_START : State.START;
        this.sawReasoning = startInside;
    }

    /** {@code <think>}/{@code </think>}, output starting outside the reasoning. */
    public static ReasoningSplitter thinkTags() {
        return new ReasoningSplitter(THINK_OPEN, THINK_CLOSE, false);
    }

    /** {@code <think>}/{@code </think>}; {@code startInside} when the prompt already opened it. */
    public static ReasoningSplitter thinkTags(boolean startInside) {
        return new ReasoningSplitter(THINK_OPEN, THINK_CLOSE, startInside);
    }

    /** Other markers, e.g. {@code <thinking>}/{@code </thinking>}. */
    public static ReasoningSplitter of(String open, String close, boolean startInside) {
        return new ReasoningSplitter(open, close, startInside);
    }

    /**
     * For the reply to a rendered prompt: starts inside the reasoning when the prompt ends with an
     * opening {@code <think>} (whitespace after it allowed) that nothing closed.
     */
    public static ReasoningSplitter forPrompt(String renderedPrompt) {
        return thinkTags(opensReasoning(renderedPrompt, THINK_OPEN));
    }

    /** True when {@code prompt} ends with {@code open} followed by nothing but whitespace. */
    public static boolean opensReasoning(String prompt, String open) {
        if (prompt == null) {
            return false;
        }
        String trimmed = PyStr.strip(prompt, null, false, true);
        return trimmed.endsWith(open);
    }

    /** Splits a whole reply at once; same result as streaming it in any chunks. */
    public static Delta split(String text, boolean startInside) {
        ReasoningSplitter s = thinkTags(startInside);
        Delta a = s.accept(text);
        Delta b = s.finish();
        return new Delta(a.reasoning() + b.reasoning(), a.answer() + b.answer());
    }

    /** {@link #split(String, boolean)} starting outside the reasoning. */
    public static Delta split(String text) {
        return split(text, false);
    }

    /** True once the output has shown reasoning (an opening marker, or it started inside). */
    public boolean sawReasoning() {
        return sawReasoning;
    }

    /** True while the text being received belongs to the reasoning. */
    public boolean inReasoning() {
        return state == State.REASONING_START || state == State.REASONING;
    }

    /** Feeds the next piece of generated text; returns what can safely be shown now. */
    public Delta accept(String chunk) {
        if (chunk == null || chunk.isEmpty()) {
            return Delta.EMPTY;
        }
        pending.append(chunk);
        StringBuilder reasoning = new StringBuilder();
        StringBuilder answer = new StringBuilder();
        boolean progressed = true;
        while (progressed && !pending.isEmpty()) {
            progressed = step(reasoning, answer);
        }
        return new Delta(reasoning.toString(), answer.toString());
    }

    /** The end of the output: releases what was held back for a marker that never came. */
    public Delta finish() {
        String rest = pending.toString();
        pending.setLength(0);
        String text = PyStr.strip(rest, null, true, false);
        Delta out = switch (state) {
            case START, ANSWER_START, ANSWER -> new Delta("", state == State.ANSWER ? rest : text);
            case REASONING_START, REASONING -> new Delta(PyStr.strip(state == State.REASONING ? rest : text,
                    null, false, true), "");
        };
        state = State.ANSWER;
        return out;
    }

    /** One transition on {@link #pending}; false when it must wait for more text. */
    private boolean step(StringBuilder reasoning, StringBuilder answer) {
        switch (state) {
            case START, REASONING_START -> {
                int lead = leadingWhitespace();
                String rest = pending.substring(lead);
                if (rest.isEmpty()) {
                    return false;
                }
                if (!openConsumed && rest.startsWith(open)) {
                    pending.delete(0, lead + open.length());
                    openConsumed = true;
                    sawReasoning = true;
                    state = State.REASONING_START;
                    return true;
                }
                if (state == State.REASONING_START && rest.startsWith(close)) {
                    pending.delete(0, lead + close.length());
                    state = State.ANSWER_START;
                    return true;
                }
                boolean mayBeOpen = !openConsumed && open.startsWith(rest);
                boolean mayBeClose = state == State.REASONING_START && close.startsWith(rest);
                if (mayBeOpen || mayBeClose) {
                    return false;
                }
                pending.delete(0, lead);
                state = state == State.START ? State.ANSWER : State.REASONING;
                return true;
            }
            case REASONING -> {
                int at = pending.indexOf(close);
                if (at >= 0) {
                    reasoning.append(PyStr.strip(pending.substring(0, at), null, false, true));
                    pending.delete(0, at + close.length());
                    state = State.ANSWER_START;
                    return true;
                }
                int hold = heldTail(close);
                int keepFrom = pending.length() - hold;
                // trailing whitespace waits too: it is dropped if the closing marker follows
                while (keepFrom > 0 && PyStr.isSpace(pending.charAt(keepFrom - 1))) {
                    keepFrom--;
                }
                reasoning.append(pending, 0, keepFrom);
                pending.delete(0, keepFrom);
                return false;
            }
            case ANSWER_START -> {
                int lead = leadingWhitespace();
                pending.delete(0, lead);
                if (pending.isEmpty()) {
                    return false;
                }
                state = State.ANSWER;
                return true;
            }
            default -> {
                answer.append(pending);
                pending.setLength(0);
                return false;
            }
        }
    }

    private int leadingWhitespace() {
        int i = 0;
        while (i < pending.length() && PyStr.isSpace(pending.charAt(i))) {
            i++;
        }
        return i;
    }

    /** Length of the longest tail of {@link #pending} that is a proper prefix of {@code marker}. */
    private int heldTail(String marker) {
        int max = Math.min(marker.length() - 1, pending.length());
        for (int len = max; len > 0; len--) {
            if (marker.startsWith(pending.substring(pending.length() - len))) {
                return len;
            }
        }
        return 0;
    }

    private static String requireMarker(String marker, String what) {
        Objects.requireNonNull(marker, what);
        if (marker.isEmpty()) {
            throw new IllegalArgumentException(what + " marker is empty");
        }
        return marker;
    }
}
