package io.jknife.formats.safetensors;

import io.jknife.formats.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsIndexTest {
    @TempDir
    Path dir;

    private Path index(String json) throws IOException {
        Path f = Files.createTempFile(dir, "model.safetensors.index", ".json");
        Files.writeString(f, json);
        return f;
    }

    @Test
    void parsesWeightMapAndTotalSize() throws IOException {
        SafetensorsIndex idx = SafetensorsIndex.read(index("""
                {"metadata": {"total_size": 123456, "format": "pt"},
                 "weight_map": {
                   "model.layers.1.mlp.up_proj.weight": "model-00002-of-00002.safetensors",
                   "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
                   "lm_head.weight": "model-00002-of-00002.safetensors"}}
                """));
        assertEquals(OptionalLong.of(123456), idx.totalSize());
        assertEquals(List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"), idx.shardFiles());
        assertEquals(3, idx.weightMap().size());
        assertEquals(List.of("model.layers.1.mlp.up_proj.weight", "lm_head.weight"), idx.tensorsIn("model-00002-of-00002.safetensors"));
    }

    @Test
    void totalSizeIsOptional() throws IOException {
        assertEquals(OptionalLong.empty(), SafetensorsIndex.read(index("{\"weight_map\":{\"a\":\"x.safetensors\"}}")).totalSize());
        assertEquals(OptionalLong.empty(), SafetensorsIndex.read(index("{\"metadata\":{},\"weight_map\":{\"a\":\"x.safetensors\"}}")).totalSize());
        assertEquals(OptionalLong.of(1000), SafetensorsIndex.read(index("{\"metadata\":{\"total_size\":1000.0},\"weight_map\":{\"a\":\"x\"}}")).totalSize());
        assertEquals(List.of("sub/x.safetensors"), SafetensorsIndex.read(index("{\"weight_map\":{\"a\":\"sub/x.safetensors\"}}")).shardFiles());
    }

    private void bad(String json, String fragment) throws IOException {
        FormatException e = assertThrows(FormatException.class, () -> SafetensorsIndex.read(index(json)));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void rejectsInvalidIndexes() throws IOException {
        bad("", "index is empty");
        bad("  ", "index is empty");
        bad("not json", "not valid JSON");
        bad("[1]", "not a JSON object");
        bad("{\"metadata\":{}}", "no weight_map");
        bad("{\"weight_map\":{}}", "weight_map is empty");
        bad("{\"weight_map\":[]}", "weight_map is not a JSON object");
        bad("{\"weight_map\":{\"a\":1}}", "weight_map entry 'a' is not a file name");
        bad("{\"weight_map\":{\"a\":\"../../etc/passwd\"}}", "unsafe file");
        bad("{\"weight_map\":{\"a\":\"/abs/x.safetensors\"}}", "unsafe file");
        bad("{\"weight_map\":{\"a\":\"C:\\\\x\"}}", "unsafe file");
        bad("{\"weight_map\":{\"a\":\"\"}}", "unsafe file");
        bad("{\"metadata\":{\"total_size\":-5},\"weight_map\":{\"a\":\"x\"}}", "total_size");
        bad("{\"metadata\":{\"total_size\":\"big\"},\"weight_map\":{\"a\":\"x\"}}", "total_size");
        bad("{\"metadata\":[],\"weight_map\":{\"a\":\"x\"}}", "metadata is not a JSON object");
        bad("{\"weight_map\":{\"a\":\"x\",\"a\":\"y\"}}", "Duplicate");
        bad("{\"weight_map\":{\"a\":\"x\"}} {}", "after the JSON object");
    }
}
