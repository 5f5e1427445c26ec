package io.jknife.engine.text;

import java.util.List;

/**
 * Cuts generated text at the first stop string. Text is released only when no stop string can
 * start in it: a tail that is the beginning of a stop string is held back until the next piece
 * shows whether the stop string completes (stop strings split across tokens are found).
 */
public final class StopStrings {
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    public StopStrings(List<String> stops) {
        this.stops = stops.stream().filter(s -> s != null && !s.isEmpty()).toList();
    }

    /** Adds text; returns the text that can be released now. After a stop string, nothing more. */
    public String push(String text) {
        if (stopped) {
            return "";
        }
        if (stops.isEmpty()) {
            return text;
        }
        pending.append(text);
        int at = -1;
        for (String s : stops) {
            int i = pending.indexOf(s);
            if (i >= 0 && (at < 0 || i < at)) {
                at = i;
            }
        }
        if (at >= 0) {
            stopped = true;
            String out = pending.substring(0, at);
            pending.setLength(0);
            return out;
        }
        int hold = heldBack();
        String out = pending.substring(0, pending.length() - hold);
        pending.delete(0, pending.length() - hold);
        return out;
    }

    /** Whether a stop string was found. */
    public boolean stopped() {
        return stopped;
    }

    /** The end of the generation: releases what was held back (it did not become a stop string). */
    public String flush() {
        String out = pending.toString();
        pending.setLength(0);
        return out;
    }

    /** The length of the longest tail of the pending text that is a proper prefix of a stop string. */
    private int heldBack() {
        int best = 0;
        int len = pending.length();
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, len); k > best; k--) {
                if (tailMatches(len - k, s, k)) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }

    private boolean tailMatches(int from, String s, int k) {
        for (int i = 0; i < k; i++) {
            if (pending.charAt(from + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
