package io.jknife.bench.system;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcParsersTest {
    @Test
    void meminfoWithAndWithoutMemAvailable() {
        MemInfo m = MemInfo.parse("MemTotal:       16000 kB\nMemFree:         1000 kB\nMemAvailable:    8000 kB\n"
                + "SwapTotal:       4096 kB\nSwapFree:        1024 kB\n");
        assertEquals(16000 * 1024L, m.total());
        assertEquals(8000 * 1024L, m.available());
        assertEquals(3072 * 1024L, m.swapUsed());
        MemInfo old = MemInfo.parse("MemTotal: 16000 kB\nMemFree: 1000 kB\nActive(file): 2000 kB\nInactive(file): 3000 kB\nSReclaimable: 500 kB\n");
        assertEquals(6500 * 1024L, old.available(), "estimate on kernels before 3.14");
        assertNull(MemInfo.parse("garbage"));
    }

    @Test
    void cpuSharesAddUpTo100() {
        CpuTimes a = CpuTimes.parse("cpu  100 10 50 800 20 5 5 10 7 0\ncpu0 1 2 3\n");
        CpuTimes b = CpuTimes.parse("cpu  160 10 70 900 30 5 15 10 9 0\n");
        CpuTimes.Split s = b.since(a);
        assertEquals(100, s.user() + s.sys() + s.idle() + s.iowait() + s.steal(), 1e-9);
        assertEquals(30.0, s.user(), 1e-9);
        assertEquals(15.0, s.sys(), 1e-9);
        assertNull(b.since(null));
    }

    @Test
    void psiAndPressureLevels() {
        Psi p = Psi.parse("some avg10=12.50 avg60=1.00 avg300=0.10 total=123456\nfull avg10=0.50 avg60=0.00 avg300=0.00 total=789\n");
        assertEquals(12.5, p.someAvg10());
        assertEquals(789, p.fullTotalUs());
        assertEquals(PressureLevel.WARN, PressureLevel.level(p, null, null, 50));
        assertEquals(PressureLevel.CRITICAL, PressureLevel.level(null, null, 25.0, 50));
        assertEquals(PressureLevel.CRITICAL, PressureLevel.level(null, null, null, 4));
        assertEquals(PressureLevel.WARN, PressureLevel.level(null, null, null, 14));
        assertEquals(PressureLevel.NORMAL, PressureLevel.level(null, null, null, 60));
        assertEquals(0, PressureLevel.vmPressure(PressureLevel.NORMAL));
        assertEquals(1, PressureLevel.vmPressure(PressureLevel.WARN));
        assertEquals(4, PressureLevel.vmPressure(PressureLevel.CRITICAL));
        assertNull(Psi.parse(null));
    }

    @Test
    void statLinesWithHostileNames() {
        long[] f = StatLine.fields("1234 (my (odd) name) S 1 2 3 4 5 6 7 8 9 10 111 222 0 0 20 0 1 0 100 4096 77 18446744073709551615");
        assertEquals('S', (char) f[StatLine.STATE]);
        assertEquals(1, f[StatLine.PPID]);
        assertEquals(111, f[StatLine.UTIME]);
        assertEquals(222, f[StatLine.STIME]);
        assertEquals(77, f[StatLine.RSS]);
    }

    @Test
    void gpuLinesAndCpuLists() {
        GpuReading g = GpuReading.parse("0, NVIDIA H100 80GB HBM3, 87, 41, 18432, 81559, [N/A], 61");
        assertEquals("NVIDIA H100 80GB HBM3", g.name());
        assertEquals(87.0, g.util());
        assertNull(g.powerW());
        assertNull(GpuReading.parse("bad"));
        assertEquals(8, Machine.countCpuList("0-3,8-11"));
        assertEquals(1, Machine.countCpuList("0"));
        assertEquals(0, Machine.countCpuList(null));
    }

    @Test
    void procFileRereadsFromTheStart() {
        ProcFile f = new ProcFile(Path.of("/proc/self/stat"));
        String a = f.read();
        String b = f.read();
        assertNotNull(a);
        assertTrue(b.startsWith(a.substring(0, a.indexOf(')'))), "same process, re-read at offset 0");
        ProcFile missing = new ProcFile(Path.of("/proc/does-not-exist"));
        assertNull(missing.read());
    }

    @Test
    void thisMachineIsDescribed() {
        Machine m = Machine.detectWithoutGpu();
        assertTrue(m.coresLogical() >= 1);
        assertTrue(m.ramTotalBytes() > 0);
        assertNotNull(m.model());
        assertTrue(ProcFiles.PAGE_SIZE >= 4096);
        assertTrue(ProcFiles.CLOCK_TICKS > 0);
    }
}
