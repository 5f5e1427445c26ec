package io.jknife.testkit;

import io.jknife.formats.GgmlType;
import io.jknife.formats.gguf.GgmlQuant;
import io.jknife.formats.gguf.GgufArray;
import io.jknife.formats.gguf.GgufFile;
import io.jknife.formats.gguf.GgufReader;
import io.jknife.formats.gguf.GgufTensorInfo;
import io.jknife.formats.gguf.GgufValueType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TinyGgufTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"llama, F32", "llama, F16", "llama, Q8_0", "qwen2, F32", "qwen2, Q8_0", "qwen3, F16",
            "qwen3, Q4_0", "gemma3, BF16"})
    void decoderModelsHaveWhatLlamaCppExpects(String arch, GgmlType type) throws IOException {
        TinyGguf.Options o = TinyGguf.Options.defaults().withArchitecture(arch).withWeightType(type);
        Path file = TinyGguf.llama(dir.resolve(arch + "-" + type + ".gguf"), o);
        GgufFile g = GgufReader.read(file);

        assertEquals(arch, g.architecture());
        assertEquals("tiny-" + arch, g.string("general.name").orElseThrow());
        assertEquals(256, g.archInteger("context_length").orElseThrow());
        assertEquals(64, g.archInteger("embedding_length").orElseThrow());
        assertEquals(2, g.archInteger("block_count").orElseThrow());
        assertEquals(128, g.archInteger("feed_forward_length").orElseThrow());
        assertEquals(4, g.archInteger("attention.head_count").orElseThrow());
        assertEquals(2, g.archInteger("attention.head_count_kv").orElseThrow());
        assertEquals(16, g.archInteger("rope.dimension_count").orElseThrow());
        assertTrue(g.archNumber("rope.freq_base").orElseThrow() > 0);
        assertTrue(g.archNumber("attention.layer_norm_rms_epsilon").orElseThrow() > 0);
        // llama.cpp checks hyper-parameter types strictly
        assertEquals(GgufValueType.UINT32, g.types().get(arch + ".context_length"));
        assertEquals(GgufValueType.FLOAT32, g.types().get(arch + ".rope.freq_base"));
        assertEquals(GgufValueType.UINT32, g.types().get("general.file_type"));
        assertEquals(type == GgmlType.F32 ? "F32" : type.name(), g.quantizationName());

        // tokenizer
        assertEquals("gpt2", g.string("tokenizer.ggml.model").orElseThrow());
        List<String> tokens = g.array("tokenizer.ggml.tokens").orElseThrow().strings();
        long nVocab = tokens.size();
        assertEquals(nVocab, g.archInteger("vocab_size").orElseThrow());
        assertEquals(nVocab, g.array("tokenizer.ggml.token_type").orElseThrow().length());
        assertEquals(new HashSet<>(tokens).size(), tokens.size(), "tokens are unique");
        assertEquals("!", tokens.get(0), "GPT-2 byte order");
        assertEquals("Ġ", tokens.get(tokens.indexOf("Ġ")));
        assertEquals(TinyGguf.BOS, tokens.get((int) g.integer("tokenizer.ggml.bos_token_id").orElseThrow()));
        assertEquals(TinyGguf.EOT, tokens.get((int) g.integer("tokenizer.ggml.eos_token_id").orElseThrow()));
        for (String special : List.of(TinyGguf.BOS, TinyGguf.EOS, TinyGguf.START_HEADER, TinyGguf.END_HEADER,
                TinyGguf.EOT)) {
            int id = tokens.indexOf(special);
            assertTrue(id >= 256, special);
            assertEquals(3L, g.array("tokenizer.ggml.token_type").orElseThrow().longs()[id], special + " is CONTROL");
        }
        // every merge joins two tokens that exist into a token that exists
        Set<String> vocab = new HashSet<>(tokens);
        List<String> merges = g.array("tokenizer.ggml.merges").orElseThrow().strings();
        assertFalse(merges.isEmpty());
        for (String m : merges) {
            String[] parts = m.split(" ", -1);
            assertEquals(2, parts.length, m);
            assertTrue(vocab.contains(parts[0]) && vocab.contains(parts[1]) && vocab.contains(parts[0] + parts[1]), m);
        }
        assertTrue(vocab.contains("Ġthe"));
        assertTrue(g.chatTemplate().orElseThrow().contains("<|start_header_id|>"));

        // tensors
        int embd = 64;
        int headDim = 16;
        int kv = 2 * headDim;
        assertShape(g, "token_embd.weight", type, embd, nVocab);
        assertShape(g, "output_norm.weight", GgmlType.F32, embd);
        if (arch.equals("gemma3")) {
            assertTrue(g.tensor("output.weight").isEmpty(), "gemma3 ties the output to token_embd");
        } else {
            assertShape(g, "output.weight", type, embd, nVocab);
        }
        for (int i = 0; i < 2; i++) {
            String b = "blk." + i + ".";
            assertShape(g, b + "attn_norm.weight", GgmlType.F32, embd);
            assertShape(g, b + "attn_q.weight", type, embd, embd);
            assertShape(g, b + "attn_k.weight", type, embd, kv);
            assertShape(g, b + "attn_v.weight", type, embd, kv);
            assertShape(g, b + "attn_output.weight", type, embd, embd);
            assertShape(g, b + "ffn_norm.weight", GgmlType.F32, embd);
            assertShape(g, b + "ffn_gate.weight", type, embd, 128);
            assertShape(g, b + "ffn_up.weight", type, embd, 128);
            assertShape(g, b + "ffn_down.weight", type, 128, embd);
            assertEquals(arch.equals("qwen2"), g.tensor(b + "attn_q.bias").isPresent());
            if (arch.equals("qwen2")) {
                assertShape(g, b + "attn_k.bias", GgmlType.F32, kv);
            }
            boolean qkNorm = arch.equals("qwen3") || arch.equals("gemma3");
            assertEquals(qkNorm, g.tensor(b + "attn_q_norm.weight").isPresent());
            if (qkNorm) {
                assertShape(g, b + "attn_k_norm.weight", GgmlType.F32, headDim);
            }
            assertEquals(arch.equals("gemma3"), g.tensor(b + "post_ffw_norm.weight").isPresent());
        }
        int perLayer = 9 + switch (arch) {
            case "qwen2" -> 3;
            case "qwen3" -> 2;
            case "gemma3" -> 4;
            default -> 0;
        };
        int global = arch.equals("gemma3") ? 2 : 3;
        assertEquals(global + 2 * perLayer, g.tensors().size());
        assertDataLayoutConsistent(g);
    }

    @Test
    void weightsAreSeededAndReproducible() throws IOException {
        TinyGguf.Options o = TinyGguf.Options.defaults();
        Path a = TinyGguf.llama(dir.resolve("a.gguf"), o);
        Path b = TinyGguf.llama(dir.resolve("b.gguf"), o);
        Path c = TinyGguf.llama(dir.resolve("c.gguf"), o.withSeed(7));
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        assertNotEquals(Arrays.hashCode(Files.readAllBytes(a)), Arrays.hashCode(Files.readAllBytes(c)));

        GgufFile g = GgufReader.read(a);
        GgufTensorInfo q = g.tensor("blk.0.attn_q.weight").orElseThrow();
        float[] w = GgmlQuant.decode(GgufReader.readTensorData(a, q), GgmlType.F32, (int) q.elementCount());
        double sum = 0;
        for (float f : w) {
            assertTrue(Float.isFinite(f));
            sum += f * f;
        }
        assertTrue(sum > 0, "weights are not all zero");
    }

    @Test
    void optionsChangeNameDimsTemplateAndExtras() throws IOException {
        TinyGguf.Options o = TinyGguf.Options.defaults()
                .withName("Mistral-Tiny")
                .withDims(128, 3, 8, 8, 256)
                .withContextLength(512)
                .withChatTemplate(false)
                .withMetadata("llama.context_length", 1024)
                .withMetadata("general.license", "mit")
                .withMetadata("custom.ratio", 0.5);
        GgufFile g = GgufReader.read(TinyGguf.llama(dir.resolve("m.gguf"), o));
        assertEquals("Mistral-Tiny", g.string("general.name").orElseThrow());
        assertEquals(1024, g.archInteger("context_length").orElseThrow(), "extra metadata wins");
        assertEquals(GgufValueType.UINT32, g.types().get("llama.context_length"));
        assertEquals(GgufValueType.FLOAT32, g.types().get("custom.ratio"));
        assertEquals("mit", g.string("general.license").orElseThrow());
        assertTrue(g.chatTemplate().isEmpty());
        assertEquals(3, g.archInteger("block_count").orElseThrow());
        assertShape(g, "blk.2.attn_k.weight", GgmlType.F32, 128, 128);
        assertShape(g, "blk.2.ffn_down.weight", GgmlType.F32, 256, 128);

        assertThrows(IllegalArgumentException.class,
                () -> TinyGguf.llama(dir.resolve("x.gguf"), TinyGguf.Options.defaults().withArchitecture("mamba")));
        assertThrows(IllegalArgumentException.class, () -> TinyGguf.Options.defaults().withDims(64, 2, 5, 1, 128));
    }

    @Test
    void bertEmbeddingModel() throws IOException {
        Path file = TinyGguf.bert(dir.resolve("bert.gguf"), TinyGguf.Options.defaults().withWeightType(GgmlType.F16));
        GgufFile g = GgufReader.read(file);
        assertEquals("bert", g.architecture());
        assertEquals(false, g.bool("bert.attention.causal").orElseThrow());
        assertEquals(1, g.archInteger("pooling_type").orElseThrow());
        assertEquals("bert", g.string("tokenizer.ggml.model").orElseThrow());
        assertEquals(2, g.integer("tokenizer.ggml.token_type_count").orElseThrow());
        List<String> tokens = g.array("tokenizer.ggml.tokens").orElseThrow().strings();
        assertEquals(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"), tokens.subList(0, 5));
        assertEquals("[CLS]", tokens.get((int) g.integer("tokenizer.ggml.cls_token_id").orElseThrow()));
        assertEquals("[SEP]", tokens.get((int) g.integer("tokenizer.ggml.seperator_token_id").orElseThrow()));
        assertTrue(tokens.contains("\u2581hello"), "word-initial pieces carry the phantom space");
        assertTrue(tokens.contains("ing"), "continuations carry no ##");
        long nVocab = tokens.size();

        assertShape(g, "token_embd.weight", GgmlType.F16, 64, nVocab);
        assertShape(g, "token_types.weight", GgmlType.F32, 64, 2);
        assertShape(g, "position_embd.weight", GgmlType.F16, 64, 256);
        assertShape(g, "token_embd_norm.weight", GgmlType.F32, 64);
        assertShape(g, "token_embd_norm.bias", GgmlType.F32, 64);
        for (int i = 0; i < 2; i++) {
            String b = "blk." + i + ".";
            for (String m : List.of("attn_q", "attn_k", "attn_v", "attn_output")) {
                assertShape(g, b + m + ".weight", GgmlType.F16, 64, 64);
                assertShape(g, b + m + ".bias", GgmlType.F32, 64);
            }
            assertShape(g, b + "ffn_up.weight", GgmlType.F16, 64, 128);
            assertShape(g, b + "ffn_up.bias", GgmlType.F32, 128);
            assertShape(g, b + "ffn_down.weight", GgmlType.F16, 128, 64);
            assertShape(g, b + "attn_output_norm.bias", GgmlType.F32, 64);
            assertShape(g, b + "layer_output_norm.weight", GgmlType.F32, 64);
        }
        assertEquals(5 + 2 * 16, g.tensors().size());
        assertTrue(g.tensor("output.weight").isEmpty());
        assertDataLayoutConsistent(g);
    }

    @Test
    void splitWritesPartsLikeGgufSplit() throws IOException {
        Path source = TinyGguf.llama(dir.resolve("tiny-q8.gguf"),
                TinyGguf.Options.defaults().withWeightType(GgmlType.Q8_0));
        GgufFile whole = GgufReader.read(source);
        Path out = dir.resolve("parts");
        List<Path> parts = TinyGguf.split(source, out, 3);

        assertEquals(List.of("tiny-q8-00001-of-00003.gguf", "tiny-q8-00002-of-00003.gguf",
                "tiny-q8-00003-of-00003.gguf"), parts.stream().map(p -> p.getFileName().toString()).toList());
        List<GgufTensorInfo> all = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            GgufFile p = GgufReader.read(parts.get(i));
            assertEquals(i, p.splitIndex().orElseThrow());
            assertEquals(3, p.splitCount().orElseThrow());
            assertEquals(whole.tensors().size(), p.splitTensorsCount().orElseThrow());
            assertEquals(GgufValueType.UINT16, p.types().get("split.no"));
            assertEquals(GgufValueType.UINT16, p.types().get("split.count"));
            assertEquals(GgufValueType.INT32, p.types().get("split.tensors.count"));
            if (i == 0) {
                assertEquals("llama", p.architecture());
                assertEquals(whole.metadata().size() + 3, p.metadata().size());
                assertEquals(List.of("split.no", "split.count", "split.tensors.count"),
                        new ArrayList<>(p.metadata().keySet()).subList(p.metadata().size() - 3, p.metadata().size()));
                GgufArray tokens = p.array("tokenizer.ggml.tokens").orElseThrow();
                assertEquals(whole.array("tokenizer.ggml.tokens").orElseThrow().strings(), tokens.strings());
            } else {
                assertEquals(3, p.metadata().size(), "later parts carry only the split keys");
            }
            assertDataLayoutConsistent(p);
            for (GgufTensorInfo t : p.tensors()) {
                GgufTensorInfo orig = whole.tensor(t.name()).orElseThrow();
                assertArrayEquals(orig.dims(), t.dims());
                assertEquals(orig.type(), t.type());
                assertArrayEquals(GgufReader.readTensorData(source, orig), GgufReader.readTensorData(parts.get(i), t),
                        t.name());
            }
            all.addAll(p.tensors());
        }
        assertEquals(whole.tensors().stream().map(GgufTensorInfo::name).toList(),
                all.stream().map(GgufTensorInfo::name).toList(), "all tensors, in order");
        List<GgufFile> read = GgufReader.readSplit(parts.get(1));
        assertEquals(3, read.size());
        assertEquals(whole.parameterCount(), read.stream().mapToLong(GgufFile::parameterCount).sum());
        assertThrows(IllegalArgumentException.class, () -> TinyGguf.split(source, out, 1000));
    }

    @Test
    void commandLineWritesAModel() throws IOException {
        Path out = dir.resolve("cli.gguf");
        TinyGguf.main(new String[]{"qwen3", out.toString(), "--layers", "1", "--type", "Q8_0", "--name", "cli"});
        GgufFile g = GgufReader.read(out);
        assertEquals("qwen3", g.architecture());
        assertEquals(1, g.archInteger("block_count").orElseThrow());
        assertEquals("Q8_0", g.quantizationName());
    }

    private static void assertShape(GgufFile g, String name, GgmlType type, long... dims) {
        GgufTensorInfo t = g.tensor(name).orElseThrow(() -> new AssertionError("missing tensor " + name));
        assertArrayEquals(dims, t.dims(), name);
        assertEquals(type, t.type(), name);
    }

    /** Tensors lie inside the file, aligned, without overlapping, and with sizes their shapes imply. */
    private static void assertDataLayoutConsistent(GgufFile g) {
        List<GgufTensorInfo> sorted = new ArrayList<>(g.tensors());
        sorted.sort(Comparator.comparingLong(GgufTensorInfo::absoluteOffset));
        long end = g.dataOffset();
        for (GgufTensorInfo t : sorted) {
            assertEquals(0, t.absoluteOffset() % g.alignment(), t.name());
            assertTrue(t.absoluteOffset() >= end, t.name() + " overlaps the previous tensor");
            assertEquals(g.dataOffset() + t.relativeOffset(), t.absoluteOffset());
            long elements = Arrays.stream(t.dims()).reduce(1, Math::multiplyExact);
            assertEquals(elements, t.elementCount(), t.name());
            assertEquals(t.type().byteSize(elements), t.byteSize(), t.name());
            end = t.endOffset();
        }
        assertTrue(end <= g.fileSize());
        assertTrue(g.fileSize() - end < g.alignment(), "only padding after the last tensor");
    }

    @Test
    void gemma2AndPhi3HaveTheirLayouts() throws IOException {
        GgufFile g2 = GgufReader.read(TinyGguf.llama(dir.resolve("g2.gguf"),
                TinyGguf.Options.defaults().withArchitecture("gemma2")));
        assertEquals(50.0, g2.archNumber("attn_logit_softcapping").orElseThrow(), 1e-6);
        assertEquals(30.0, g2.archNumber("final_logit_softcapping").orElseThrow(), 1e-6);
        assertTrue(g2.archInteger("attention.sliding_window").isPresent());
        assertTrue(g2.tensor("blk.0.post_attention_norm.weight").isPresent());
        assertTrue(g2.tensor("blk.0.post_ffw_norm.weight").isPresent());
        assertTrue(g2.tensor("blk.0.attn_q_norm.weight").isEmpty(), "gemma2 has no q/k norms");
        assertTrue(g2.tensor("output.weight").isEmpty(), "gemma2 ties the output to token_embd");

        TinyGguf.Options o = TinyGguf.Options.defaults().withArchitecture("phi3");
        GgufFile phi = GgufReader.read(TinyGguf.llama(dir.resolve("phi3.gguf"), o));
        int head = o.embeddingLength() / o.headCount();
        assertArrayEquals(new long[]{o.embeddingLength(), o.embeddingLength() + 2L * head * o.headCountKv()},
                phi.tensor("blk.0.attn_qkv.weight").orElseThrow().dims());
        assertArrayEquals(new long[]{o.embeddingLength(), 2L * o.feedForwardLength()},
                phi.tensor("blk.0.ffn_up.weight").orElseThrow().dims());
        assertTrue(phi.tensor("blk.0.ffn_gate.weight").isEmpty());
        assertTrue(phi.tensor("blk.0.attn_q.weight").isEmpty());
        assertTrue(phi.archInteger("attention.sliding_window").isPresent(), "llama.cpp b4916 requires it for phi3");
    }
}
