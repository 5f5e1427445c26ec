package io.jknife.bench.bandwidth;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryBandwidthTest {
    @Test
    void measuresAPositiveRate() throws Exception {
        MemoryBandwidth.Result r = MemoryBandwidth.measure(64L << 20, 2, 2);
        assertEquals(64L << 20, r.bytes());
        assertEquals(2, r.passGbps().size());
        assertTrue(r.bestGbps() > 0.1, r.toString());
        assertTrue(r.bestGbps() >= r.medianGbps());
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> MemoryBandwidth.measure(1000, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> MemoryBandwidth.measure(64L << 20, 0, 1));
    }
}
