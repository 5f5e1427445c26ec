package io.jknife.java.model;

import io.jknife.formats.FormatException;
import io.jknife.formats.gguf.GgufReader;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelConfigTest {
    @TempDir
    Path dir;

    private ModelConfig config(String arch, int layers, TinyGguf.Options extra) throws Exception {
        TinyGguf.Options o = (extra != null ? extra : TinyGguf.Options.defaults()).withArchitecture(arch);
        o = o.withDims(o.embeddingLength(), layers, o.headCount(), o.headCountKv(), o.feedForwardLength());
        return ModelConfig.from(GgufReader.read(TinyGguf.llama(dir.resolve(arch + layers + ".gguf"), o)));
    }

    @Test
    void llamaReadsItsShapesAndRotatesAdjacentPairs() throws Exception {
        ModelConfig c = config("llama", 2, null);
        assertEquals(Family.LLAMA, c.family());
        assertEquals(64, c.dim());
        assertEquals(4, c.heads());
        assertEquals(2, c.kvHeads());
        assertEquals(16, c.headDimK());
        assertEquals(128, c.ffn());
        assertEquals(10_000f, c.ropeBase());
        assertFalse(c.neoxRope());
        assertEquals(0, c.slidingWindow());
        assertEquals(1f, c.embedScale());
        assertEquals((float) (1 / Math.sqrt(16)), c.queryScale());
    }

    @Test
    void gemmaSlidesTheirLayersSoftCapsAndScalesEmbeddings() throws Exception {
        ModelConfig g2 = config("gemma2", 4, null);
        assertArrayEquals(new boolean[]{true, false, true, false}, g2.sliding());
        assertEquals(50f, g2.attnSoftcap());
        assertEquals(30f, g2.finalSoftcap());
        assertEquals(64, g2.slidingWindow());
        assertEquals((float) Math.sqrt(64), g2.embedScale());
        assertTrue(g2.gelu() && g2.neoxRope());

        ModelConfig g3 = config("gemma3", 7, null);
        assertArrayEquals(new boolean[]{true, true, true, true, true, false, true}, g3.sliding());
        assertEquals(0f, g3.attnSoftcap());
        assertEquals(10_000f, g3.ropeBaseLocal());
        assertEquals(1_000_000f, g3.ropeBase());

        ModelConfig phi = config("phi3", 2, null);
        assertArrayEquals(new boolean[]{true, true}, phi.sliding());
    }

    @Test
    void ropeScalingKeysAreReadAndUnsupportedOnesRefused() throws Exception {
        ModelConfig linear = config("llama", 2, TinyGguf.Options.defaults()
                .withMetadata("llama.rope.scaling.type", "linear").withMetadata("llama.rope.scaling.factor", 4.0));
        assertEquals(0.25f, linear.ropeScale());
        FormatException e = assertThrows(FormatException.class, () -> config("llama", 3, TinyGguf.Options.defaults()
                .withMetadata("llama.rope.scaling.type", "yarn")));
        assertTrue(e.getMessage().contains("yarn"), e.getMessage());
    }

    @Test
    void llama3FactorsKeepHighFrequenciesAndDivideLowOnes() throws Exception {
        ModelConfig c = config("llama", 2, TinyGguf.Options.defaults().withDims(256, 2, 2, 2, 256));
        float[] f = ModelWeights.llama3Factors(c, 8, 1, 4, 8192);
        assertEquals(1f, f[0]);
        assertEquals(8f, f[f.length - 1]);
    }

    @Test
    void unknownArchitecturesAreRefusedWithTheirName() throws Exception {
        Path bert = TinyGguf.bert(dir.resolve("bert.gguf"));
        FormatException e = assertThrows(FormatException.class, () -> ModelConfig.from(GgufReader.read(bert)));
        assertTrue(e.getMessage().contains("'bert'"), e.getMessage());
    }
}
