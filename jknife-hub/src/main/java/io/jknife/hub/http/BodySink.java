package io.jknife.hub.http;

import java.io.IOException;
import java.net.http.HttpHeaders;
import java.nio.ByteBuffer;

/** Where a streamed download's body goes: checked first, then fed in order. */
public interface BodySink {
    /**
     * Before the first byte: the response's status and headers and the Hub's metadata headers of
     * the redirect chain. Returns false to refuse the body (the sink records why).
     */
    boolean begin(int status, HttpHeaders headers, HttpHeaders hubHeaders);

    /** An empty buffer to read into; the sink gets it back through {@link #accept}. */
    ByteBuffer buffer() throws IOException;

    /** The next bytes of the body (position..limit); the sink owns the buffer from now on. */
    void accept(ByteBuffer data) throws IOException;
}
