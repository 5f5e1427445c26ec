package io.jknife.audio;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Containers we do not read ourselves (OGG, M4A, WebM, ...) through an installed {@code ffmpeg}:
 * it writes 32-bit float mono at 16 kHz to its stdout, which we read as it comes. Its stderr is
 * kept (the tail) for the error message.
 */
final class FfmpegDecoder implements SourceDecoder {

    /** The PATH searched for ffmpeg; a seam for tests (a fake ffmpeg), never the real environment. */
    static volatile Supplier<String> searchPath = () -> System.getenv("PATH");

    private static final int STDERR_TAIL = 4096;

    private final Path executable;

    FfmpegDecoder(Path executable) {
        this.executable = executable;
    }

    /** The {@code ffmpeg} executable on the search path, if any. */
    static Optional<Path> locate() {
        String path = searchPath.get();
        if (path == null || path.isBlank()) {
            return Optional.empty();
        }
        boolean windows = File.separatorChar == '\\';
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isBlank()) {
                continue;
            }
            for (String name : windows ? List.of("ffmpeg.exe", "ffmpeg") : List.of("ffmpeg")) {
                Path candidate = Path.of(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public void decode(Path file, MonoSink sink) throws AudioException, IOException {
        List<String> command = new ArrayList<>(List.of(executable.toString(),
                "-nostdin", "-hide_banner", "-loglevel", "error",
                "-i", file.toAbsolutePath().toString(),
                "-vn", "-f", "f32le", "-acodec", "pcm_f32le",
                "-ac", "1", "-ar", Integer.toString(AudioDecoder.WHISPER_RATE), "-"));
        Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        process.getOutputStream().close();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        Thread drainer = Thread.ofVirtual().start(() -> drainTail(process.getErrorStream(), stderr));
        boolean done = false;
        long samples = 0;
        try {
            sink.begin(AudioDecoder.WHISPER_RATE, -1);
            samples = readFloats(process.getInputStream(), sink);
            int exit = process.waitFor();
            drainer.join();
            done = true;
            if (exit != 0) {
                String message = lastLine(stderr);
                throw new AudioException("ffmpeg could not decode " + file.getFileName() + " (exit " + exit + ")"
                        + (message.isEmpty() ? "" : ": " + message));
            }
            if (samples == 0) {
                throw new AudioException("ffmpeg found no audio in " + file.getFileName());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AudioException("interrupted while ffmpeg was decoding " + file.getFileName());
        } finally {
            if (!done) {
                process.destroyForcibly();
            }
        }
    }

    private static long readFloats(InputStream in, MonoSink sink) throws IOException {
        byte[] bytes = new byte[1 << 16];
        float[] floats = new float[bytes.length / 4];
        ByteBuffer view = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int have = 0;
        long total = 0;
        int n;
        while ((n = in.read(bytes, have, bytes.length - have)) >= 0) {
            have += n;
            int count = have / 4;
            for (int i = 0; i < count; i++) {
                float v = view.getFloat(i * 4);
                floats[i] = Float.isFinite(v) ? v : 0f;
            }
            sink.accept(floats, 0, count);
            total += count;
            int rest = have - count * 4;
            System.arraycopy(bytes, count * 4, bytes, 0, rest);
            have = rest;
        }
        return total;
    }

    private static void drainTail(InputStream err, ByteArrayOutputStream tail) {
        byte[] b = new byte[4096];
        try (err) {
            int n;
            while ((n = err.read(b)) >= 0) {
                synchronized (tail) {
                    tail.write(b, 0, n);
                    if (tail.size() > 4 * STDERR_TAIL) {
                        byte[] all = tail.toByteArray();
                        tail.reset();
                        tail.write(all, all.length - STDERR_TAIL, STDERR_TAIL);
                    }
                }
            }
        } catch (IOException e) {
            // the process is gone; what we have is the message
        }
    }

    private static String lastLine(ByteArrayOutputStream tail) {
        String text;
        synchronized (tail) {
            text = tail.toString(StandardCharsets.UTF_8).strip();
        }
        int nl = text.lastIndexOf('\n');
        return nl < 0 ? text : text.substring(nl + 1).strip();
    }
}
