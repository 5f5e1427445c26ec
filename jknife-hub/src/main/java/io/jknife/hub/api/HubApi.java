package io.jknife.hub.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jknife.hub.HubException;
import io.jknife.hub.HubException.Kind;
import io.jknife.hub.http.BodySink;
import io.jknife.hub.http.HubHttp;
import io.jknife.hub.http.RawGet;
import io.jknife.hub.http.HubHttp.Call;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The read side of the Hub API that pull and clone use: repository info with its file list
 * ({@code GET /api/models/REPO/revision/REV?blobs=true}), file metadata
 * ({@code HEAD /REPO/resolve/COMMIT/PATH}) and file downloads ({@code GET}, with {@code Range}).
 */
public final class HubApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    private final HubHttp http;
    private final RawGet raw;

    public HubApi(HubHttp http) {
        this.http = http;
        this.raw = new RawGet(http.config(), http.userAgent(), http.sleeper(), (int) http.config().stallTimeout().toMillis());
    }

    public HubHttp http() {
        return http;
    }

    /** The commit {@code revision} points to and its files (sizes, blob ids, LFS hashes). */
    public RepoInfo repoInfo(String repoId, String revision) throws HubException {
        String what = "repository info for " + repoId + "@" + revision;
        java.net.URI url = http.url("/api/models/" + repoId + "/revision/" + Urls.segment(revision) + "?blobs=true");
        Call call = new Call(what, Kind.REPO_NOT_FOUND, true);
        byte[] body = raw(url) ? raw.getBytes(url, Map.of(), call) : http.getBytes(url, call);
        return parseRepoInfo(repoId, body, what);
    }

    static RepoInfo parseRepoInfo(String repoId, byte[] body, String what) throws HubException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new HubException(Kind.PROTOCOL, 0, what + ": the Hub's answer is not JSON", e);
        }
        String sha = root.path("sha").asText("");
        if (!COMMIT.matcher(sha).matches()) {
            throw new HubException(Kind.PROTOCOL, what + ": the Hub's answer has no commit id");
        }
        List<RepoFile> files = new ArrayList<>();
        for (JsonNode s : root.path("siblings")) {
            String path = s.path("rfilename").asText("");
            if (!safeRelative(path)) {
                throw new HubException(Kind.PROTOCOL, what + ": unsafe file name in the listing: " + path);
            }
            JsonNode lfs = s.path("lfs");
            String lfsSha = lfs.isObject() ? text(lfs, "sha256") : null;
            long size = s.path("size").isIntegralNumber() ? s.path("size").asLong()
                    : lfs.path("size").isIntegralNumber() ? lfs.path("size").asLong() : -1;
            files.add(new RepoFile(path, size, text(s, "blobId"), lfsSha));
        }
        files.sort(Comparator.comparing(RepoFile::path));
        String id = root.path("id").asText(repoId);
        boolean gated = root.path("gated").isTextual() || root.path("gated").asBoolean(false);
        return new RepoInfo(id.isBlank() ? repoId : id, sha, files, root.path("private").asBoolean(false), gated);
    }

    /** {@code HEAD} of a file: its etag and size, for listings that lack blob ids. */
    public FileMeta fileMeta(String repoId, String commit, String path) throws HubException {
        java.net.URI url = resolveUrl(repoId, commit, path);
        Call call = new Call(path + " of " + repoId, Kind.ENTRY_NOT_FOUND, true);
        if (raw(url)) {
            HubHttp.Streamed s = raw.head(url, Map.of("Accept-Encoding", "identity"), call);
            return meta(s.hubHeaders(), s.headers(), s.status(), path);
        }
        try (HubHttp.Response r = http.send("HEAD", url, Map.of("Accept-Encoding", "identity"),
                HttpRequest.BodyPublishers.noBody(), call)) {
            return meta(r, path);
        }
    }

    /** Whether {@code url} goes over jknife's own connection (configured so, and no proxy). */
    private boolean raw(java.net.URI url) {
        return http.config().rawDownloads() && RawGet.direct(url);
    }

    private static FileMeta meta(java.net.http.HttpHeaders hub, java.net.http.HttpHeaders last, int status, String path)
            throws HubException {
        String etag = etag(hub);
        if (etag == null) {
            throw new HubException(Kind.PROTOCOL, "the Hub sent no ETag for " + path);
        }
        long size = hub.firstValue("X-Linked-Size").map(HubApi::parseLong)
                .orElseGet(() -> status == 200 ? last.firstValue("Content-Length").map(HubApi::parseLong).orElse(-1L) : -1L);
        return new FileMeta(etag, size, hub.firstValue("X-Repo-Commit").orElse(null));
    }

    /**
     * Streams a file from byte {@code from} into {@code sink} (a {@code Range} request when > 0),
     * over jknife's own HTTP/1.1 connection unless a proxy is configured or
     * {@code JKNIFE_HUB_HTTP=client}; a connection that breaks mid-body is reported in the result,
     * not thrown.
     */
    public HubHttp.Streamed stream(String repoId, String commit, String path, long from, BodySink sink) throws HubException {
        Map<String, String> headers = from > 0
                ? Map.of("Range", "bytes=" + from + "-", "Accept-Encoding", "identity")
                : Map.of("Accept-Encoding", "identity");
        java.net.URI url = resolveUrl(repoId, commit, path);
        Call call = new Call(path + " of " + repoId, Kind.ENTRY_NOT_FOUND, true);
        if (raw(url)) {
            return raw.get(url, headers, call, sink);
        }
        return http.stream(url, headers, call, sink);
    }

    /** The etag a response announces: {@code X-Linked-Etag} of the Hub's headers, else their {@code ETag}. */
    public static String etag(java.net.http.HttpHeaders hubHeaders) {
        return FileMeta.normalizeEtag(hubHeaders.firstValue("X-Linked-Etag").or(() -> hubHeaders.firstValue("ETag")).orElse(null));
    }

    /** Etag ({@code X-Linked-Etag}, else {@code ETag}), size ({@code X-Linked-Size}, else the length) and commit of a response. */
    public static FileMeta meta(HubHttp.Response r, String path) throws HubException {
        return meta(r.hubHeaders(), r.headers(), r.status(), path);
    }

    public java.net.URI resolveUrl(String repoId, String commit, String path) {
        return http.url("/" + repoId + "/resolve/" + Urls.segment(commit) + "/" + Urls.path(path));
    }

    private static Long parseLong(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return -1L;
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isTextual() && !v.asText().isBlank() ? v.asText() : null;
    }

    /** A listing path that stays inside the snapshot: relative, no {@code ..}, no backslashes. */
    static boolean safeRelative(String p) {
        if (p.isEmpty() || p.startsWith("/") || p.indexOf('\\') >= 0 || p.indexOf('\0') >= 0) {
            return false;
        }
        for (String part : p.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                return false;
            }
        }
        return true;
    }
}
