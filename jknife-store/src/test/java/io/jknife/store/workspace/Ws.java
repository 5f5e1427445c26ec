package io.jknife.store.workspace;

import io.jknife.store.json.PyJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/** Test fixtures: small workspaces on disk. */
final class Ws {

    static final String TENSOR_HEADER = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    private Ws() {
    }

    /** A minimal model workspace: config.json, tokenizer.json, a one-tensor safetensors file. */
    static Path model(Path dir) {
        write(dir, "config.json", "{\"model_type\": \"llama\"}");
        write(dir, "tokenizer.json", "{\"version\": \"1.0\"}");
        write(dir, "tokenizer_config.json", "{}");
        write(dir, "model.safetensors", safetensors(TENSOR_HEADER, new byte[8]));
        return dir;
    }

    /** A managed sentinel (clone-shaped) without hash fields. */
    static Path managed(Path dir) {
        try {
            WorkspaceSentinel.write(dir, WorkspaceSentinel.create("0.1.0", "clone", "org/model", null));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A managed model workspace with a v2 hash; returns the hash. */
    static String managedWithHash(Path dir) {
        model(dir);
        managed(dir);
        return ContentHash.recalc(dir).orElseThrow();
    }

    static Path write(Path root, String rel, String content) {
        return write(root, rel, content.getBytes(StandardCharsets.UTF_8));
    }

    static Path write(Path root, String rel, byte[] content) {
        try {
            Path p = root.resolve(rel);
            Files.createDirectories(p.getParent());
            Files.write(p, content);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] safetensors(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return safetensors(h.length, h, data);
    }

    static byte[] safetensors(long declaredLength, byte[] header, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header).put(data);
        return b.array();
    }

    static String sha(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                md.update(p);
            }
            return "sha256:" + HexFormat.of().formatHex(md.digest());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha(String s) {
        return sha(s.getBytes(StandardCharsets.UTF_8));
    }

    static ObjectNode sentinelJson(Path dir) {
        return WorkspaceSentinel.read(dir).orElseThrow().json();
    }

    static ObjectNode readJson(Path file) {
        try {
            return (ObjectNode) PyJson.MAPPER.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces the sentinel's object (in the file it was read from), bypassing validation. */
    static void putSentinel(Path dir, ObjectNode json) {
        Path file = WorkspaceSentinel.locate(dir).orElse(dir.resolve(WorkspaceSentinel.FILE_NAME));
        try {
            Files.writeString(file, WorkspaceSentinel.toText(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode indexEntry(ObjectNode sentinel, String path) {
        for (JsonNode e : sentinel.get("file_index")) {
            if (e.get("path").asText().equals(path)) {
                return e;
            }
        }
        return null;
    }

    static void touch(Path p, long plusSeconds) {
        try {
            long now = Files.getLastModifiedTime(p).to(TimeUnit.NANOSECONDS);
            Files.setLastModifiedTime(p, FileTime.from(now + plusSeconds * 1_000_000_000L + 123, TimeUnit.NANOSECONDS));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean mkfifo(Path p) {
        try {
            Process proc = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
            return proc.waitFor() == 0 && Files.exists(p);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static boolean utf8FileNames() {
        return "UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding"));
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
