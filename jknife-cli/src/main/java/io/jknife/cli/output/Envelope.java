package io.jknife.cli.output;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.LinkedHashMap;
import java.util.Map;

/** The one JSON document every {@code --json} command prints: status, command, data, error. */
@JsonPropertyOrder({"status", "command", "data", "error"})
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Envelope(String status, String command, Object data, Map<String, Object> error) {

    public static Envelope success(String command, Object data) {
        return new Envelope("success", command, data, null);
    }

    public static Envelope error(String command, Object data, String type, String message, Map<String, Object> extra) {
        Map<String, Object> err = new LinkedHashMap<>();
        err.put("type", type);
        err.put("message", message);
        if (extra != null) {
            err.putAll(extra);
        }
        return new Envelope("error", command, data, err);
    }
}
