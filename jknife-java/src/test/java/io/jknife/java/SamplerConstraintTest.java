package io.jknife.java;

import io.jknife.engine.SamplingParams;
import io.jknife.java.sampling.Sampler;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Sampler#sample(float[], int, java.util.function.IntPredicate)}: refused tokens are never chosen. */
class SamplerConstraintTest {
    private static float[] logits(int vocab) {
        float[] l = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            l[i] = (float) Math.sin(i * 0.37) * 3; // a fixed spread of values
        }
        return l;
    }

    @Test
    void greedyTakesTheBestAllowedToken() {
        float[] l = logits(50);
        int best = Sampler.argmax(l, 50);
        Sampler s = new Sampler(SamplingParams.greedy());
        int t = s.sample(l.clone(), 50, i -> i != best);
        float[] rest = l.clone();
        rest[best] = Float.NEGATIVE_INFINITY;
        assertEquals(Sampler.argmax(rest, 50), t);
    }

    @Test
    void randomDrawsOnlyEverGiveAllowedTokens() {
        for (SamplingParams p : new SamplingParams[]{SamplingParams.defaults(), SamplingParams.defaults().withTopK(0)
                .withTopP(1).withMinP(0).withTemperature(1.5), SamplingParams.defaults().withRepeatPenalty(1.3)}) {
            Sampler s = new Sampler(p.withSeed(7));
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < 300; i++) {
                int t = s.sample(logits(1000), 1000, tok -> tok % 97 == 3);
                assertEquals(3, t % 97, "token " + t);
                seen.add(t);
            }
            assertTrue(seen.size() > 1 || p.topK() == 40, seen.toString());
        }
    }

    @Test
    void aNarrowConstraintMasksTheVocabularyOnceInsteadOfLooping() {
        AtomicInteger tests = new AtomicInteger();
        Sampler s = new Sampler(SamplingParams.defaults().withTopK(0).withTopP(1).withMinP(0).withTemperature(1).withSeed(1));
        float[] l = new float[5000];
        Arrays.fill(l, 1f);
        int t = s.sample(l, 5000, tok -> {
            tests.incrementAndGet();
            return tok == 4321;
        });
        assertEquals(4321, t);
        assertTrue(tests.get() <= Sampler.CONSTRAINED_TRIES + 5000, "tries, then one pass: " + tests.get());
    }

    @Test
    void nothingAllowedIsMinusOne() {
        Sampler s = new Sampler(SamplingParams.defaults());
        assertEquals(-1, s.sample(logits(100), 100, tok -> false));
    }
}
