package io.jknife.bench.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.bench.events.BenchEvent;
import io.jknife.bench.json.Jsonl;
import io.jknife.bench.json.Num;
import io.jknife.bench.system.Machine;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** Builders of the report's lines: the common header, event records, the {@code system} block. */
public final class ReportLines {
    public static final String PRODUCER = "jknife";

    private ReportLines() {
    }

    /** UTC ISO-8601 with microseconds and {@code +00:00}, as the original writes timestamps. */
    public static String iso(Instant t) {
        return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(t.truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC))
                .replace("Z", "+00:00");
    }

    public static Instant instant(double epochSeconds) {
        long s = (long) Math.floor(epochSeconds);
        return Instant.ofEpochSecond(s, Math.round((epochSeconds - s) * 1e9));
    }

    /** The version to write: the build's, or 0.0.0 (the caller flags it in metadata). */
    public static String toolVersion() {
        String v = BenchVersion.version();
        return v == null ? "0.0.0" : v;
    }

    /** An event record line; {@code test} is the test running at the time, or null. */
    public static ObjectNode event(BenchEvent e, String test) {
        ObjectNode o = Jsonl.object();
        o.put(ReportFields.SCHEMA_VERSION, SchemaVersion.CURRENT.version());
        o.put(ReportFields.RECORD_TYPE, ReportFields.RECORD_TYPE_EVENT);
        o.put(ReportFields.Event.EVENT, e.type().wireName());
        o.put(ReportFields.Event.TS, Num.round(e.ts(), 6));
        o.put(ReportFields.TIMESTAMP, iso(instant(e.ts())));
        o.put(ReportFields.TOOL_VERSION, toolVersion());
        o.put(ReportFields.PRODUCER, PRODUCER);
        o.put(ReportFields.Event.PID, e.pid());
        o.put(ReportFields.Event.MODEL_ID, e.modelId());
        o.put(ReportFields.TEST, test);
        if (!e.data().isEmpty()) {
            o.set(ReportFields.Event.DATA, Jsonl.MAPPER.valueToTree(e.data()));
        }
        return o;
    }

    /** The {@code system} block with the hardware profile (emitted names and the v0.2 aliases). */
    public static ObjectNode system(Machine m) {
        ObjectNode s = Jsonl.object();
        s.put(ReportFields.Sys.PLATFORM, "linux");
        s.put(ReportFields.Sys.PLATFORM_VERSION, m.platformVersion() + (m.kernelRelease() == null ? "" : " (" + m.kernelRelease() + ")"));
        s.put(ReportFields.Sys.HARDWARE, m.chip());
        s.put(ReportFields.Sys.RAM_TOTAL_GB, Num.round(m.ramTotalBytes() / Num.GIB, 2));
        s.put(ReportFields.Sys.JVM_VERSION, m.jvmVersion());
        s.put(ReportFields.Sys.KERNEL_RELEASE, m.kernelRelease());
        s.put(ReportFields.Sys.CGROUP_VERSION, m.cgroupVersion());
        s.put(ReportFields.Sys.CGROUP_MEMORY_MAX_GB, m.cgroupMemoryMax() == null ? null : Num.round(m.cgroupMemoryMax() / Num.GIB, 2));
        ObjectNode h = s.putObject(ReportFields.Sys.HARDWARE_PROFILE);
        h.put(ReportFields.Hardware.MODEL, m.model());
        h.put(ReportFields.Hardware.MODEL_IDENTIFIER, m.model());
        h.put(ReportFields.Hardware.CHIP, m.chip());
        h.put(ReportFields.Hardware.CORES_PHYSICAL, m.coresPhysical());
        h.put(ReportFields.Hardware.CORES_LOGICAL, m.coresLogical());
        h.put(ReportFields.Hardware.CHIP_CORES_PERFORMANCE, m.coresPerformance());
        h.put(ReportFields.Hardware.CHIP_CORES_EFFICIENCY, m.coresEfficiency());
        var gpus = m.gpus();
        h.put(ReportFields.Hardware.GPU_COUNT, gpus.size());
        h.put(ReportFields.Hardware.GPU_NAME, m.gpuName());
        h.put(ReportFields.Hardware.GPU_MEMORY_TOTAL_MB, gpus.isEmpty() ? null : gpus.getFirst().memoryTotalMb());
        h.put(ReportFields.Hardware.GPU_DRIVER_VERSION, gpus.isEmpty() ? null : gpus.getFirst().driverVersion());
        h.put(ReportFields.Hardware.COMPUTE_CAPABILITY, gpus.isEmpty() ? null : gpus.getFirst().computeCapability());
        return s;
    }
}
