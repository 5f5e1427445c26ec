package io.jknife.server;

import java.util.Locale;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/** Server counters, rendered in the Prometheus text format. */
public final class Metrics {
    final LongAdder requests = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder promptTokens = new LongAdder();
    final LongAdder completionTokens = new LongAdder();
    final LongAdder generations = new LongAdder();
    final DoubleAdder ttftSeconds = new DoubleAdder();
    final DoubleAdder decodeSeconds = new DoubleAdder();
    final LongAdder memoryGateWaits = new LongAdder();
    final LongAdder memoryGateTimeouts = new LongAdder();
    final LongAdder loads = new LongAdder();
    final LongAdder unloads = new LongAdder();
    final LongAdder embeddingRequests = new LongAdder();
    final LongAdder embeddingInputs = new LongAdder();
    final LongAdder embeddingTokens = new LongAdder();
    final LongAdder images = new LongAdder();

    String render(IntSupplier queueDepth, IntSupplier loadedModels) {
        StringBuilder sb = new StringBuilder();
        counter(sb, "jknife_requests_total", "HTTP requests received", requests.sum());
        counter(sb, "jknife_errors_total", "HTTP requests answered with an error", errors.sum());
        counter(sb, "jknife_prompt_tokens_total", "Prompt tokens processed", promptTokens.sum());
        counter(sb, "jknife_completion_tokens_total", "Tokens generated", completionTokens.sum());
        counter(sb, "jknife_generations_total", "Generations finished", generations.sum());
        counter(sb, "jknife_embedding_requests_total", "Embedding requests answered", embeddingRequests.sum());
        counter(sb, "jknife_embedding_inputs_total", "Texts embedded", embeddingInputs.sum());
        counter(sb, "jknife_embedding_tokens_total", "Tokens of embedded texts", embeddingTokens.sum());
        counter(sb, "jknife_images_total", "Images shown to vision models (chat image_url parts)", images.sum());
        sb.append("# HELP jknife_time_to_first_token_seconds Time to the first token (prefill)\n")
                .append("# TYPE jknife_time_to_first_token_seconds summary\n")
                .append("jknife_time_to_first_token_seconds_sum ").append(fmt(ttftSeconds.sum())).append('\n')
                .append("jknife_time_to_first_token_seconds_count ").append(generations.sum()).append('\n');
        double decode = decodeSeconds.sum();
        gauge(sb, "jknife_tokens_per_second", "Average decode speed over all generations",
                decode > 0 ? completionTokens.sum() / decode : 0);
        gauge(sb, "jknife_queue_depth", "Requests waiting for a model", queueDepth.getAsInt());
        gauge(sb, "jknife_loaded_models", "Models loaded now", loadedModels.getAsInt());
        counter(sb, "jknife_model_loads_total", "Model loads", loads.sum());
        counter(sb, "jknife_model_unloads_total", "Model unloads (eviction, keep-alive, shutdown)", unloads.sum());
        counter(sb, "jknife_memory_gate_waits_total", "Loads that waited for free memory", memoryGateWaits.sum());
        counter(sb, "jknife_memory_gate_timeouts_total", "Loads refused after waiting for free memory", memoryGateTimeouts.sum());
        return sb.toString();
    }

    private static void counter(StringBuilder sb, String name, String help, long v) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" counter\n")
                .append(name).append(' ').append(v).append('\n');
    }

    private static void gauge(StringBuilder sb, String name, String help, double v) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" gauge\n")
                .append(name).append(' ').append(fmt(v)).append('\n');
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }
}
