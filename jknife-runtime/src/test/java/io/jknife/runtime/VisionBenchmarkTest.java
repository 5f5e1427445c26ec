package io.jknife.runtime;

import io.jknife.engine.EngineCatalog;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.SamplingParams;
import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.store.ModelCatalog;
import io.jknife.store.ModelInfo;
import io.jknife.store.ModelStore;
import io.jknife.store.StoreConfig;
import io.jknife.store.policy.EngineRegistry;
import io.jknife.store.policy.RoutingPolicy;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinySafetensors;
import io.jknife.vision.ImageLimits;
import io.jknife.vision.ImageLoader;
import io.jknife.vision.VisionImage;
import io.jknife.vision.VisionSettings;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 10's vision benchmark, through the same path as {@code run --image} ({@link TextSession} +
 * {@link VisionChat}, Java engine): time to first token for one 896x896 image, and images per second
 * with chunks of 1 and of 4, on a generated Gemma 3 checkpoint with Gemma 3 4B's vision tower (SigLIP
 * so400m: 27 layers of 1152, 4096 patches pooled to 256 tokens) and a 4-layer text model of Gemma 3
 * 4B's width, BF16, random weights. The checkpoint (about 1.5 GB) is written once to
 * {@code jknife-runtime/target/bench-models}. Run: {@code scripts/bench-vision.sh} (threads:
 * {@code -Djknife.bench.threads=N}, default every core).
 */
@Tag("benchmark")
class VisionBenchmarkTest {
    private static final int IMAGES = 4;
    private static final int ANSWER_TOKENS = 8;

    @Test
    void gemma3FourBVisionTower() throws Exception {
        Path models = Path.of("target/bench-models").toAbsolutePath();
        Path dir = models.resolve("gemma3-4b-vision-shape-bf16");
        if (!Files.isRegularFile(dir.resolve("complete"))) {
            long t0 = System.nanoTime();
            TinySafetensors.gemma3Vision(dir, TinySafetensors.Options.defaults().withModelType("gemma3_text")
                    .withDims(2560, 10240, 4, 8, 4).withHeadDim(256).withDtype(SafetensorsDType.BF16)
                    .withMaxPositions(8192), TinySafetensors.VisionShape.GEMMA3_4B);
            Files.writeString(dir.resolve("complete"), "");
            System.out.printf("wrote %s in %.0f s%n", dir, (System.nanoTime() - t0) / 1e9);
        }
        Path hf = Files.createTempDirectory("jknife-vision-bench");
        CacheTree.at(hf).repo("bench/gemma3-4b-vision-shape").files(dir);
        ModelStore store = new ModelStore(new StoreConfig(hf, Optional.empty()));
        ModelInfo info = new ModelCatalog(store, new RoutingPolicy(EngineRegistry.builtIn())).describe(store.allEntries().getFirst());
        int threads = Integer.getInteger("jknife.bench.threads", Runtime.getRuntime().availableProcessors());
        List<VisionImage> photos = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            photos.add(VisionImage.of("photo" + i + ".jpg", jpeg(1200, 900, i), false));
        }
        ChatOptions options = new ChatOptions(ANSWER_TOKENS, List.of(), SamplingParams.greedy(), true);
        VisionSettings settings = new VisionSettings(false, false);
        long load0 = System.nanoTime();
        try (TextSession session = TextSession.open(info, new LoadOptions(4096, threads), EngineCatalog.discover())) {
            System.out.printf("load: %.2f s (%d threads, %s)%n", (System.nanoTime() - load0) / 1e9, threads,
                    session.model());
            VisionChat chat = new VisionChat(session, new ImageLoader(ImageLimits.CLI), settings);
            for (int chunk : new int[]{1, 4}) {
                long t0 = System.nanoTime();
                VisionChat.Answer a = chat.ask("Describe the image.", photos, chunk, null, options, new VisionChat.Listener() {
                });
                double seconds = (System.nanoTime() - t0) / 1e9;
                assertEquals((IMAGES + chunk - 1) / chunk, a.chunks().size());
                if (chunk == 1) {
                    ChatResult first = a.chunks().getFirst();
                    System.out.printf("one 896x896 image: time to first token %.1f s (%d prompt positions)%n",
                            first.usage().promptMillis() / 1000, first.usage().promptTokens());
                }
                System.out.printf("%d images, --chunk %d: %.1f s, %.4f images/s (%d prompt positions, %d tokens)%n",
                        IMAGES, chunk, seconds, IMAGES / seconds, a.usage().promptTokens(), a.usage().completionTokens());
            }
        }
    }

    /** A photo-sized JPEG with gradients and shapes, different per seed. */
    private static byte[] jpeg(int w, int h, int seed) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setPaint(new GradientPaint(0, 0, new Color(30 * seed % 255, 90, 160), w, h, new Color(240, 200, 40 * seed % 255)));
        g.fillRect(0, 0, w, h);
        g.setColor(Color.WHITE);
        g.fillOval(w / 4 + 40 * seed, h / 4, w / 3, h / 3);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpeg", out);
        return out.toByteArray();
    }
}
