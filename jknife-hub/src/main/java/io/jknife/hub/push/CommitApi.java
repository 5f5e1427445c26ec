package io.jknife.hub.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.hub.HubException;
import io.jknife.hub.HubException.Kind;
import io.jknife.hub.api.Urls;
import io.jknife.hub.http.HubHttp;
import io.jknife.hub.http.HubHttp.Call;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The write side of the Hub API, as huggingface_hub's {@code create_commit} speaks it: create a
 * repository or branch, ask {@code preupload} which files go to LFS (and what the Hub already
 * has), upload LFS objects through the LFS batch API (basic PUT or multipart parts + completion,
 * then verify), and send the commit as ndjson (regular files inline, base64; LFS files by oid).
 */
public final class CommitApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PREUPLOAD_BATCH = 256;

    private final HubHttp http;

    public CommitApi(HubHttp http) {
        this.http = http;
    }

    /** {@code POST /api/repos/create}; false when it already existed (409). */
    public boolean createRepo(String repoId, boolean isPrivate) throws HubException {
        ObjectNode body = JSON.createObjectNode();
        int slash = repoId.indexOf('/');
        body.put("name", slash < 0 ? repoId : repoId.substring(slash + 1));
        if (slash >= 0) {
            body.put("organization", repoId.substring(0, slash));
        }
        body.put("type", "model");
        body.put("private", isPrivate);
        if (isPrivate) {
            body.put("visibility", "private");
        }
        try {
            http.postJson(http.url("/api/repos/create"), bytes(body), Map.of(), new Call("create " + repoId, Kind.REPO_NOT_FOUND, true));
            return true;
        } catch (HubException e) {
            if (e.kind() == Kind.CONFLICT) {
                return false;
            }
            throw e;
        }
    }

    /** {@code POST /api/models/REPO/branch/BRANCH} from the default branch. */
    public void createBranch(String repoId, String branch) throws HubException {
        http.postJson(http.url("/api/models/" + repoId + "/branch/" + Urls.segment(branch)), "{}".getBytes(StandardCharsets.UTF_8),
                Map.of(), new Call("create branch " + branch + " of " + repoId, Kind.REPO_NOT_FOUND, true));
    }

    /** The Hub's verdict on one file: {@code lfs} or regular, and the oid it holds at that path (or null). */
    public record Mode(boolean lfs, boolean ignore, String remoteOid) {
    }

    public Map<String, Mode> preupload(String repoId, String branch, List<LocalFile> files) throws IOException {
        Map<String, Mode> out = new HashMap<>();
        for (int i = 0; i < files.size(); i += PREUPLOAD_BATCH) {
            ObjectNode body = JSON.createObjectNode();
            ArrayNode arr = body.putArray("files");
            for (LocalFile f : files.subList(i, Math.min(files.size(), i + PREUPLOAD_BATCH))) {
                arr.addObject().put("path", f.path()).put("sample", Base64.getEncoder().encodeToString(f.sample())).put("size", f.size());
            }
            byte[] resp = http.postJson(http.url("/api/models/" + repoId + "/preupload/" + Urls.segment(branch)), bytes(body),
                    Map.of(), new Call("preupload to " + repoId, Kind.REPO_NOT_FOUND, true));
            for (JsonNode f : read(resp, "preupload").path("files")) {
                String mode = f.path("uploadMode").asText("");
                if (!mode.equals("lfs") && !mode.equals("regular")) {
                    throw new HubException(Kind.PROTOCOL, "preupload: unknown upload mode '" + mode + "'");
                }
                String oid = f.path("oid").isTextual() ? f.path("oid").asText() : null;
                out.put(f.path("path").asText(), new Mode(mode.equals("lfs"), f.path("shouldIgnore").asBoolean(false), oid));
            }
        }
        for (LocalFile f : files) {
            if (!out.containsKey(f.path())) {
                throw new HubException(Kind.PROTOCOL, "preupload: the Hub did not answer for " + f.path());
            }
        }
        return out;
    }

    /** Uploads the LFS objects the Hub does not have yet. */
    public void uploadLfs(String repoId, String branch, List<LocalFile> files) throws IOException {
        if (files.isEmpty()) {
            return;
        }
        Map<String, LocalFile> byOid = new LinkedHashMap<>();
        for (LocalFile f : files) {
            byOid.putIfAbsent(f.sha256(), f);
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("operation", "upload");
        body.putArray("transfers").add("basic").add("multipart");
        ArrayNode objs = body.putArray("objects");
        for (LocalFile f : byOid.values()) {
            objs.addObject().put("oid", f.sha256()).put("size", f.size());
        }
        body.put("hash_algo", "sha256");
        body.putObject("ref").put("name", branch);
        byte[] resp = http.postJson(http.url("/" + repoId + ".git/info/lfs/objects/batch"), bytes(body),
                Map.of("Accept", "application/vnd.git-lfs+json", "Content-Type", "application/vnd.git-lfs+json"),
                new Call("LFS batch for " + repoId, Kind.REPO_NOT_FOUND, true));
        for (JsonNode obj : read(resp, "LFS batch").path("objects")) {
            String oid = obj.path("oid").asText();
            LocalFile f = byOid.get(oid);
            if (f == null) {
                throw new HubException(Kind.PROTOCOL, "LFS batch answered for an object not asked for: " + oid);
            }
            if (obj.has("error")) {
                throw new HubException(Kind.PROTOCOL, "LFS upload of " + f.path() + " refused: "
                        + obj.path("error").path("message").asText("unknown error"));
            }
            JsonNode upload = obj.path("actions").path("upload");
            if (upload.isMissingNode()) {
                continue; // already stored on the Hub
            }
            JsonNode header = upload.path("header");
            if (header.has("chunk_size")) {
                multipart(f, upload);
            } else {
                Map<String, String> h = new HashMap<>();
                header.properties().forEach(e -> h.put(e.getKey(), e.getValue().asText()));
                try (HubHttp.Response r = http.send("PUT", URI.create(upload.path("href").asText()), h,
                        HttpRequest.BodyPublishers.ofFile(f.file()), new Call("upload of " + f.path(), Kind.PROTOCOL, true))) {
                    r.readAll();
                }
            }
            JsonNode verify = obj.path("actions").path("verify");
            if (!verify.isMissingNode()) {
                ObjectNode v = JSON.createObjectNode().put("oid", oid).put("size", f.size());
                http.postJson(URI.create(verify.path("href").asText()), bytes(v), Map.of(),
                        new Call("verify of " + f.path(), Kind.PROTOCOL, true));
            }
        }
    }

    /** huggingface_hub's multipart transfer: numbered part URLs in the header, then a completion POST to href. */
    private void multipart(LocalFile f, JsonNode upload) throws IOException {
        long chunk;
        try {
            chunk = Long.parseLong(upload.path("header").path("chunk_size").asText());
        } catch (NumberFormatException e) {
            throw new HubException(Kind.PROTOCOL, "LFS multipart: chunk_size is not a number");
        }
        TreeMap<Integer, String> urls = new TreeMap<>();
        upload.path("header").properties().forEach(e -> {
            if (e.getKey().chars().allMatch(Character::isDigit) && !e.getKey().isEmpty()) {
                urls.put(Integer.parseInt(e.getKey()), e.getValue().asText());
            }
        });
        if (chunk <= 0 || urls.size() != (f.size() + chunk - 1) / chunk) {
            throw new HubException(Kind.PROTOCOL, "LFS multipart: " + urls.size() + " part URLs for " + f.size() + " bytes");
        }
        List<String> etags = new ArrayList<>();
        int i = 0;
        for (String url : urls.values()) {
            long off = i * chunk;
            long len = Math.min(chunk, f.size() - off);
            HttpRequest.BodyPublisher part = HttpRequest.BodyPublishers.fromPublisher(
                    HttpRequest.BodyPublishers.ofInputStream(() -> slice(f, off, len)), len);
            try (HubHttp.Response r = http.send("PUT", URI.create(url), Map.of(), part,
                    new Call("upload part " + (i + 1) + " of " + f.path(), Kind.PROTOCOL, true))) {
                r.readAll();
                etags.add(r.header("ETag").orElseThrow(() -> new HubException(Kind.PROTOCOL,
                        "LFS multipart: no ETag for a part of " + f.path())));
            }
            i++;
        }
        ObjectNode done = JSON.createObjectNode();
        done.put("oid", f.sha256());
        ArrayNode parts = done.putArray("parts");
        for (int n = 0; n < etags.size(); n++) {
            parts.addObject().put("partNumber", n + 1).put("etag", etags.get(n));
        }
        http.postJson(URI.create(upload.path("href").asText()), bytes(done),
                Map.of("Accept", "application/vnd.git-lfs+json", "Content-Type", "application/vnd.git-lfs+json"),
                new Call("complete upload of " + f.path(), Kind.PROTOCOL, true));
    }

    private static InputStream slice(LocalFile f, long off, long len) {
        try {
            FileChannel ch = FileChannel.open(f.file(), StandardOpenOption.READ);
            ch.position(off);
            InputStream in = Channels.newInputStream(ch);
            return new java.io.FilterInputStream(in) {
                long left = len;

                @Override
                public int read() throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int b = super.read();
                    if (b >= 0) {
                        left--;
                    }
                    return b;
                }

                @Override
                public int read(byte[] b, int o, int l) throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int n = super.read(b, o, (int) Math.min(l, left));
                    if (n > 0) {
                        left -= n;
                    }
                    return n;
                }
            };
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** One change of a commit. */
    public record Operation(LocalFile file, boolean lfs) {
    }

    /** The new commit: its id and web address. */
    public record Commit(String oid, String url) {
    }

    /** {@code POST /api/models/REPO/commit/BRANCH} (ndjson); not retried: a lost answer must not commit twice. */
    public Commit commit(String repoId, String branch, String summary, List<Operation> ops) throws IOException {
        StringBuilder nd = new StringBuilder();
        ObjectNode header = JSON.createObjectNode();
        header.put("key", "header");
        header.putObject("value").put("summary", summary).put("description", "");
        nd.append(JSON.writeValueAsString(header)).append('\n');
        for (Operation op : ops) {
            ObjectNode line = JSON.createObjectNode();
            if (op.lfs()) {
                line.put("key", "lfsFile");
                line.putObject("value").put("path", op.file().path()).put("algo", "sha256").put("oid", op.file().sha256())
                        .put("size", op.file().size());
            } else {
                line.put("key", "file");
                line.putObject("value").put("content", Base64.getEncoder().encodeToString(Files.readAllBytes(op.file().file())))
                        .put("path", op.file().path()).put("encoding", "base64");
            }
            nd.append(JSON.writeValueAsString(line)).append('\n');
        }
        byte[] resp;
        try (HubHttp.Response r = http.send("POST", http.url("/api/models/" + repoId + "/commit/" + Urls.segment(branch)),
                Map.of("Content-Type", "application/x-ndjson"),
                HttpRequest.BodyPublishers.ofByteArray(nd.toString().getBytes(StandardCharsets.UTF_8)),
                new Call("commit to " + repoId, Kind.REPO_NOT_FOUND, false))) {
            resp = r.readAll();
        }
        JsonNode c = read(resp, "commit");
        String oid = c.path("commitOid").asText("");
        if (oid.isEmpty()) {
            throw new HubException(Kind.PROTOCOL, "commit: the Hub's answer has no commitOid");
        }
        return new Commit(oid, c.path("commitUrl").asText(http.config().endpoint() + "/" + repoId + "/commit/" + oid));
    }

    private static byte[] bytes(JsonNode n) throws HubException {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new HubException(Kind.PROTOCOL, 0, "cannot encode a request", e);
        }
    }

    private static JsonNode read(byte[] body, String what) throws HubException {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new HubException(Kind.PROTOCOL, 0, what + ": the Hub's answer is not JSON", e);
        }
    }
}
