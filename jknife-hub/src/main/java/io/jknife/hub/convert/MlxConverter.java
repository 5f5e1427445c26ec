package io.jknife.hub.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.formats.AtomicWrite;
import io.jknife.formats.mlx.MlxQuantized;
import io.jknife.formats.mlx.MlxQuantizer;
import io.jknife.formats.safetensors.FloatEncoding;
import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.formats.safetensors.SafetensorsHeader;
import io.jknife.formats.safetensors.SafetensorsIndex;
import io.jknife.formats.safetensors.SafetensorsReader;
import io.jknife.formats.safetensors.SafetensorsTensor;
import io.jknife.hub.copy.FileCopier;
import io.jknife.store.json.PyJson;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code convert --quantize}: an F16/BF16/F32 Llama-family safetensors model to MLX affine group
 * quantization, the way mlx-lm's {@code convert -q} does it. Quantized: every 2-D {@code *.weight}
 * whose last dimension is a multiple of the group size (the linear layers and the embedding —
 * what {@code nn.quantize} reaches through {@code to_quantized}); each becomes {@code .weight}
 * (packed U32), {@code .scales} and {@code .biases} in the weight's own dtype. Norms, biases and
 * anything else stay as they are; rotary {@code inv_freq} buffers and a tied {@code lm_head} are
 * dropped (mlx-lm's {@code sanitize}). Config gains {@code quantization} and
 * {@code quantization_config} = {@code {group_size, bits, mode: "affine"}}, keys sorted; weights go
 * to shards of at most 5 GB with an index. Memory stays bounded: tensors are streamed in row blocks.
 */
public final class MlxConverter {
    static final long MAX_SHARD_BYTES = 5L << 30;
    private static final long BLOCK_ELEMENTS = 8L << 20;
    private static final long COPY_CHUNK = 16L << 20;

    private final long maxShardBytes;

    public MlxConverter() {
        this(MAX_SHARD_BYTES);
    }

    MlxConverter(long maxShardBytes) {
        this.maxShardBytes = maxShardBytes;
    }

    /** What the conversion produced. */
    public record Result(String modelType, int quantized, int kept, int shards, long weightBytes) {
    }

    /** A source tensor and what becomes of it. */
    private record Job(Path file, SafetensorsTensor tensor, boolean quantize, String prefix) {
    }

    public Result convert(Path src, Path dst, int bits, int groupSize) throws IOException {
        JsonNode config = readConfig(src);
        JsonNode existing = config.get("quantization");
        if (existing != null && !existing.isNull()) {
            throw new ConvertException("ValidationError", "Source is already quantized (" + existing.path("bits").asText("?")
                    + "-bit); convert --quantize needs F16, BF16 or F32 weights");
        }
        JsonNode foreign = config.get("quantization_config");
        if (foreign != null && foreign.isObject()) {
            throw new ConvertException("ValidationError", "Source is already quantized ("
                    + foreign.path("quant_method").asText("unknown method") + "); convert --quantize needs F16, BF16 or F32 weights");
        }
        String type = QuantizeSupport.check(config);
        boolean tied = config.path("tie_word_embeddings").asBoolean(false);
        List<Job> jobs = plan(weightFiles(src), tied, groupSize);
        List<List<Job>> shards = shard(jobs, bits, groupSize);
        Map<String, String> weightMap = new TreeMap<>();
        long total = 0;
        Map<Path, FileChannel> sources = new HashMap<>();
        try {
            for (int i = 0; i < shards.size(); i++) {
                String name = shards.size() == 1 ? "model.safetensors"
                        : String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, shards.size());
                total += writeShard(dst.resolve(name), shards.get(i), bits, groupSize, sources);
                for (Job j : shards.get(i)) {
                    for (ShardWriter.Spec s : specs(j, bits, groupSize)) {
                        weightMap.put(s.name(), name);
                    }
                }
            }
        } finally {
            for (FileChannel ch : sources.values()) {
                ch.close();
            }
        }
        IndexRepair.writeIndex(dst.resolve(IndexRepair.INDEX), total, weightMap);
        writeConfig(dst.resolve("config.json"), config, bits, groupSize);
        WorkspaceFiles.copy(src, dst, MlxConverter::notCopied, new FileCopier(false));
        int quantized = (int) jobs.stream().filter(Job::quantize).count();
        return new Result(type, quantized, jobs.size() - quantized, shards.size(), total);
    }

    /** Weights, the old index and config are written anew; weights in other formats would only duplicate the model. */
    private static boolean notCopied(String rel) {
        String lower = rel.toLowerCase(Locale.ROOT);
        if (rel.indexOf('/') >= 0) {
            return false;
        }
        return lower.endsWith(".safetensors") || lower.equals(IndexRepair.INDEX) || lower.equals("config.json")
                || lower.endsWith(".bin") || lower.endsWith(".pt") || lower.endsWith(".pth") || lower.endsWith(".h5")
                || lower.endsWith(".msgpack") || lower.endsWith(".ckpt") || lower.equals("pytorch_model.bin.index.json");
    }

    static JsonNode readConfig(Path src) throws ConvertException {
        Path f = src.resolve("config.json");
        try {
            JsonNode n = PyJson.MAPPER.readTree(Files.readAllBytes(f));
            if (n instanceof ObjectNode) {
                return n;
            }
        } catch (IOException e) {
            // reported below
        }
        throw new ConvertException("ValidationError", "config.json missing or not a JSON object in " + src);
    }

    /** The shards the index names, else the top-level {@code *.safetensors}. */
    private static List<Path> weightFiles(Path src) throws IOException {
        Path index = src.resolve(IndexRepair.INDEX);
        List<Path> files = new ArrayList<>();
        if (Files.isRegularFile(index)) {
            for (String shard : SafetensorsIndex.read(index).shardFiles()) {
                Path p = src.resolve(shard);
                if (!Files.isRegularFile(p)) {
                    throw new ConvertException("ValidationError", "Shard " + shard + " named by the index is missing in " + src
                            + " (try convert --repair-index first)");
                }
                files.add(p);
            }
        } else {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(src, "*.safetensors")) {
                for (Path p : ds) {
                    files.add(p);
                }
            }
            files.sort(null);
        }
        if (files.isEmpty()) {
            throw new ConvertException("ValidationError", "No safetensors weights in " + src);
        }
        return files;
    }

    private static List<Job> plan(List<Path> files, boolean tied, int groupSize) throws IOException {
        List<Job> jobs = new ArrayList<>();
        Map<String, Path> seen = new HashMap<>();
        for (Path f : files) {
            SafetensorsHeader h;
            try {
                h = SafetensorsReader.read(f);
            } catch (IOException e) {
                throw new ConvertException("ValidationError", "Cannot read " + f.getFileName() + ": " + e.getMessage());
            }
            for (SafetensorsTensor t : h.tensors().values()) {
                String n = t.name();
                Path prev = seen.putIfAbsent(n, f);
                if (prev != null) {
                    throw new ConvertException("ValidationError", "Tensor '" + n + "' is in both " + prev.getFileName()
                            + " and " + f.getFileName());
                }
                if (n.endsWith("rotary_emb.inv_freq") || (tied && n.equals("lm_head.weight"))) {
                    continue;
                }
                boolean matrix = t.rank() == 2 && n.endsWith(".weight");
                if (matrix && !t.dtype().isFloatConvertible()) {
                    throw new ConvertException("ValidationError", "Tensor '" + n + "' is " + t.dtype()
                            + "; convert --quantize needs F16, BF16 or F32 weights");
                }
                boolean quantize = matrix && t.shape()[1] % groupSize == 0;
                jobs.add(new Job(f, t, quantize, n.substring(0, n.length() - (quantize ? ".weight".length() : 0))));
            }
        }
        return jobs;
    }

    /** The output tensors of a job: the tensor itself, or {@code .weight}, {@code .scales}, {@code .biases}. */
    private static List<ShardWriter.Spec> specs(Job j, int bits, int groupSize) {
        SafetensorsTensor t = j.tensor();
        if (!j.quantize()) {
            return List.of(new ShardWriter.Spec(t.name(), t.dtype(), t.shape()));
        }
        long rows = t.shape()[0];
        long cols = t.shape()[1];
        long[] scaleShape = {rows, cols / groupSize};
        return List.of(new ShardWriter.Spec(j.prefix() + ".weight", SafetensorsDType.U32, new long[]{rows, cols * bits / 32}),
                new ShardWriter.Spec(j.prefix() + ".scales", t.dtype(), scaleShape),
                new ShardWriter.Spec(j.prefix() + ".biases", t.dtype(), scaleShape));
    }

    private List<List<Job>> shard(List<Job> jobs, int bits, int groupSize) {
        List<List<Job>> shards = new ArrayList<>();
        List<Job> current = new ArrayList<>();
        long size = 0;
        for (Job j : jobs) {
            long bytes = specs(j, bits, groupSize).stream().mapToLong(ShardWriter.Spec::bytes).sum();
            if (!current.isEmpty() && size + bytes > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(j);
            size += bytes;
        }
        shards.add(current);
        return shards;
    }

    private static long writeShard(Path out, List<Job> jobs, int bits, int groupSize, Map<Path, FileChannel> sources)
            throws IOException {
        List<ShardWriter.Spec> specs = new ArrayList<>();
        for (Job j : jobs) {
            specs.addAll(specs(j, bits, groupSize));
        }
        ShardWriter w = new ShardWriter(specs, Map.of("format", "mlx"));
        AtomicWrite.writeChannel(out, ch -> {
            w.writeHeader(ch);
            for (Job j : jobs) {
                FileChannel in = sources.get(j.file());
                if (in == null) {
                    in = FileChannel.open(j.file(), StandardOpenOption.READ);
                    sources.put(j.file(), in);
                }
                if (j.quantize()) {
                    quantize(in, j, w, ch, bits, groupSize);
                } else {
                    copy(in, j.tensor(), w, ch);
                }
            }
        });
        return w.dataSize();
    }

    private static void copy(FileChannel in, SafetensorsTensor t, ShardWriter w, FileChannel out) throws IOException {
        long size = t.byteSize();
        for (long at = 0; at < size; at += COPY_CHUNK) {
            int n = (int) Math.min(COPY_CHUNK, size - at);
            w.write(out, t.name(), at, read(in, t.begin() + at, n));
        }
    }

    /** Quantizes row blocks: MLX groups run along a row, so blocks of whole rows quantize independently. */
    private static void quantize(FileChannel in, Job j, ShardWriter w, FileChannel out, int bits, int groupSize)
            throws IOException {
        SafetensorsTensor t = j.tensor();
        int rows = Math.toIntExact(t.shape()[0]);
        int cols = Math.toIntExact(t.shape()[1]);
        int width = t.dtype().bits() / 8;
        int block = (int) Math.max(1, Math.min(rows, BLOCK_ELEMENTS / cols));
        int wordsPerRow = cols * bits / 32;
        int groupsPerRow = cols / groupSize;
        for (int r0 = 0; r0 < rows; r0 += block) {
            int n = Math.min(block, rows - r0);
            byte[] raw = read(in, t.begin() + (long) r0 * cols * width, Math.multiplyExact(n, cols * width));
            MlxQuantized q = MlxQuantizer.quantize(FloatEncoding.decode(raw, t.dtype()), n, cols, bits, groupSize, t.dtype());
            ByteBuffer words = ByteBuffer.allocate(q.weight().length * 4).order(ByteOrder.LITTLE_ENDIAN);
            words.asIntBuffer().put(q.weight());
            w.write(out, j.prefix() + ".weight", (long) r0 * wordsPerRow * 4, words.array());
            w.write(out, j.prefix() + ".scales", (long) r0 * groupsPerRow * width, FloatEncoding.encode(q.scales(), t.dtype()));
            w.write(out, j.prefix() + ".biases", (long) r0 * groupsPerRow * width, FloatEncoding.encode(q.biases(), t.dtype()));
        }
    }

    private static byte[] read(FileChannel in, long pos, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        long p = pos;
        while (b.hasRemaining()) {
            int r = in.read(b, p);
            if (r < 0) {
                throw new ConvertException("ValidationError", "Weights file ended early at byte " + p);
            }
            p += r;
        }
        return b.array();
    }

    private static void writeConfig(Path file, JsonNode source, int bits, int groupSize) throws IOException {
        ObjectNode q = PyJson.MAPPER.createObjectNode();
        q.put("group_size", groupSize);
        q.put("bits", bits);
        q.put("mode", "affine");
        Map<String, JsonNode> fields = new TreeMap<>();
        source.properties().forEach(e -> fields.put(e.getKey(), e.getValue()));
        fields.remove("_name_or_path");
        fields.put("quantization", q);
        fields.put("quantization_config", q.deepCopy());
        ObjectNode out = PyJson.MAPPER.createObjectNode();
        fields.forEach(out::set); // sorted keys, as mlx-lm's save_config writes them
        byte[] text = (PyJson.dumps(out) + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicWrite.write(file, o -> o.write(text));
    }
}
