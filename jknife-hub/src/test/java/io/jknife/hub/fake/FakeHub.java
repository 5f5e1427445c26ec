package io.jknife.hub.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face Hub on 127.0.0.1 for tests: the endpoints huggingface_hub and jknife use, with the
 * real Hub's headers and error codes, plus faults on demand.
 *
 * <ul>
 *   <li>{@code GET /api/models/REPO/revision/REV[?blobs=true]} — commit id and file list (sizes, blob ids, LFS info)</li>
 *   <li>{@code GET|HEAD /REPO/resolve/REV/PATH} — regular files directly ({@code ETag} = git blob id), LFS files as a
 *       302 to {@code /cdn/<sha256>} with {@code X-Linked-Etag}, {@code X-Linked-Size}; {@code X-Repo-Commit} on both;
 *       {@code Range} supported</li>
 *   <li>{@code POST /api/repos/create}, {@code POST /api/models/REPO/branch/B}</li>
 *   <li>{@code POST /api/models/REPO/preupload/REV}, {@code POST /REPO.git/info/lfs/objects/batch} (basic and
 *       multipart transfers), {@code PUT} uploads, verify, {@code POST /api/models/REPO/commit/REV} (ndjson)</li>
 * </ul>
 * Private and gated repositories need {@code Authorization: Bearer TOKEN} ({@link #token}); so do writes.
 */
public final class FakeHub implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RESOLVE = Pattern.compile("^/(.+?)/resolve/([^/]+)/(.+)$");
    private static final Pattern API_MODEL = Pattern.compile("^/api/models/(.+?)/(revision|preupload|commit|branch)/(.+)$");
    private static final Pattern LFS_BATCH = Pattern.compile("^/(.+?)\\.git/info/lfs/objects/batch$");

    private final HttpServer server;
    private final Map<String, FakeRepo> repos = new ConcurrentHashMap<>();
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final Map<String, Content> lfsObjects = new ConcurrentHashMap<>();
    private final Map<String, Map<Integer, byte[]>> parts = new ConcurrentHashMap<>();
    private volatile String token = "hf_test_token";
    private volatile long multipartThreshold = Long.MAX_VALUE;
    private volatile int multipartChunk = 1 << 20;
    private volatile boolean listBlobs = true;

    private FakeHub(HttpServer server) {
        this.server = server;
    }

    public static FakeHub start() throws IOException {
        return start(0);
    }

    public static FakeHub start(int port) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        FakeHub hub = new FakeHub(s);
        s.createContext("/", hub::handle);
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s.start();
        return hub;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The token private repositories and writes need. */
    public String token() {
        return token;
    }

    public FakeHub token(String t) {
        token = t;
        return this;
    }

    /** LFS uploads of more than {@code threshold} bytes use the multipart transfer with {@code chunk}-byte parts. */
    public FakeHub multipart(long threshold, int chunk) {
        multipartThreshold = threshold;
        multipartChunk = chunk;
        return this;
    }

    /** Whether the revision listing honours {@code ?blobs=true} (some mirrors do not: clients then HEAD each file). */
    public FakeHub listBlobs(boolean on) {
        listBlobs = on;
        return this;
    }

    /** The repository {@code id}, created empty (no commits) if new. */
    public FakeRepo repo(String id) {
        return repos.computeIfAbsent(id, FakeRepo::new);
    }

    public FakeRepo existing(String id) {
        return repos.get(id);
    }

    /** The next {@code times} requests matching {@code "METHOD /path"} (a regex) get {@code action}. */
    public Fault fault(String pattern, int times, Fault.Action action) {
        Fault f = new Fault(pattern, action, times);
        faults.add(f);
        return f;
    }

    public void clearFaults() {
        faults.clear();
    }

    /** "METHOD /path" of every request so far (path without the query). */
    public List<String> requests() {
        return List.copyOf(log);
    }

    public void clearRequests() {
        log.clear();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    // ---------------------------------------------------------------- dispatch

    private void handle(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getRawPath();
        String key = method + " " + path;
        log.add(key);
        try (ex) {
            Fault.Action fault = takeFault(key);
            if (fault instanceof Fault.Status s) {
                s.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
                error(ex, s.status(), s.headers().getOrDefault("X-Error-Code", ""), "injected failure");
                return;
            }
            Matcher m;
            if (path.startsWith("/cdn/")) {
                Content c = lfsObjectForCdn(path.substring(5));
                if (c == null) {
                    error(ex, 404, "", "no such object");
                } else {
                    serve(ex, c, fault, null);
                }
            } else if ((m = API_MODEL.matcher(path)).matches()) {
                apiModel(ex, m.group(1), m.group(2), decode(m.group(3)));
            } else if (path.equals("/api/repos/create") && method.equals("POST")) {
                createRepo(ex);
            } else if ((m = LFS_BATCH.matcher(path)).matches() && method.equals("POST")) {
                lfsBatch(ex, m.group(1));
            } else if (path.startsWith("/lfs-upload/") && method.equals("PUT")) {
                lfsUpload(ex, path.substring("/lfs-upload/".length()));
            } else if (path.startsWith("/lfs-part/") && method.equals("PUT")) {
                lfsPart(ex, path.substring("/lfs-part/".length()));
            } else if (path.startsWith("/lfs-complete/") && method.equals("POST")) {
                lfsComplete(ex, path.substring("/lfs-complete/".length()));
            } else if (path.startsWith("/lfs-verify/") && method.equals("POST")) {
                ex.getRequestBody().readAllBytes();
                respondJson(ex, lfsObjects.containsKey(path.substring("/lfs-verify/".length())) ? 200 : 404, JSON.createObjectNode());
            } else if ((m = RESOLVE.matcher(path)).matches() && (method.equals("GET") || method.equals("HEAD"))) {
                resolve(ex, m.group(1), decode(m.group(2)), decodePath(m.group(3)), fault);
            } else {
                error(ex, 404, "", "no route for " + key);
            }
        } catch (RuntimeException e) {
            error(ex, 500, "", String.valueOf(e));
        }
    }

    private Fault.Action takeFault(String key) {
        for (Fault f : faults) {
            if (f.take(key)) {
                return f.action;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- read side

    private FakeRepo readable(HttpExchange ex, String repoId) throws IOException {
        FakeRepo r = repos.get(repoId);
        if (r == null || (r.isPrivate() && !authorized(ex))) {
            // the Hub hides private repositories from strangers: same answer as for a missing one
            ex.getResponseHeaders().add("X-Error-Code", "RepoNotFound");
            error(ex, authorized(ex) ? 404 : 401, "RepoNotFound", "Repository Not Found for url: " + ex.getRequestURI());
            return null;
        }
        return r;
    }

    private void apiModel(HttpExchange ex, String repoId, String op, String rev) throws IOException {
        switch (op) {
            case "revision" -> revisionInfo(ex, repoId, rev);
            case "preupload" -> preupload(ex, repoId, rev);
            case "commit" -> commit(ex, repoId, rev);
            case "branch" -> createBranch(ex, repoId, rev);
            default -> error(ex, 404, "", "unknown");
        }
    }

    private void revisionInfo(HttpExchange ex, String repoId, String rev) throws IOException {
        FakeRepo r = readable(ex, repoId);
        if (r == null) {
            return;
        }
        String commit = r.resolve(rev);
        if (commit == null) {
            ex.getResponseHeaders().add("X-Error-Code", "RevisionNotFound");
            error(ex, 404, "RevisionNotFound", "Invalid rev id: " + rev);
            return;
        }
        boolean blobs = listBlobs && String.valueOf(ex.getRequestURI().getRawQuery()).contains("blobs=true");
        ObjectNode o = JSON.createObjectNode();
        o.put("_id", FakeRepo.sha1(repoId).substring(0, 24));
        o.put("id", repoId);
        o.put("private", r.isPrivate());
        if (r.gated()) {
            o.put("gated", "manual");
        } else {
            o.put("gated", false);
        }
        o.put("sha", commit);
        ArrayNode siblings = o.putArray("siblings");
        r.files(commit).forEach((p, c) -> {
            ObjectNode s = siblings.addObject();
            s.put("rfilename", p);
            if (blobs) {
                s.put("blobId", c.blobId());
                s.put("size", r.announcedSize(p, c));
                if (c.lfs()) {
                    ObjectNode lfs = s.putObject("lfs");
                    lfs.put("sha256", r.announcedEtag(p, c));
                    lfs.put("size", r.announcedSize(p, c));
                    lfs.put("pointerSize", c.pointer().length());
                }
            }
        });
        respondJson(ex, 200, o);
    }

    private void resolve(HttpExchange ex, String repoId, String rev, String path, Fault.Action fault) throws IOException {
        FakeRepo r = readable(ex, repoId);
        if (r == null) {
            return;
        }
        if (r.gated() && !authorized(ex)) {
            ex.getResponseHeaders().add("X-Error-Code", "GatedRepo");
            error(ex, 403, "GatedRepo", "Access to model " + repoId + " is restricted. You must have access to it and be authenticated to access it.");
            return;
        }
        String commit = r.resolve(rev);
        if (commit == null) {
            ex.getResponseHeaders().add("X-Error-Code", "RevisionNotFound");
            error(ex, 404, "RevisionNotFound", "Invalid rev id: " + rev);
            return;
        }
        Content c = r.files(commit).get(path);
        if (c == null) {
            ex.getResponseHeaders().add("X-Error-Code", "EntryNotFound");
            error(ex, 404, "EntryNotFound", path + " does not exist on \"" + rev + "\"");
            return;
        }
        String etag = fault instanceof Fault.WrongEtag ? "0".repeat(c.etag().length()) : r.announcedEtag(path, c);
        ex.getResponseHeaders().add("X-Repo-Commit", commit);
        if (c.lfs()) {
            ex.getResponseHeaders().add("X-Linked-Etag", "\"" + etag + "\"");
            ex.getResponseHeaders().add("X-Linked-Size", Long.toString(c.size()));
            ex.getResponseHeaders().add("ETag", "\"" + c.blobId() + "\"");
            ex.getResponseHeaders().add("Location", "/cdn/" + c.sha256() + "?X-Amz-Signature=fake");
            lfsObjects.putIfAbsent(c.sha256(), c);
            ex.sendResponseHeaders(302, -1);
            return;
        }
        ex.getResponseHeaders().add("ETag", "\"" + etag + "\"");
        serve(ex, c, fault, etag);
    }

    private Content lfsObjectForCdn(String sha) {
        return lfsObjects.get(sha);
    }

    /** Sends a file's bytes with Range support, applying a body fault. */
    private void serve(HttpExchange ex, Content c, Fault.Action fault, String etag) throws IOException {
        long size = c.size();
        long from = 0;
        String range = ex.getRequestHeaders().getFirst("Range");
        boolean partial = false;
        if (range != null && !(fault instanceof Fault.IgnoreRange)) {
            Matcher m = Pattern.compile("bytes=(\\d+)-(\\d*)").matcher(range);
            if (m.matches()) {
                from = Long.parseLong(m.group(1));
                if (from >= size && size > 0) {
                    ex.getResponseHeaders().add("Content-Range", "bytes */" + size);
                    ex.sendResponseHeaders(416, -1);
                    return;
                }
                partial = true;
            }
        }
        long length = size - from;
        ex.getResponseHeaders().add("Accept-Ranges", "bytes");
        if (partial) {
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (size - 1) + "/" + size);
        }
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().add("Content-Length", Long.toString(length));
            ex.sendResponseHeaders(200, -1);
            return;
        }
        ex.sendResponseHeaders(partial ? 206 : 200, length == 0 ? -1 : length);
        long limit = fault instanceof Fault.DropAfter d ? d.bytes() : fault instanceof Fault.Stall s ? s.bytes() : Long.MAX_VALUE;
        OutputStream out = ex.getResponseBody();
        try (InputStream in = c.open(from)) {
            byte[] buf = new byte[1 << 20];
            long sent = 0;
            int n;
            while ((n = in.read(buf, 0, (int) Math.min(buf.length, Math.max(0, limit - sent)))) > 0) {
                out.write(buf, 0, n);
                sent += n;
            }
            if (sent < length) {
                out.flush();
                if (fault instanceof Fault.Stall s) {
                    sleep(s.millis());
                }
                // end the exchange early: the client sees the connection drop mid-body
                throw new IOException("fault: connection dropped after " + sent + " bytes");
            }
        }
    }

    // ---------------------------------------------------------------- write side

    private boolean authorized(HttpExchange ex) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        return auth != null && auth.equals("Bearer " + token);
    }

    private boolean requireAuth(HttpExchange ex) throws IOException {
        if (!authorized(ex)) {
            error(ex, 401, "", "Invalid credentials in Authorization header");
            return false;
        }
        return true;
    }

    private void createRepo(HttpExchange ex) throws IOException {
        JsonNode body = JSON.readTree(ex.getRequestBody());
        if (!requireAuth(ex)) {
            return;
        }
        String name = body.path("name").asText();
        String org = body.path("organization").isTextual() ? body.path("organization").asText() : "user";
        String id = org + "/" + name;
        if (repos.containsKey(id) && !repos.get(id).branches().isEmpty()) {
            error(ex, 409, "", "You already created this model repo");
            return;
        }
        FakeRepo r = repo(id);
        if (body.path("private").asBoolean(false) || "private".equals(body.path("visibility").asText())) {
            r.makePrivate();
        }
        r.commit("main", Map.of(".gitattributes", Content.text("*.safetensors filter=lfs diff=lfs merge=lfs -text\n")));
        ObjectNode o = JSON.createObjectNode();
        o.put("url", endpoint() + "/" + id);
        o.put("name", id);
        respondJson(ex, 200, o);
    }

    private void createBranch(HttpExchange ex, String repoId, String branch) throws IOException {
        ex.getRequestBody().readAllBytes();
        if (!requireAuth(ex)) {
            return;
        }
        FakeRepo r = repos.get(repoId);
        if (r == null) {
            error(ex, 404, "RepoNotFound", "Repository not found");
            return;
        }
        if (r.branches().containsKey(branch)) {
            error(ex, 409, "", "Reference already exists");
            return;
        }
        String main = r.resolve("main");
        r.commit(branch, main == null ? Map.of() : r.files(main));
        respondJson(ex, 200, JSON.createObjectNode());
    }

    private void preupload(HttpExchange ex, String repoId, String rev) throws IOException {
        JsonNode body = JSON.readTree(ex.getRequestBody());
        if (!requireAuth(ex)) {
            return;
        }
        FakeRepo r = repos.get(repoId);
        if (r == null) {
            error(ex, 404, "RepoNotFound", "Repository not found");
            return;
        }
        String commit = r.resolve(rev);
        Map<String, Content> current = commit == null ? Map.of() : r.files(commit);
        ObjectNode o = JSON.createObjectNode();
        ArrayNode files = o.putArray("files");
        for (JsonNode f : body.path("files")) {
            String p = f.path("path").asText();
            long size = f.path("size").asLong();
            byte[] sample = Base64.getDecoder().decode(f.path("sample").asText(""));
            boolean lfs = size > 0 && (Content.lfsByDefault(p, size) || looksBinary(sample));
            ObjectNode e = files.addObject();
            e.put("path", p);
            e.put("uploadMode", lfs ? "lfs" : "regular");
            e.put("shouldIgnore", false);
            Content existing = current.get(p);
            if (existing == null) {
                e.putNull("oid");
            } else {
                e.put("oid", existing.lfs() ? existing.sha256() : existing.gitSha1());
            }
        }
        respondJson(ex, 200, o);
    }

    private static boolean looksBinary(byte[] sample) {
        for (byte b : sample) {
            if (b == 0) {
                return true;
            }
        }
        return false;
    }

    private void lfsBatch(HttpExchange ex, String repoId) throws IOException {
        JsonNode body = JSON.readTree(ex.getRequestBody());
        if (!requireAuth(ex)) {
            return;
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("transfer", "basic");
        ArrayNode objects = o.putArray("objects");
        for (JsonNode obj : body.path("objects")) {
            String oid = obj.path("oid").asText();
            long size = obj.path("size").asLong();
            ObjectNode e = objects.addObject();
            e.put("oid", oid);
            e.put("size", size);
            e.put("authenticated", true);
            if (lfsObjects.containsKey(oid)) {
                continue; // already stored: no actions, nothing to upload
            }
            ObjectNode actions = e.putObject("actions");
            ObjectNode upload = actions.putObject("upload");
            if (size > multipartThreshold) {
                upload.put("href", endpoint() + "/lfs-complete/" + oid);
                ObjectNode header = upload.putObject("header");
                header.put("chunk_size", Integer.toString(multipartChunk));
                long n = (size + multipartChunk - 1) / multipartChunk;
                for (int i = 1; i <= n; i++) {
                    header.put(String.format("%05d", i), endpoint() + "/lfs-part/" + oid + "/" + i);
                }
            } else {
                upload.put("href", endpoint() + "/lfs-upload/" + oid);
            }
            actions.putObject("verify").put("href", endpoint() + "/lfs-verify/" + oid);
        }
        respondJson(ex, 200, o);
    }

    private void lfsUpload(HttpExchange ex, String oid) throws IOException {
        byte[] data = ex.getRequestBody().readAllBytes();
        Content c = Content.of(data, true);
        if (!c.sha256().equals(oid)) {
            error(ex, 400, "", "sha256 mismatch");
            return;
        }
        lfsObjects.put(oid, c);
        ex.sendResponseHeaders(200, -1);
    }

    private void lfsPart(HttpExchange ex, String rest) throws IOException {
        String[] p = rest.split("/");
        byte[] data = ex.getRequestBody().readAllBytes();
        parts.computeIfAbsent(p[0], k -> new ConcurrentHashMap<>()).put(Integer.parseInt(p[1]), data);
        ex.getResponseHeaders().add("ETag", "\"part-" + p[1] + "-" + Content.hex("MD5", data) + "\"");
        ex.sendResponseHeaders(200, -1);
    }

    private void lfsComplete(HttpExchange ex, String oid) throws IOException {
        JsonNode body = JSON.readTree(ex.getRequestBody());
        Map<Integer, byte[]> got = new TreeMap<>(parts.getOrDefault(oid, Map.of()));
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        int expected = 1;
        for (JsonNode part : body.path("parts")) {
            int n = part.path("partNumber").asInt();
            byte[] data = got.get(n);
            if (n != expected++ || data == null || !part.path("etag").asText().startsWith("\"part-" + n + "-")) {
                error(ex, 400, "", "bad part list");
                return;
            }
            all.writeBytes(data);
        }
        Content c = Content.of(all.toByteArray(), true);
        if (!c.sha256().equals(oid) || !body.path("oid").asText().equals(oid)) {
            error(ex, 400, "", "sha256 mismatch");
            return;
        }
        lfsObjects.put(oid, c);
        respondJson(ex, 200, JSON.createObjectNode());
    }

    private void commit(HttpExchange ex, String repoId, String rev) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        if (!requireAuth(ex)) {
            return;
        }
        if (!"application/x-ndjson".equals(ex.getRequestHeaders().getFirst("Content-Type"))) {
            error(ex, 400, "", "expected application/x-ndjson");
            return;
        }
        FakeRepo r = repos.get(repoId);
        if (r == null) {
            error(ex, 404, "RepoNotFound", "Repository not found");
            return;
        }
        String parent = r.resolve(rev);
        if (parent == null) {
            ex.getResponseHeaders().add("X-Error-Code", "RevisionNotFound");
            error(ex, 404, "RevisionNotFound", "Invalid rev id: " + rev);
            return;
        }
        Map<String, Content> files = new LinkedHashMap<>(r.files(parent));
        boolean header = false;
        for (String line : new String(body, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode item = JSON.readTree(line);
            JsonNode v = item.path("value");
            switch (item.path("key").asText()) {
                case "header" -> header = v.path("summary").isTextual();
                case "file" -> files.put(v.path("path").asText(),
                        Content.of(Base64.getDecoder().decode(v.path("content").asText()), false));
                case "lfsFile" -> {
                    Content c = lfsObjects.get(v.path("oid").asText());
                    if (c == null) {
                        error(ex, 422, "", "LFS object " + v.path("oid").asText() + " was not uploaded");
                        return;
                    }
                    files.put(v.path("path").asText(), c);
                }
                case "deletedFile" -> files.remove(v.path("path").asText());
                default -> {
                    error(ex, 400, "", "unknown key " + item.path("key").asText());
                    return;
                }
            }
        }
        if (!header) {
            error(ex, 400, "", "missing header line");
            return;
        }
        String sha = r.commit(rev, files);
        ObjectNode o = JSON.createObjectNode();
        o.put("success", true);
        o.put("commitOid", sha);
        o.put("commitUrl", endpoint() + "/" + repoId + "/commit/" + sha);
        respondJson(ex, 200, o);
    }

    // ---------------------------------------------------------------- helpers

    private static void respondJson(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
        if (!code.isEmpty() && ex.getResponseHeaders().getFirst("X-Error-Code") == null) {
            ex.getResponseHeaders().add("X-Error-Code", code);
        }
        ex.getResponseHeaders().add("X-Error-Message", message);
        ObjectNode o = JSON.createObjectNode();
        o.put("error", message);
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        respondJson(ex, status, o);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String decodePath(String p) {
        List<String> parts = new ArrayList<>();
        for (String seg : p.split("/", -1)) {
            parts.add(decode(seg));
        }
        return String.join("/", parts);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Serves files from a directory as repository {@code org/bench} until killed (the pull benchmark). */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        String repoId = args.length > 2 ? args[2] : "bench/model";
        FakeHub hub = start(port);
        Map<String, Content> files = new TreeMap<>();
        try (var walk = java.nio.file.Files.walk(dir)) {
            for (Path f : walk.filter(java.nio.file.Files::isRegularFile).toList()) {
                String rel = dir.relativize(f).toString();
                files.put(rel, Content.file(f, Content.lfsByDefault(rel, java.nio.file.Files.size(f))));
            }
        }
        String commit = hub.repo(repoId).commit("main", files);
        for (Map.Entry<String, Content> e : files.entrySet()) {
            if (e.getValue().lfs()) {
                hub.lfsObjects.put(e.getValue().sha256(), e.getValue());
            }
        }
        System.out.println(hub.endpoint() + " " + repoId + " " + commit);
        System.out.flush();
        Thread.currentThread().join();
    }
}
