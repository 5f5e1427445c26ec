package io.jknife.bench.system;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.bench.json.Jsonl;
import io.jknife.bench.json.Num;
import io.jknife.bench.report.QualityFlags;

import java.util.HashSet;
import java.util.Set;

import static io.jknife.bench.report.ReportFields.Health.*;

/**
 * System health around one test: counters taken at its start, compared at its end (swap-outs, OOM
 * kills of this process's cgroup, processes started by the test and still alive), plus the state at
 * the end (RAM available, swap in use, zombies, PSI).
 */
public final class HealthProbe {
    private final VmStat vmAtStart;
    private final Long oomAtStart;
    private final Set<Long> descendantsAtStart;
    private final Cgroup cgroup;

    private HealthProbe(VmStat vm, Long oom, Set<Long> descendants, Cgroup cgroup) {
        this.vmAtStart = vm;
        this.oomAtStart = oom;
        this.descendantsAtStart = descendants;
        this.cgroup = cgroup;
    }

    public static HealthProbe start() {
        Cgroup cg = Cgroup.of(null);
        return new HealthProbe(VmStat.read(), cg == null ? null : cg.memoryFresh().oomKills(), descendants(), cg);
    }

    /** The {@code system_health} block at the end of the test. */
    public ObjectNode finish() {
        MemInfo mem = MemInfo.read();
        Cgroup.Memory cg = cgroup == null ? null : cgroup.memoryFresh();
        double available = mem == null ? 0 : mem.available();
        double free = cg != null && cg.headroom() != null ? Math.min(available, cg.headroom()) : available;
        double swapMb = mem == null ? 0 : mem.swapUsed() / Num.MIB;
        VmStat vm = VmStat.read();
        Long swapOut = vm == null || vmAtStart == null ? null : Math.max(0, vm.pswpout() - vmAtStart.pswpout());
        Long oom = cg == null || cg.oomKills() == null || oomAtStart == null ? null : Math.max(0, cg.oomKills() - oomAtStart);
        Set<Long> now = descendants();
        Set<Long> leftover = new HashSet<>(now);
        leftover.removeAll(descendantsAtStart);
        long zombiesOurs = Processes.zombies(now);
        long orphans = leftover.size() - Processes.zombies(leftover);
        int zombiesAll = Processes.zombies();
        Psi psi = Psi.read(Psi.MEMORY);
        int level = PressureLevel.level(psi, null, null, mem == null || mem.total() == 0 ? 100 : free * 100 / mem.total());

        ObjectNode h = Jsonl.object();
        h.put(RAM_FREE_GB, Num.round(free / Num.GIB, 2));
        h.put(RAM_AVAILABLE_GB, Num.round(available / Num.GIB, 2));
        h.put(SWAP_USED_MB, Math.round(swapMb));
        h.put(SWAP_GB, Num.round(swapMb / 1024, 3));
        h.put(SWAP_OUT_PAGES_DELTA, swapOut);
        h.put(ZOMBIE_PROCESSES, zombiesAll);
        h.put(ZOMBIES_DETECTED, zombiesAll);
        h.put(ZOMBIE_DESCENDANTS, zombiesOurs);
        h.put(ORPHAN_PROCESSES, orphans);
        h.put(OOM_KILLS_DELTA, oom);
        h.put(PSI_SOME_AVG10, psi == null ? null : psi.someAvg10());
        h.put(PSI_FULL_AVG10, psi == null ? null : psi.fullAvg10());
        h.put(PRESSURE_LEVEL, level);
        var flags = h.putArray(QUALITY_FLAGS);
        QualityFlags.compute(new QualityFlags.Inputs(Num.round(free / Num.GIB, 2), swapOut, zombiesOurs, orphans, oom, level))
                .forEach(flags::add);
        return h;
    }

    private static Set<Long> descendants() {
        Set<Long> out = new HashSet<>();
        ProcessHandle.current().descendants().forEach(p -> out.add(p.pid()));
        return out;
    }
}
