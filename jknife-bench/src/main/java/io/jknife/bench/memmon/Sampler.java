package io.jknife.bench.memmon;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.bench.json.Jsonl;
import io.jknife.bench.json.Num;
import io.jknife.bench.system.Cgroup;
import io.jknife.bench.system.CpuTimes;
import io.jknife.bench.system.GpuReading;
import io.jknife.bench.system.GpuStream;
import io.jknife.bench.system.LoadAvg;
import io.jknife.bench.system.MemInfo;
import io.jknife.bench.system.PressureLevel;
import io.jknife.bench.system.ProcFile;
import io.jknife.bench.system.ProcFiles;
import io.jknife.bench.system.ProcessTree;
import io.jknife.bench.system.Psi;
import io.jknife.bench.system.VmStat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.jknife.bench.memmon.MemmonFields.*;

/**
 * Takes one sample: reads procfs/sysfs directly (meminfo, vmstat, PSI, stat, loadavg, the process
 * tree's stat files, the cgroup's memory files) and the GPU stream's latest line. Keeps the previous
 * counters for rates and CPU shares. Not thread-safe: one sampler thread calls it.
 */
final class Sampler {
    /** Descendants are re-discovered every this many samples; RSS is read every sample. */
    private static final int TREE_REFRESH_EVERY = 5;

    private final ProcessTree tree;
    private final Cgroup cgroup;
    private final GpuStream gpu;
    private final int intervalMs;
    private final Map<String, String> sources = new LinkedHashMap<>();
    private final ProcFile meminfo = new ProcFile(MemInfo.FILE);
    private final ProcFile vmstat = new ProcFile(VmStat.FILE);
    private final ProcFile pressure = new ProcFile(Psi.MEMORY);
    private final ProcFile stat = new ProcFile(CpuTimes.FILE);
    private final ProcFile loadavg = new ProcFile(LoadAvg.FILE);
    private CpuTimes prevCpu;
    private VmStat prevVm;
    private Psi prevPsi;
    private long prevTreeTicks = -1;
    private long prevNanos;
    private int count;

    Sampler(ProcessTree tree, Cgroup cgroup, GpuStream gpu, int intervalMs) {
        this.tree = tree;
        this.cgroup = cgroup;
        this.gpu = gpu;
        this.intervalMs = intervalMs;
        sources.put("memory", "procfs");
        sources.put("pressure", Psi.read(Psi.MEMORY) != null ? "psi" : "meminfo");
        sources.put("cpu", "procfs");
        sources.put("process_tree", tree == null ? "none" : "procfs");
        sources.put("cgroup", cgroup == null ? "none" : "cgroup-v" + cgroup.version());
        sources.put("gpu", gpu == null ? "none" : "nvidia-smi");
    }

    Map<String, String> sources() {
        return sources;
    }

    /** One sample, stamped by the caller with ts/elapsed_s/acq_ms. */
    ObjectNode sample(long nowNanos) {
        ObjectNode s = Jsonl.object();
        double dt = prevNanos == 0 ? 0 : (nowNanos - prevNanos) / 1e9;
        // a catch-up sample right after a late one: too few clock ticks for shares and rates, so
        // those stay null and the next sample measures the whole stretch
        boolean shortGap = prevNanos != 0 && dt < intervalMs / 2000.0;
        memory(s, shortGap ? 0 : dt, shortGap);
        cpu(s, shortGap);
        processTree(s, shortGap ? 0 : dt, shortGap);
        gpu(s);
        if (!shortGap) {
            prevNanos = nowNanos;
        }
        count++;
        return s;
    }

    private void memory(ObjectNode s, double dt, boolean shortGap) {
        MemInfo m = MemInfo.parse(meminfo.read());
        Cgroup.Memory cg = cgroup == null ? null : cgroup.memory();
        double total = m == null ? 0 : m.total();
        double available = m == null ? 0 : m.available();
        double free = available;
        if (cg != null && cg.headroom() != null) {
            free = Math.min(available, cg.headroom());
        }
        s.put(RAM_FREE_GB, Num.round(free / Num.GIB, 2));
        s.put(RAM_AVAILABLE_GB, Num.round(available / Num.GIB, 2));
        s.put(RAM_MEMFREE_GB, m == null ? null : Num.round(m.free() / Num.GIB, 2));
        s.put(RAM_TOTAL_GB, Num.round(total / Num.GIB, 2));
        s.put(RAM_USED_GB, Num.round((total - available) / Num.GIB, 2));
        s.put(RAM_PERCENT, total > 0 ? Num.round((total - available) * 100.0 / total, 1) : null);
        long swapUsed = m == null ? 0 : m.swapUsed();
        s.put(SWAP_USED_MB, Num.round(swapUsed / Num.MIB, 1));
        s.put(SWAP_PERCENT, m != null && m.swapTotal() > 0 ? Num.round(swapUsed * 100.0 / m.swapTotal(), 1) : 0.0);
        VmStat vm = VmStat.parse(vmstat.read());
        s.put(SWAP_IN_PPS, rate(vm == null || prevVm == null ? null : (double) (vm.pswpin() - prevVm.pswpin()), dt));
        s.put(SWAP_OUT_PPS, rate(vm == null || prevVm == null ? null : (double) (vm.pswpout() - prevVm.pswpout()), dt));
        if (!shortGap) {
            prevVm = vm;
        }
        Psi psi = Psi.parse(pressure.read());
        Double someIv = null;
        Double fullIv = null;
        if (psi != null && prevPsi != null && dt > 0) {
            someIv = Math.min(100, (psi.someTotalUs() - prevPsi.someTotalUs()) / (dt * 1e6) * 100);
            fullIv = Math.min(100, (psi.fullTotalUs() - prevPsi.fullTotalUs()) / (dt * 1e6) * 100);
        }
        if (!shortGap) {
            prevPsi = psi;
        }
        double availPct = total > 0 ? free * 100.0 / total : 100;
        int level = PressureLevel.level(psi, someIv, fullIv, availPct);
        s.put(MEMORY_PRESSURE, level);
        s.put(VM_PRESSURE, PressureLevel.vmPressure(level));
        s.put(PSI_SOME_AVG10, psi == null ? null : psi.someAvg10());
        s.put(PSI_FULL_AVG10, psi == null ? null : psi.fullAvg10());
        s.put(PSI_SOME_IV, Num.round(someIv, 2));
        s.put(PSI_FULL_IV, Num.round(fullIv, 2));
        s.put(CG_MEM_CURRENT_GB, cg == null || cg.current() == null ? null : Num.round(cg.current() / Num.GIB, 3));
        s.put(CG_MEM_MAX_GB, cg == null || cg.max() == null ? null : Num.round(cg.max() / Num.GIB, 3));
        s.put(CG_OOM_KILLS, cg == null ? null : cg.oomKills());
    }

    private void cpu(ObjectNode s, boolean shortGap) {
        LoadAvg load = LoadAvg.parse(loadavg.read());
        s.put(LOAD_1, load == null ? null : load.load1());
        s.put(LOAD_5, load == null ? null : load.load5());
        s.put(LOAD_15, load == null ? null : load.load15());
        CpuTimes cpu = CpuTimes.parse(stat.read());
        CpuTimes.Split split = cpu == null || shortGap ? null : cpu.since(prevCpu);
        if (!shortGap) {
            prevCpu = cpu;
        }
        s.put(CPU_USER, split == null ? null : Num.round(split.user(), 1));
        s.put(CPU_SYS, split == null ? null : Num.round(split.sys(), 1));
        s.put(CPU_IDLE, split == null ? null : Num.round(split.idle(), 1));
        s.put(CPU_IOWAIT, split == null ? null : Num.round(split.iowait(), 1));
        s.put(CPU_STEAL, split == null ? null : Num.round(split.steal(), 1));
    }

    private void processTree(ObjectNode s, double dt, boolean shortGap) {
        if (tree == null) {
            s.putNull(PROC_RSS_GB);
            s.putNull(PROC_CPU_PCT);
            s.putNull(PROC_COUNT);
            return;
        }
        if (count % TREE_REFRESH_EVERY == 0) {
            tree.refresh();
        }
        ProcessTree.Usage u = tree.usage();
        s.put(PROC_RSS_GB, Num.round(u.rssBytes() / Num.GIB, 3));
        Double cpuPct = null;
        if (prevTreeTicks >= 0 && dt > 0) {
            cpuPct = Math.max(0, (u.cpuTicks() - prevTreeTicks) / (double) ProcFiles.CLOCK_TICKS / dt * 100);
        }
        if (!shortGap) {
            prevTreeTicks = u.cpuTicks();
        }
        s.put(PROC_CPU_PCT, Num.round(cpuPct, 1));
        s.put(PROC_COUNT, u.count());
    }

    private void gpu(ObjectNode s) {
        List<GpuReading> gpus = gpu == null ? List.of() : gpu.latest(Math.max(2000, 5L * intervalMs));
        s.put(GPU_ACTIVE, !gpus.isEmpty());
        if (gpus.isEmpty()) {
            for (String k : List.of(GPU_DEVICE_UTIL, GPU_RENDERER_UTIL, GPU_TILER_UTIL, GPU_MEM_UTIL, GPU_MEM_USED_MB,
                    GPU_MEM_TOTAL_MB, GPU_POWER_W, GPU_TEMP_C, GPUS)) {
                s.putNull(k);
            }
            return;
        }
        s.put(GPU_DEVICE_UTIL, max(gpus, GpuReading::util));
        s.putNull(GPU_RENDERER_UTIL);
        s.putNull(GPU_TILER_UTIL);
        s.put(GPU_MEM_UTIL, max(gpus, GpuReading::memUtil));
        s.put(GPU_MEM_USED_MB, sum(gpus, GpuReading::memUsedMb));
        s.put(GPU_MEM_TOTAL_MB, sum(gpus, GpuReading::memTotalMb));
        s.put(GPU_POWER_W, sum(gpus, GpuReading::powerW));
        s.put(GPU_TEMP_C, max(gpus, GpuReading::tempC));
        ArrayNode arr = s.putArray(GPUS);
        for (GpuReading g : gpus) {
            ObjectNode o = arr.addObject();
            o.put("index", g.index());
            o.put("util", g.util());
            o.put("mem_util", g.memUtil());
            o.put("mem_used_mb", g.memUsedMb());
        }
    }

    private static Double rate(Double delta, double dt) {
        return delta == null || dt <= 0 ? null : Num.round(Math.max(0, delta) / dt, 1);
    }

    private static Double max(List<GpuReading> gpus, java.util.function.Function<GpuReading, Double> f) {
        return gpus.stream().map(f).filter(java.util.Objects::nonNull).max(Double::compare).orElse(null);
    }

    private static Double sum(List<GpuReading> gpus, java.util.function.Function<GpuReading, Double> f) {
        List<Double> v = gpus.stream().map(f).filter(java.util.Objects::nonNull).toList();
        return v.isEmpty() ? null : v.stream().mapToDouble(Double::doubleValue).sum();
    }
}
