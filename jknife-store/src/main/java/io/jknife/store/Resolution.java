package io.jknife.store;

import java.util.List;

/** The outcome of resolving a model reference. */
public sealed interface Resolution {
    /** The reference names these entries: one model, or every model of a repository or workspace. */
    record Found(ModelRef ref, List<ModelEntry> entries) implements Resolution {
        /** The single model, or null when the repository holds several and no variant was given. */
        public ModelEntry single() {
            return entries.size() == 1 ? entries.getFirst() : null;
        }
    }

    /** Several repositories, workspaces or variants match; their names, sorted. */
    record Ambiguous(ModelRef ref, List<String> matches) implements Resolution {
    }

    /** Nothing matches; {@code detail} says what was looked for. */
    record NotFound(ModelRef ref, String detail) implements Resolution {
    }
}
