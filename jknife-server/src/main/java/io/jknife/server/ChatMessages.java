package io.jknife.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.chat.ChatMessage;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code messages} of a chat request as text: string contents as they are; arrays of parts
 * become their non-empty {@code text} parts joined with a space, and images in them a
 * placeholder such as {@code [2 image(s) were attached]} after a blank line (reference server.md
 * §5.7), since only the last user message's images are ever shown to a model.
 */
final class ChatMessages {
    private ChatMessages() {
    }

    /** The validated conversation; 400/422 with the offending field on bad input. */
    static List<ChatMessage> parse(ObjectNode body) {
        JsonNode arr = array(body);
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            JsonNode m = arr.get(i);
            String at = "messages[" + i + "]";
            String role = role(m, at);
            JsonNode c = m.get("content");
            String text;
            if (c == null || c.isNull()) {
                if (role.equals("assistant")) {
                    text = "";
                } else {
                    throw ApiException.invalidField(at + ".content", at + ".content is required");
                }
            } else if (c.isTextual()) {
                text = c.asText();
            } else if (c.isArray()) {
                text = partsText(c, at);
            } else {
                throw ApiException.invalidField(at + ".content", at + ".content must be a string or an array of parts");
            }
            out.add(ChatMessage.of(role, text));
        }
        return out;
    }

    /** The {@code messages} array, checked to be a non-empty array. */
    static JsonNode array(ObjectNode body) {
        JsonNode arr = body.get("messages");
        if (arr == null || arr.isNull()) {
            throw ApiException.badRequest("'messages' is required");
        }
        if (!arr.isArray()) {
            throw ApiException.invalidField("messages", "'messages' must be an array");
        }
        if (arr.isEmpty()) {
            throw ApiException.invalidField("messages", "'messages' must not be empty");
        }
        return arr;
    }

    /** The index of the last message with role {@code user}, or -1. */
    static int lastUser(JsonNode messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if ("user".equals(messages.get(i).path("role").asText(""))) {
                return i;
            }
        }
        return -1;
    }

    /** Whether a message's content is an array holding an {@code image_url} part. */
    static boolean hasImages(JsonNode message) {
        JsonNode c = message.get("content");
        if (c == null || !c.isArray()) {
            return false;
        }
        for (JsonNode part : c) {
            if (isImage(part)) {
                return true;
            }
        }
        return false;
    }

    static boolean isImage(JsonNode part) {
        return part.isObject() && "image_url".equals(part.path("type").asText(""));
    }

    private static String role(JsonNode m, String at) {
        if (!m.isObject()) {
            throw ApiException.invalidField(at, at + " must be an object");
        }
        String role = m.path("role").asText("");
        return switch (role) {
            case "system", "developer" -> "system";
            case "user", "assistant" -> role;
            default -> throw ApiException.invalidField(at + ".role",
                    at + ".role must be system, developer, user or assistant (got '" + role + "')");
        };
    }

    private static String partsText(JsonNode parts, String at) {
        StringBuilder sb = new StringBuilder();
        int images = 0;
        for (JsonNode part : parts) {
            if (!part.isObject()) {
                continue; // as the reference: non-object items are skipped
            }
            String type = part.path("type").asText("");
            switch (type) {
                case "text" -> {
                    String t = part.path("text").asText("");
                    if (!t.isEmpty()) {
                        if (!sb.isEmpty()) {
                            sb.append(' ');
                        }
                        sb.append(t);
                    }
                }
                case "image_url" -> images++;
                case "input_audio" -> throw new ApiException(400, "invalid_request_error", "unsupported_content", at + ".content",
                        "Audio input in chat messages is not supported: transcribe it with POST "
                                + "/v1/audio/transcriptions and send the text", null);
                default -> throw ApiException.invalidField(at + ".content",
                        "Content part type '" + type + "' is not supported by this server (text and image_url only)");
            }
        }
        if (images > 0) {
            if (!sb.isEmpty()) {
                sb.append("\n\n");
            }
            sb.append('[').append(images).append(" image(s) were attached]");
        }
        return sb.toString();
    }
}
