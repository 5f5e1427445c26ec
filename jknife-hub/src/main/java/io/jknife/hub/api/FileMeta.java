package io.jknife.hub.api;

/**
 * What the Hub's headers say about one file: its etag (the blob name in the cache), its size and
 * the commit it was resolved at.
 *
 * @param etag   normalized etag (no {@code W/} prefix, no quotes)
 * @param size   bytes, or -1 when not announced
 * @param commit {@code X-Repo-Commit}, or null
 */
public record FileMeta(String etag, long size, String commit) {

    /** huggingface_hub's {@code _normalize_etag}: drops a weak {@code W/} prefix and the quotes. */
    public static String normalizeEtag(String etag) {
        if (etag == null) {
            return null;
        }
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e.isEmpty() ? null : e;
    }
}
