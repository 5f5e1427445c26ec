package io.jknife.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.chat.ChatMessage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The conversation as text: image parts of any turn become placeholders (reference server.md §5.7). */
class ChatMessagesTest {
    private static ObjectNode body(String messages) throws Exception {
        return (ObjectNode) TestServers.JSON.readTree("{\"messages\":" + messages + "}");
    }

    @Test
    void imagePartsBecomeAPlaceholderAfterTheText() throws Exception {
        List<ChatMessage> m = ChatMessages.parse(body("""
                [{"role":"user","content":[{"type":"text","text":"look"},
                   {"type":"image_url","image_url":{"url":"not even a valid url"}},
                   {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]},
                 {"role":"assistant","content":"ok"},
                 {"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}, 7, {"type":"text","text":""},
                   {"type":"text","text":"a"}, {"type":"text","text":"b"}]},
                 {"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]"""));
        assertEquals("look\n\n[2 image(s) were attached]", m.get(0).text());
        assertEquals("a b\n\n[1 image(s) were attached]", m.get(2).text(), "non-empty text parts joined with a space");
        assertEquals("[1 image(s) were attached]", m.get(3).text(), "alone without text");
    }

    @Test
    void theLastUserMessageDecidesTheImagePath() throws Exception {
        var withImage = body("""
                [{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]},{"role":"assistant","content":"a"}]""");
        int last = ChatMessages.lastUser(withImage.get("messages"));
        assertEquals(0, last);
        assertTrue(ChatMessages.hasImages(withImage.get("messages").get(last)));
        var later = body("""
                [{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]},{"role":"user","content":"hi"}]""");
        assertFalse(ChatMessages.hasImages(later.get("messages").get(ChatMessages.lastUser(later.get("messages")))));
        assertEquals(-1, ChatMessages.lastUser(body("[{\"role\":\"system\",\"content\":\"s\"}]").get("messages")));
    }

    @Test
    void unknownPartsAndAudioAreRefused() throws Exception {
        ApiException video = assertThrows(ApiException.class, () -> ChatMessages.parse(body(
                "[{\"role\":\"user\",\"content\":[{\"type\":\"video\"}]}]")));
        assertTrue(video.getMessage().contains("'video'"), video.getMessage());
        ApiException audio = assertThrows(ApiException.class, () -> ChatMessages.parse(body(
                "[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\",\"input_audio\":{}}]}]")));
        assertEquals(400, audio.status());
    }
}
