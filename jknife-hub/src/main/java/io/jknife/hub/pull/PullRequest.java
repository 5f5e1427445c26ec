package io.jknife.hub.pull;

import java.util.List;
import java.util.Objects;

/**
 * What to pull.
 *
 * @param repoId   {@code org/name}
 * @param revision branch, tag or commit; null means {@code main}
 * @param variant  one model file of a GGUF / whisper.cpp repository, or null for every file
 * @param includes globs a file must match one of (empty: all)
 * @param excludes globs that drop a file
 */
public record PullRequest(String repoId, String revision, String variant, List<String> includes, List<String> excludes) {
    public static final String DEFAULT_REVISION = "main";

    public PullRequest {
        Objects.requireNonNull(repoId);
        includes = List.copyOf(includes);
        excludes = List.copyOf(excludes);
    }

    public static PullRequest of(String repoId, String revision, String variant) {
        return new PullRequest(repoId, revision, variant, List.of(), List.of());
    }

    public String revisionOrDefault() {
        return revision == null ? DEFAULT_REVISION : revision;
    }
}
