package io.jknife.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One message of a conversation, as chat templates receive it in {@code messages}.
 *
 * <p>Templates see a dict: {@code role}; {@code content} (a string, or with {@link #parts} the
 * list of {@code {type, text}} parts, or none); {@code reasoning_content} only when
 * {@link #reasoningContent} is set (Qwen3 and DeepSeek templates test {@code is defined});
 * {@code tool_calls} only when there are some; {@code tool_call_id} for tool results.
 *
 * @param role             {@code system}, {@code user}, {@code assistant}, {@code tool}, or any
 *                         role a template knows
 * @param content          the text, or null (an assistant turn that only calls tools; or when
 *                         {@code parts} carries the content)
 * @param reasoningContent an assistant's reasoning kept apart from its answer, or null
 * @param parts            multi-part content ({@code text} and {@code image} parts), or null for
 *                         plain text content
 * @param toolCalls        calls an assistant made, never null (empty for none)
 * @param toolCallId       for a {@code tool} message, the id of the call it answers, or null
 */
public record ChatMessage(String role, String content, String reasoningContent, List<ContentPart> parts,
                          List<ToolCall> toolCalls, String toolCallId) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        parts = parts == null ? null : List.copyOf(parts);
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    /** A plain-text message with the given role. */
    public static ChatMessage of(String role, String content) {
        return new ChatMessage(role, content, null, null, null, null);
    }

    /** A multi-part message (text and image parts) with the given role. */
    public static ChatMessage of(String role, List<ContentPart> parts) {
        return new ChatMessage(role, null, null, Objects.requireNonNull(parts, "parts"), null, null);
    }

    public static ChatMessage system(String content) {
        return of("system", content);
    }

    public static ChatMessage user(String content) {
        return of("user", content);
    }

    public static ChatMessage assistant(String content) {
        return of("assistant", content);
    }

    /** An assistant answer with its reasoning kept apart (templates decide whether to show it again). */
    public static ChatMessage assistant(String content, String reasoningContent) {
        return new ChatMessage("assistant", content, reasoningContent, null, null, null);
    }

    /** An assistant turn that calls tools; {@code content} may be null. */
    public static ChatMessage assistantToolCalls(String content, List<ToolCall> toolCalls) {
        return new ChatMessage("assistant", content, null, null, toolCalls, null);
    }

    /** The result of a tool call. */
    public static ChatMessage tool(String content, String toolCallId) {
        return new ChatMessage("tool", content, null, null, null, toolCallId);
    }

    /** The same message with its reasoning set (null clears it). */
    public ChatMessage withReasoningContent(String reasoning) {
        return new ChatMessage(role, content, reasoning, parts, toolCalls, toolCallId);
    }

    /** The message's text: {@link #content}, or its text parts joined; "" when it has none. */
    public String text() {
        if (parts == null) {
            return content == null ? "" : content;
        }
        StringBuilder b = new StringBuilder();
        for (ContentPart p : parts) {
            if (p.isText() && p.text() != null) {
                b.append(p.text());
            }
        }
        return b.toString();
    }

    /** The dict a template sees for this message. */
    Map<String, Object> toTemplateValue() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        if (parts != null) {
            List<Map<String, Object>> list = new ArrayList<>(parts.size());
            for (ContentPart p : parts) {
                Map<String, Object> part = new LinkedHashMap<>();
                part.put("type", p.type());
                if (p.text() != null) {
                    part.put("text", p.text());
                }
                list.add(part);
            }
            m.put("content", list);
        } else {
            m.put("content", content);
        }
        if (reasoningContent != null) {
            m.put("reasoning_content", reasoningContent);
        }
        if (!toolCalls.isEmpty()) {
            List<Map<String, Object>> calls = new ArrayList<>(toolCalls.size());
            for (ToolCall c : toolCalls) {
                Map<String, Object> fn = new LinkedHashMap<>();
                fn.put("name", c.name());
                fn.put("arguments", c.arguments());
                Map<String, Object> call = new LinkedHashMap<>();
                if (c.id() != null) {
                    call.put("id", c.id());
                }
                call.put("type", "function");
                call.put("function", fn);
                calls.add(call);
            }
            m.put("tool_calls", calls);
        }
        if (toolCallId != null) {
            m.put("tool_call_id", toolCallId);
        }
        return m;
    }
}
