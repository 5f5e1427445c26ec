package io.jknife.java;

import io.jknife.engine.SamplingParams;
import io.jknife.java.sampling.Sampler;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {
    private static float[] logits() {
        // token 3 is the most likely, then 1, 7, 0; the rest far behind
        float[] l = new float[10];
        java.util.Arrays.fill(l, -10f);
        l[3] = 5f;
        l[1] = 4.5f;
        l[7] = 4f;
        l[0] = 1f;
        return l;
    }

    private static Set<Integer> draws(SamplingParams p, int n) {
        Sampler s = new Sampler(p);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            seen.add(s.sample(logits(), 10));
        }
        return seen;
    }

    @Test
    void greedyPicksTheArgmax() {
        assertEquals(Set.of(3), draws(SamplingParams.greedy(), 20));
    }

    @Test
    void topKOneIsGreedyAtAnyTemperature() {
        assertEquals(Set.of(3), draws(SamplingParams.defaults().withTemperature(5).withTopK(1), 50));
    }

    @Test
    void topKTopPAndMinPLimitTheCandidates() {
        SamplingParams hot = new SamplingParams(3.0, 1.0, 0, 0, 1.0, 1);
        assertTrue(draws(hot, 400).size() > 4, "at temperature 3 the tail is drawn too");
        assertEquals(Set.of(3, 1), draws(hot.withTopK(2), 300));
        // softmax of 5, 4.5, 4, 1: top-p 0.5 keeps 3 alone, 0.8 keeps 3 and 1
        assertEquals(Set.of(3), draws(hot.withTopP(0.45), 200));
        assertEquals(Set.of(3, 1), draws(hot.withTopP(0.8), 300));
        // min-p 0.5 keeps tokens with p >= 0.5 p(3): 1 (e^-0.5 = 0.61) but not 7 (e^-1 = 0.37)
        assertEquals(Set.of(3, 1), draws(hot.withMinP(0.5), 300));
    }

    @Test
    void theSameSeedDrawsTheSameTokens() {
        SamplingParams p = new SamplingParams(2.0, 1.0, 0, 0, 1.0, 99);
        Sampler a = new Sampler(p);
        Sampler b = new Sampler(p);
        Sampler c = new Sampler(p.withSeed(100));
        StringBuilder sa = new StringBuilder(), sb = new StringBuilder(), sc = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            sa.append(a.sample(logits(), 10));
            sb.append(b.sample(logits(), 10));
            sc.append(c.sample(logits(), 10));
        }
        assertEquals(sa.toString(), sb.toString());
        assertTrue(!sa.toString().equals(sc.toString()));
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfRecentTokens() {
        Sampler s = new Sampler(SamplingParams.greedy().withRepeatPenalty(2.0));
        s.accept(3);
        // 5 / 2 = 2.5 < 4.5: token 1 wins now
        assertEquals(1, s.sample(logits(), 10));
        // 3 and 1 are both penalized: 7 (4) wins over 1 (2.25) and 3 (2.5)
        assertEquals(7, s.sample(logits(), 10));
        float[] neg = new float[]{-1f, -1.5f};
        Sampler t = new Sampler(SamplingParams.greedy().withRepeatPenalty(2.0));
        t.accept(0);
        assertEquals(1, t.sample(neg, 2), "-1 * 2 = -2 < -1.5");
    }
}
