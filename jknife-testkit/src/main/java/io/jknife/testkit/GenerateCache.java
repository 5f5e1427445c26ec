package io.jknife.testkit;

import io.jknife.formats.safetensors.SafetensorsDType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a Hugging Face cache of many small models of every format, for benchmarks such as
 * {@code scripts/bench-list.sh}: {@code GenerateCache HF_HOME COUNT}. Ten kinds rotate: GGUF
 * chat, GGUF of an architecture llama.cpp lacks, GGUF embedding, multi-variant GGUF, split GGUF,
 * whisper.cpp, safetensors, MLX 4-bit, LLaVA-style vision, sharded safetensors; every 25th
 * repository is broken (truncated file or LFS pointer), as real caches have some.
 */
public final class GenerateCache {
    private GenerateCache() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: GenerateCache HF_HOME COUNT");
            System.exit(2);
        }
        Path hfHome = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        generate(hfHome, count);
        System.out.println("wrote " + count + " repositories to " + hfHome.resolve("hub"));
    }

    public static void generate(Path hfHome, int count) throws IOException {
        Path src = Files.createTempDirectory("jknife-models-");
        Path llama = TinyGguf.llama(src.resolve("llama.gguf"), TinyGguf.Options.defaults());
        Path qwen3 = TinyGguf.llama(src.resolve("qwen3.gguf"), TinyGguf.Options.defaults().withArchitecture("qwen3"));
        Path bert = TinyGguf.bert(src.resolve("bert.gguf"), TinyGguf.Options.defaults());
        Path llama2 = TinyGguf.llama(src.resolve("llama-2.gguf"), TinyGguf.Options.defaults().withSeed(7));
        List<Path> parts = TinyGguf.split(llama, src.resolve("split"), 3);
        Path whisper = TinyWhisper.write(src.resolve("ggml-tiny.bin"));
        Path st = TinySafetensors.llama(src.resolve("st"), TinySafetensors.Options.defaults().withDtype(SafetensorsDType.F16));
        Path mlx = TinySafetensors.llama(src.resolve("mlx"), TinySafetensors.Options.defaults().withMlx(4, 64));
        Path vision = TinySafetensors.visionLlava(src.resolve("vision"));
        Path sharded = TinySafetensors.llama(src.resolve("sharded"), TinySafetensors.Options.defaults().withShards(2));

        CacheTree cache = CacheTree.at(hfHome);
        for (int i = 0; i < count; i++) {
            int kind = i % 10;
            String id = String.format("bench/model-%03d-%s", i, List.of("chat-GGUF", "qwen3-GGUF", "embed-GGUF",
                    "multi-GGUF", "split-GGUF", "whisper", "safetensors", "mlx-4bit", "vision", "sharded").get(kind));
            CacheTree.Repo repo = cache.repo(id);
            switch (kind) {
                case 0 -> repo.file("model-Q8_0.gguf", llama);
                case 1 -> repo.file("model-F32.gguf", qwen3);
                case 2 -> repo.file("embed-f32.gguf", bert);
                case 3 -> repo.file("model-F32.gguf", llama).file("model-Q4_0.gguf", llama2);
                case 4 -> parts.forEach(p -> repo.file(p.getFileName().toString(), p));
                case 5 -> repo.file("ggml-tiny.bin", whisper);
                case 6 -> repo.files(st);
                case 7 -> repo.files(mlx);
                case 8 -> repo.files(vision);
                default -> repo.files(sharded);
            }
            if (i % 25 == 24) {
                if (kind == 0 || kind == 5) {
                    repo.lfsPointer("README.md", 4242);
                } else {
                    repo.incompleteBlob(1000);
                }
            }
        }
    }
}
