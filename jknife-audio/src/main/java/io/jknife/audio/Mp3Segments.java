package io.jknife.audio;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A long MP3 stream decoded in parallel segments, giving the same samples as one sequential decode.
 *
 * <p>A layer III frame depends on earlier frames only through the bit reservoir (its main data
 * may start up to 511 bytes back), the IMDCT overlap (the previous granule) and the synthesis
 * filterbank's history (refilled within one frame). So a segment starts decoding
 * {@value #WARMUP_FRAMES} frames before its own first frame and drops what those produce; from its
 * first frame on, its output is the sequential decoder's, sample for sample. Frame boundaries come
 * from walking the frame headers; a stream whose headers do not chain cleanly (free format, junk,
 * a changing sample rate) gets no plan and is decoded sequentially. Segments complete in order
 * into the caller's sink, at most one more than the thread count in flight, so memory stays
 * bounded by a few segments beyond the output.
 */
final class Mp3Segments {

    /** Below this many frames per segment (about 35–40 s of audio), threads are not worth starting. */
    static final int MIN_SEGMENT_FRAMES = 1500;
    static final int WARMUP_FRAMES = 16;

    private final ByteBuffer data;
    /** Byte offset where each segment's decoding starts (warm-up included) and ends. */
    private final int[] from;
    private final int[] to;
    /** Frames of warm-up at the start of each segment. */
    private final int[] warmup;
    private final int threads;

    private Mp3Segments(ByteBuffer data, int[] from, int[] to, int[] warmup, int threads) {
        this.data = data;
        this.from = from;
        this.to = to;
        this.warmup = warmup;
        this.threads = threads;
    }

    int segments() {
        return from.length;
    }

    /** A plan for {@code file}, or null when it is short, irregular or there is one thread. */
    static Mp3Segments plan(Path file, Mp3Gapless gapless, int threads) throws IOException {
        MpegHeader first = gapless.firstFrame();
        if (threads < 2 || first == null || first.layer() != 3) {
            return null;
        }
        ByteBuffer data;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE || size < (long) 2 * MIN_SEGMENT_FRAMES * 24) {
                return null;
            }
            data = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
        }
        int size = data.capacity();
        int[] offsets = new int[1024];
        int frames = 0;
        byte[] header = new byte[4];
        int pos = (int) gapless.audioStart();
        while (pos + 4 <= size) {
            data.get(pos, header);
            MpegHeader h = MpegHeader.parse(header, 0, 4);
            if (h == null || h.version() != first.version() || h.layer() != 3 || h.sampleRate() != first.sampleRate()
                    || h.frameBytes() <= 0 || pos + h.frameBytes() > size) {
                break; // the rest (a tag, junk, a cut-off frame) goes to the last segment as it is
            }
            if (frames == offsets.length) {
                offsets = Arrays.copyOf(offsets, frames * 2);
            }
            offsets[frames++] = pos;
            pos += h.frameBytes();
        }
        int count = Math.min(frames / MIN_SEGMENT_FRAMES, 4 * threads);
        if (count < 2) {
            return null;
        }
        int[] from = new int[count];
        int[] to = new int[count];
        int[] warmup = new int[count];
        for (int i = 0; i < count; i++) {
            int firstFrame = (int) ((long) i * frames / count);
            int start = Math.max(0, firstFrame - WARMUP_FRAMES);
            from[i] = offsets[start];
            warmup[i] = firstFrame - start;
            to[i] = i == count - 1 ? size : offsets[(int) ((long) (i + 1) * frames / count)];
        }
        return new Mp3Segments(data, from, to, warmup, threads);
    }

    /** Decodes every segment and hands their samples, in order, to {@code sink}. */
    Mp3Decoder.Run decode(Mp3Decoder.FrameSink sink) throws AudioException {
        int n = segments();
        int workers = Math.min(threads, n);
        long frames = 0;
        String lastError = null;
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "jknife-mp3-decode");
            t.setDaemon(true);
            return t;
        });
        try {
            Deque<Future<Segment>> inFlight = new ArrayDeque<>();
            int next = 0;
            while (next < n && inFlight.size() <= workers) {
                int i = next++;
                inFlight.add(pool.submit(() -> decodeSegment(i)));
            }
            while (!inFlight.isEmpty()) {
                Segment s = inFlight.poll().get();
                if (next < n) {
                    int i = next++;
                    inFlight.add(pool.submit(() -> decodeSegment(i)));
                }
                if (s.frames() > 0) {
                    sink.frame(s.rate(), s.samples(), s.length(), frames);
                }
                frames += s.frames();
                lastError = s.lastError() != null ? s.lastError() : lastError;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AudioException("interrupted while decoding MP3");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new AudioException("MP3 decoding failed: " + e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return new Mp3Decoder.Run(frames, lastError);
    }

    /** One segment's own samples (warm-up dropped). */
    record Segment(int rate, float[] samples, int length, long frames, String lastError) {
    }

    private Segment decodeSegment(int i) throws AudioException {
        ByteBuffer slice = data.slice(from[i], to[i] - from[i]);
        float[][] out = {new float[1 << 16]};
        int[] length = {0};
        int[] rate = {0};
        long[] own = {0};
        int drop = warmup[i];
        Mp3Decoder.Run run = Mp3Decoder.run(new EndGuardStream(new BufferStream(slice)), slice.capacity(),
                (r, mono, n, index) -> {
                    if (index < drop) {
                        return;
                    }
                    rate[0] = r;
                    own[0]++;
                    if (length[0] + n > out[0].length) {
                        out[0] = Arrays.copyOf(out[0], Math.max(length[0] + n, out[0].length * 2));
                    }
                    System.arraycopy(mono, 0, out[0], length[0], n);
                    length[0] += n;
                });
        return new Segment(rate[0], out[0], length[0], own[0], run.lastError());
    }

    /** An InputStream over a buffer (a slice of the mapped file). */
    private static final class BufferStream extends InputStream {

        private final ByteBuffer buf;

        BufferStream(ByteBuffer buf) {
            this.buf = buf;
        }

        @Override
        public int read() {
            return buf.hasRemaining() ? buf.get() & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (!buf.hasRemaining()) {
                return -1;
            }
            int n = Math.min(len, buf.remaining());
            buf.get(b, off, n);
            return n;
        }

        @Override
        public int available() {
            return buf.remaining();
        }
    }
}
