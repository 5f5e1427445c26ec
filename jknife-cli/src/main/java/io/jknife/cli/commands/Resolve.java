package io.jknife.cli.commands;

import io.jknife.cli.CommandFailure;
import io.jknife.store.ModelEntry;
import io.jknife.store.ModelRef;
import io.jknife.store.ModelStore;
import io.jknife.store.Resolution;

import java.util.List;
import java.util.Map;

/** Reference resolution as commands need it, with the contract's error types. */
final class Resolve {
    private Resolve() {
    }

    static ModelRef parse(String spec) {
        try {
            return ModelRef.parse(spec);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("ValidationError", e.getMessage());
        }
    }

    /** Exactly one model, or a failure: not found, ambiguous, or a repository holding several variants. */
    static ModelEntry one(ModelStore store, String spec) {
        Resolution r = store.resolve(parse(spec));
        return switch (r) {
            case Resolution.NotFound nf -> throw new CommandFailure("model_not_found", nf.detail());
            case Resolution.Ambiguous a -> throw ambiguous(spec, a.matches());
            case Resolution.Found f -> {
                if (f.single() == null) {
                    throw ambiguous(spec, f.entries().stream().map(ModelEntry::name).toList());
                }
                yield f.single();
            }
        };
    }

    static CommandFailure ambiguous(String spec, List<String> matches) {
        return new CommandFailure("ambiguous_match", "Multiple models match '" + spec + "': " + String.join(", ", matches),
                null, Map.of("matches", matches));
    }
}
