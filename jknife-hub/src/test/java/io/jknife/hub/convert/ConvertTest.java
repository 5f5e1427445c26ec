package io.jknife.hub.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.formats.safetensors.SafetensorsHeader;
import io.jknife.formats.safetensors.SafetensorsIndex;
import io.jknife.formats.safetensors.SafetensorsReader;
import io.jknife.formats.safetensors.SafetensorsTensor;
import io.jknife.testkit.TinySafetensors;
import io.jknife.testkit.TinySafetensors.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** convert --quantize and --repair-index on generated models. */
class ConvertTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** Every tensor of a model directory: name → (dtype, shape, bytes). */
    private static Map<String, Object[]> tensors(Path dir) throws IOException {
        Map<String, Object[]> all = new HashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.safetensors")) {
            for (Path f : ds) {
                SafetensorsHeader h = SafetensorsReader.read(f);
                for (SafetensorsTensor t : h.tensors().values()) {
                    all.put(t.name(), new Object[]{t.dtype(), t.shape(), SafetensorsReader.readData(f, t)});
                }
            }
        }
        return all;
    }

    @Test
    void quantizingMatchesWhatTheTestkitsMlxWriterProduces() throws IOException {
        for (String type : new String[]{"llama", "qwen2", "qwen3"}) {
            for (int bits : new int[]{4, 8}) {
                Options o = Options.defaults().withModelType(type).withShards(2);
                Path src = TinySafetensors.llama(tmp.resolve(type + bits + "-src"), o);
                Path expected = TinySafetensors.llama(tmp.resolve(type + bits + "-mlx"), o.withShards(1).withMlx(bits, 32));
                Path out = Files.createDirectories(tmp.resolve(type + bits + "-out"));
                MlxConverter.Result r = new MlxConverter().convert(src, out, bits, 32);
                assertEquals(type, r.modelType());
                Map<String, Object[]> got = tensors(out);
                Map<String, Object[]> want = tensors(expected);
                assertEquals(want.keySet(), got.keySet(), type + " " + bits);
                for (var e : want.entrySet()) {
                    Object[] g = got.get(e.getKey());
                    assertEquals(e.getValue()[0], g[0], e.getKey());
                    assertArrayEquals((long[]) e.getValue()[1], (long[]) g[1], e.getKey());
                    assertArrayEquals((byte[]) e.getValue()[2], (byte[]) g[2], e.getKey());
                }
                JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
                assertEquals(bits, config.get("quantization").get("bits").asInt());
                assertEquals(32, config.get("quantization").get("group_size").asInt());
                assertEquals("affine", config.get("quantization").get("mode").asText());
                assertEquals(config.get("quantization"), config.get("quantization_config"));
                assertTrue(Files.exists(out.resolve("tokenizer.json")) || Files.exists(out.resolve("tokenizer_config.json")));
                SafetensorsIndex index = SafetensorsIndex.read(out.resolve("model.safetensors.index.json"));
                assertEquals(got.keySet(), index.weightMap().keySet());
            }
        }
    }

    @Test
    void normsAndBiasesStayFloatAndTiedHeadsAreDropped() throws IOException {
        Options o = Options.defaults().withModelType("qwen2").withTieWordEmbeddings(true).withDtype(SafetensorsDType.F32);
        Path src = TinySafetensors.llama(tmp.resolve("src"), o);
        Path out = Files.createDirectories(tmp.resolve("out"));
        new MlxConverter().convert(src, out, 4, 64);
        Map<String, Object[]> t = tensors(out);
        assertEquals(SafetensorsDType.F32, t.get("model.norm.weight")[0]);
        assertEquals(SafetensorsDType.F32, t.get("model.layers.0.self_attn.q_proj.bias")[0]);
        assertEquals(SafetensorsDType.U32, t.get("model.embed_tokens.weight")[0]);
        assertEquals(SafetensorsDType.F32, t.get("model.embed_tokens.scales")[0], "scales in the weight's dtype");
        assertFalse(t.containsKey("lm_head.weight"));
    }

    @Test
    void smallShardLimitsSplitTheOutput() throws IOException {
        Path src = TinySafetensors.llama(tmp.resolve("src"));
        Path out = Files.createDirectories(tmp.resolve("out"));
        MlxConverter.Result r = new MlxConverter(20_000).convert(src, out, 4, 64);
        assertTrue(r.shards() > 1, "shards: " + r.shards());
        SafetensorsIndex index = SafetensorsIndex.read(out.resolve("model.safetensors.index.json"));
        assertEquals(r.shards(), index.shardFiles().size());
        assertEquals(String.format("model-00001-of-%05d.safetensors", r.shards()), index.shardFiles().getFirst());
        assertEquals(tensors(out).keySet(), index.weightMap().keySet());
    }

    @Test
    void multimodalAndUnknownModelsAreRefused() throws IOException {
        Path llava = TinySafetensors.visionLlava(tmp.resolve("llava"));
        ConvertException e = assertThrows(ConvertException.class,
                () -> new MlxConverter().convert(llava, Files.createDirectories(tmp.resolve("o1")), 4, 64));
        assertEquals("unsupported_multimodal", e.type());
        assertEquals("llava", e.detail().get("model_type"));
        Path bert = TinySafetensors.bert(tmp.resolve("bert"));
        ConvertException b = assertThrows(ConvertException.class,
                () -> new MlxConverter().convert(bert, Files.createDirectories(tmp.resolve("o2")), 4, 64));
        assertEquals("not_implemented", b.type());
        Path mlx = TinySafetensors.llama(tmp.resolve("mlx"), Options.defaults().withMlx(4, 64));
        ConvertException q = assertThrows(ConvertException.class,
                () -> new MlxConverter().convert(mlx, Files.createDirectories(tmp.resolve("o3")), 8, 64));
        assertEquals("ValidationError", q.type());
        assertTrue(q.getMessage().startsWith("Source is already quantized"), q.getMessage());
    }

    @Test
    void repairIndexRebuildsTheWeightMapFromTheShards() throws IOException {
        Path src = TinySafetensors.llama(tmp.resolve("src"), Options.defaults().withShards(3));
        Files.writeString(src.resolve("model.safetensors.index.json"), "{\"weight_map\": {}}");
        Files.createDirectories(src.resolve("extra/.git"));
        Files.writeString(src.resolve("extra/notes.txt"), "kept");
        Files.writeString(src.resolve("extra/.git/HEAD"), "dropped");
        Path out = Files.createDirectories(tmp.resolve("out"));
        IndexRepair.Result r = IndexRepair.repair(src, out);
        assertTrue(r.indexWritten());
        assertEquals(3, r.shards());
        SafetensorsIndex index = SafetensorsIndex.read(out.resolve("model.safetensors.index.json"));
        Map<String, Object[]> t = tensors(out);
        assertEquals(t.keySet(), index.weightMap().keySet());
        long bytes = t.values().stream().mapToLong(v -> ((byte[]) v[2]).length).sum();
        assertEquals(bytes, index.totalSize().orElseThrow());
        assertEquals("kept", Files.readString(out.resolve("extra/notes.txt")));
        assertFalse(Files.exists(out.resolve("extra/.git")));

        Path single = TinySafetensors.llama(tmp.resolve("single"));
        IndexRepair.Result s = IndexRepair.repair(single, Files.createDirectories(tmp.resolve("out2")));
        assertFalse(s.indexWritten());
        assertEquals("No index to rebuild (single-file model or no safetensors found)", s.message());
    }

    @Test
    void duplicateTensorsAcrossShardsAreAnError() throws IOException {
        Path src = TinySafetensors.llama(tmp.resolve("src"), Options.defaults().withShards(2));
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.copy(src.resolve("model-00001-of-00002.safetensors"), src.resolve("model-00003-of-00002.safetensors"));
        ConvertException e = assertThrows(ConvertException.class, () -> IndexRepair.repair(src, out));
        assertEquals("ConversionFailed", e.type());
        assertTrue(e.getMessage().startsWith("Duplicate tensor key '"), e.getMessage());
        assertTrue(Arrays.asList(e.getMessage().split(" ")).contains("model-00001-of-00002.safetensors"), e.getMessage());
    }
}
