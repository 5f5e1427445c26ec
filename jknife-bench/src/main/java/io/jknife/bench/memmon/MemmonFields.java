package io.jknife.bench.memmon;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Field names of memmon lines (samples and the summary), shared by the sampler, the plot and the
 * report's GPU correlation. Legacy names of mlx-knife's memmon are kept; on Linux
 * {@code ram_free_gb} is MemAvailable (bounded by the cgroup's headroom), GiB; {@code *_mb} MiB.
 */
public final class MemmonFields {
    private MemmonFields() {
    }

    // sample: memory
    public static final String RAM_FREE_GB = "ram_free_gb";
    public static final String RAM_AVAILABLE_GB = "ram_available_gb";
    public static final String RAM_MEMFREE_GB = "ram_memfree_gb";
    public static final String RAM_TOTAL_GB = "ram_total_gb";
    public static final String RAM_USED_GB = "ram_used_gb";
    public static final String RAM_PERCENT = "ram_percent";
    public static final String SWAP_USED_MB = "swap_used_mb";
    public static final String SWAP_PERCENT = "swap_percent";
    public static final String SWAP_IN_PPS = "swap_in_pps";
    public static final String SWAP_OUT_PPS = "swap_out_pps";
    public static final String MEMORY_PRESSURE = "memory_pressure";
    public static final String VM_PRESSURE = "vm_pressure";
    public static final String PSI_SOME_AVG10 = "psi_some_avg10";
    public static final String PSI_FULL_AVG10 = "psi_full_avg10";
    public static final String PSI_SOME_IV = "psi_some_iv";
    public static final String PSI_FULL_IV = "psi_full_iv";
    // sample: CPU
    public static final String LOAD_1 = "load_1";
    public static final String LOAD_5 = "load_5";
    public static final String LOAD_15 = "load_15";
    public static final String CPU_USER = "cpu_user";
    public static final String CPU_SYS = "cpu_sys";
    public static final String CPU_IDLE = "cpu_idle";
    public static final String CPU_IOWAIT = "cpu_iowait";
    public static final String CPU_STEAL = "cpu_steal";
    // sample: the wrapped command's process tree
    public static final String PROC_RSS_GB = "proc_rss_gb";
    public static final String PROC_CPU_PCT = "proc_cpu_pct";
    public static final String PROC_COUNT = "proc_count";
    // sample: cgroup (v2, v1 fallback) of the wrapped command
    public static final String CG_MEM_CURRENT_GB = "cg_mem_current_gb";
    public static final String CG_MEM_MAX_GB = "cg_mem_max_gb";
    public static final String CG_OOM_KILLS = "cg_oom_kills";
    // sample: GPU (null when there is none)
    public static final String GPU_ACTIVE = "gpu_active";
    public static final String GPU_DEVICE_UTIL = "gpu_device_util";
    public static final String GPU_RENDERER_UTIL = "gpu_renderer_util";
    public static final String GPU_TILER_UTIL = "gpu_tiler_util";
    public static final String GPU_MEM_UTIL = "gpu_mem_util";
    public static final String GPU_MEM_USED_MB = "gpu_mem_used_mb";
    public static final String GPU_MEM_TOTAL_MB = "gpu_mem_total_mb";
    public static final String GPU_POWER_W = "gpu_power_w";
    public static final String GPU_TEMP_C = "gpu_temp_c";
    public static final String GPUS = "gpus";
    // sample: timing
    public static final String TS = "ts";
    public static final String ELAPSED_S = "elapsed_s";
    public static final String ACQ_MS = "acq_ms";
    public static final String LATE = "late";

    // summary line
    public static final String SUMMARY = "summary";
    public static final String S_DURATION_S = "duration_s";
    public static final String S_SAMPLES = "samples";
    public static final String S_INTERVAL_MS = "interval_ms";
    public static final String S_RAM_FREE_MIN_GB = "ram_free_min_gb";
    public static final String S_RAM_FREE_MAX_GB = "ram_free_max_gb";
    public static final String S_RAM_FREE_AVG_GB = "ram_free_avg_gb";
    public static final String S_SWAP_MAX_MB = "swap_max_mb";
    public static final String S_SWAP_AVG_MB = "swap_avg_mb";
    public static final String S_SWAP_OUT_PAGES = "swap_out_pages";
    public static final String S_PRESSURE_MAX = "pressure_max";
    public static final String S_LOAD_MAX = "load_max";
    public static final String S_LOAD_AVG = "load_avg";
    public static final String S_CPU_USER_MAX = "cpu_user_max";
    public static final String S_CPU_SYS_MAX = "cpu_sys_max";
    public static final String S_PROC_RSS_MAX_GB = "proc_rss_max_gb";
    public static final String S_GPU_DEVICE_MAX = "gpu_device_max";
    public static final String S_GPU_DEVICE_AVG = "gpu_device_avg";
    public static final String S_GPU_RENDERER_MAX = "gpu_renderer_max";
    public static final String S_GPU_RENDERER_AVG = "gpu_renderer_avg";
    public static final String S_GPU_MEM_USED_MAX_MB = "gpu_mem_used_max_mb";
    public static final String S_GPU_NAME = "gpu_name";
    public static final String S_EXIT_CODE = "exit_code";
    public static final String S_COMMAND = "command";
    public static final String S_TIMESTAMP = "timestamp";
    public static final String S_PLATFORM = "platform";
    public static final String S_HOST = "host";
    public static final String S_SOURCES = "sources";
    public static final String S_RAM_TOTAL_GB = "ram_total_gb";
    public static final String S_INTERRUPTED = "interrupted";
    public static final String S_LATE_SAMPLES = "late_samples";
    public static final String S_ACQ_MS_P95 = "acq_ms_p95";
    public static final String S_MONITOR_CPU_S = "monitor_cpu_s";
    public static final String S_MONITOR_CPU_PCT = "monitor_cpu_pct";

    /** True for a memmon sample or summary line (never for a report record). */
    public static boolean isMemmonLine(JsonNode node) {
        if (node == null || !node.isObject() || node.has("schema_version") || node.has("outcome")) {
            return false;
        }
        return (node.size() == 1 && node.has(SUMMARY)) || (node.has(RAM_FREE_GB) && node.has(ELAPSED_S));
    }
}
