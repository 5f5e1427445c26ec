package io.jknife.server;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.data.message.UserMessage;
import io.jknife.testkit.CacheTree;
import io.jknife.testkit.TinyGguf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real OpenAI client from Maven Central (LangChain4j) against the server, with an API key. */
class LangChain4jClientTest {
    @TempDir
    static Path tmp;
    static TestServers.Running server;

    @BeforeAll
    static void start() throws Exception {
        Path hf = tmp.resolve("hf");
        CacheTree.at(hf).repo("org/tiny-GGUF").file("tiny-F32.gguf", TinyGguf.llama(tmp.resolve("m.gguf"), TinyGguf.Options.defaults()));
        server = TestServers.start(hf, ServerConfig.defaults().withApiKey("lc4j-key"), TestServers.plenty());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void chatAndStreamingAgree() throws Exception {
        OpenAiChatModel chat = OpenAiChatModel.builder().baseUrl(server.base() + "/v1").apiKey("lc4j-key")
                .modelName("org/tiny-GGUF").temperature(0.0).maxTokens(8).build();
        ChatResponse whole = chat.chat(UserMessage.from("Hello there"));
        assertNotNull(whole.aiMessage().text());
        assertEquals(8, whole.tokenUsage().outputTokenCount());

        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(server.base() + "/v1")
                .apiKey("lc4j-key").modelName("org/tiny-GGUF").temperature(0.0).maxTokens(8).build();
        StringBuilder pieces = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat("Hello there", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                pieces.append(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse streamed = done.get(60, TimeUnit.SECONDS);
        assertEquals(whole.aiMessage().text(), pieces.toString());
        assertEquals(whole.aiMessage().text(), streamed.aiMessage().text());
        assertTrue(streamed.finishReason() != null, streamed.toString());
    }

    @Test
    void wrongKeyIsAnAuthenticationError() {
        OpenAiChatModel chat = OpenAiChatModel.builder().baseUrl(server.base() + "/v1").apiKey("wrong")
                .modelName("org/tiny-GGUF").maxTokens(2).maxRetries(0).build();
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> chat.chat("hi"));
        assertTrue(String.valueOf(e.getMessage()).contains("Incorrect API key") || e.getClass().getSimpleName().contains("Authentication"),
                e.toString());
    }
}
