package io.jknife.bench.events;

/** The kinds of runtime events a report can carry (schema v0.3.0 {@code event_name}). */
public enum BenchEventType {
    MODEL_LOAD_START("model_load_start"),
    MODEL_LOAD_END("model_load_end"),
    MODEL_UNLOAD("model_unload"),
    GATE_WAIT_START("gate_wait_start"),
    GATE_WAIT_END("gate_wait_end"),
    REQUEST_START("request_start"),
    FIRST_TOKEN("first_token"),
    REQUEST_END("request_end");

    private final String wireName;

    BenchEventType(String wireName) {
        this.wireName = wireName;
    }

    /** The name written into reports. */
    public String wireName() {
        return wireName;
    }
}
