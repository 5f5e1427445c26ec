package io.jknife.audio;

import java.io.IOException;
import java.nio.file.Path;

/** Decodes one container into mono samples at its own rate. */
interface SourceDecoder {

    /** Streams the whole file into {@code sink}; bad input is an {@link AudioException}. */
    void decode(Path file, MonoSink sink) throws AudioException, IOException;
}
