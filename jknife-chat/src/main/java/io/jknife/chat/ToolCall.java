package io.jknife.chat;

import java.util.Objects;

/**
 * A function call an assistant made, shown to templates in OpenAI's shape
 * {@code {"id": id, "type": "function", "function": {"name": name, "arguments": arguments}}}.
 *
 * @param id        the call id, or null
 * @param name      the function name
 * @param arguments a {@code Map} (templates print it with {@code tojson}) or a JSON string, as the
 *                  client sent it; templates test {@code arguments is string} themselves
 */
public record ToolCall(String id, String name, Object arguments) {

    public ToolCall {
        Objects.requireNonNull(name, "name");
    }
}
