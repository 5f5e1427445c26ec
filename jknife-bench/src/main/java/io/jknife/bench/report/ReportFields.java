package io.jknife.bench.report;

import java.util.List;

/**
 * The one list of field names of a report record (schema v0.3.0 and its predecessors). The writer
 * (JUnit extension, events), the readers ({@link BenchRecord}, the Markdown report, the plot) and
 * the schema test use these constants; {@code ReportFieldsTest} checks each is declared in the
 * bundled v0.3 schema.
 */
public final class ReportFields {
    private ReportFields() {
    }

    // top level (required: SCHEMA_VERSION, TIMESTAMP, TOOL_VERSION, TEST, OUTCOME)
    public static final String SCHEMA_VERSION = "schema_version";
    public static final String RECORD_TYPE = "record_type";
    public static final String TIMESTAMP = "timestamp";
    public static final String TEST_START_TS = "test_start_ts";
    public static final String TEST_END_TS = "test_end_ts";
    /** Named after the original tool; jknife writes its own version here. */
    public static final String TOOL_VERSION = "mlx_knife_version";
    public static final String PRODUCER = "producer";
    public static final String TEST = "test";
    public static final String OUTCOME = "outcome";
    public static final String DURATION = "duration";
    public static final String MODEL = "model";
    public static final String PERFORMANCE = "performance";
    public static final String STOP_TOKENS = "stop_tokens";
    public static final String SYSTEM = "system";
    public static final String SYSTEM_HEALTH = "system_health";
    public static final String TIMELINE = "timeline";
    public static final String PHASES = "phases";
    public static final String EVENTS = "events";
    public static final String METADATA = "metadata";

    /** User-supplied keys that land at top level; every other key goes to {@link #METADATA}. */
    public static final List<String> TOP_LEVEL_USER_KEYS = List.of(MODEL, PERFORMANCE, STOP_TOKENS, SYSTEM);

    public static final String OUTCOME_PASSED = "passed";
    public static final String OUTCOME_FAILED = "failed";
    public static final String OUTCOME_SKIPPED = "skipped";
    public static final String RECORD_TYPE_EVENT = "event";

    /** {@code model.*} */
    public static final class Model {
        public static final String ID = "id";
        public static final String SIZE_GB = "size_gb";
        public static final String FAMILY = "family";
        public static final String VARIANT = "variant";
        public static final String FRAMEWORK = "framework";
        public static final String QUANTIZATION = "quantization";
        public static final String DISPLAY_NAME = "display_name";

        private Model() {
        }
    }

    /** {@code performance.*} */
    public static final class Performance {
        public static final String TOKENS_PER_SEC = "tokens_per_sec";
        public static final String PROMPT_TOKENS = "prompt_tokens";
        public static final String COMPLETION_TOKENS = "completion_tokens";
        public static final String MODEL_LOAD_TIME_S = "model_load_time_s";
        public static final String TIME_TO_FIRST_TOKEN_S = "time_to_first_token_s";
        public static final String PEAK_RAM_GB = "peak_ram_gb";

        private Performance() {
        }
    }

    /** {@code stop_tokens.*} */
    public static final class StopTokens {
        public static final String CONFIGURED = "configured";
        public static final String DETECTED = "detected";
        public static final String WORKAROUND = "workaround";
        public static final String LEAKED = "leaked";

        private StopTokens() {
        }
    }

    /** {@code system.*} */
    public static final class Sys {
        public static final String PLATFORM = "platform";
        public static final String PLATFORM_VERSION = "platform_version";
        public static final String HARDWARE = "hardware";
        public static final String RAM_TOTAL_GB = "ram_total_gb";
        public static final String JVM_VERSION = "jvm_version";
        public static final String KERNEL_RELEASE = "kernel_release";
        public static final String CGROUP_VERSION = "cgroup_version";
        public static final String CGROUP_MEMORY_MAX_GB = "cgroup_memory_max_gb";
        public static final String BACKEND = "backend";
        public static final String BACKEND_VERSION = "backend_version";
        public static final String HARDWARE_PROFILE = "hardware_profile";

        private Sys() {
        }
    }

    /** {@code system.hardware_profile.*} (emitted names first, then the v0.2 declared aliases). */
    public static final class Hardware {
        public static final String MODEL = "model";
        public static final String CORES_PHYSICAL = "cores_physical";
        public static final String CORES_LOGICAL = "cores_logical";
        public static final String GPU_NAME = "gpu_name";
        public static final String GPU_COUNT = "gpu_count";
        public static final String GPU_MEMORY_TOTAL_MB = "gpu_memory_total_mb";
        public static final String GPU_DRIVER_VERSION = "gpu_driver_version";
        public static final String CUDA_DRIVER_VERSION = "cuda_driver_version";
        public static final String COMPUTE_CAPABILITY = "compute_capability";
        public static final String MODEL_IDENTIFIER = "model_identifier";
        public static final String CHIP = "chip";
        public static final String CHIP_CORES_PERFORMANCE = "chip_cores_performance";
        public static final String CHIP_CORES_EFFICIENCY = "chip_cores_efficiency";

        private Hardware() {
        }
    }

    /** {@code system_health.*} (emitted names, then the v0.2 declared aliases). */
    public static final class Health {
        public static final String RAM_FREE_GB = "ram_free_gb";
        public static final String RAM_AVAILABLE_GB = "ram_available_gb";
        public static final String SWAP_USED_MB = "swap_used_mb";
        public static final String SWAP_OUT_PAGES_DELTA = "swap_out_pages_delta";
        public static final String ZOMBIE_PROCESSES = "zombie_processes";
        public static final String ZOMBIE_DESCENDANTS = "zombie_descendants";
        public static final String ORPHAN_PROCESSES = "orphan_processes";
        public static final String OOM_KILLS_DELTA = "oom_kills_delta";
        public static final String PSI_SOME_AVG10 = "psi_some_avg10";
        public static final String PSI_FULL_AVG10 = "psi_full_avg10";
        public static final String PRESSURE_LEVEL = "pressure_level";
        public static final String QUALITY_FLAGS = "quality_flags";
        public static final String SWAP_GB = "swap_gb";
        public static final String ZOMBIES_DETECTED = "zombies_detected";

        private Health() {
        }
    }

    /** {@code phases.*} */
    public static final class Phases {
        public static final String SETUP_S = "setup_s";
        public static final String BODY_S = "body_s";
        public static final String TEARDOWN_S = "teardown_s";

        private Phases() {
        }
    }

    /** {@code metadata.*} keys the tools write or read. */
    public static final class Meta {
        public static final String INFERENCE_MODALITY = "inference_modality";
        public static final String SKIP_REASON = "skip_reason";
        public static final String SKIP_PHASE = "skip_phase";
        public static final String FAIL_PHASE = "fail_phase";
        public static final String SETUP_S = "setup_s";
        public static final String TEARDOWN_S = "teardown_s";
        public static final String VERSION_UNKNOWN = "version_unknown";

        private Meta() {
        }
    }

    /** Event records and {@code events[]} items. */
    public static final class Event {
        public static final String EVENT = "event";
        public static final String TS = "ts";
        public static final String PID = "pid";
        public static final String MODEL_ID = "model_id";
        public static final String DATA = "data";

        private Event() {
        }
    }

    /** Quality flags. */
    public static final class Flags {
        public static final String CLEAN = "clean";
        public static final String DEGRADED_RAM = "degraded_ram";
        public static final String DEGRADED_SWAP = "degraded_swap";
        public static final String DEGRADED_ZOMBIES = "degraded_zombies";
        public static final String DEGRADED_PRESSURE = "degraded_pressure";
        public static final String DEGRADED_OOM = "degraded_oom";
        public static final String DEGRADED_ORPHANS = "degraded_orphans";

        private Flags() {
        }
    }
}
