package io.jknife.audio;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import javazoom.jl.decoder.Bitstream;
import javazoom.jl.decoder.BitstreamErrors;
import javazoom.jl.decoder.BitstreamException;
import javazoom.jl.decoder.Decoder;
import javazoom.jl.decoder.Header;
import javazoom.jl.decoder.Obuffer;
import javazoom.jl.decoder.OutputChannels;

/**
 * MPEG audio (layers I–III, MPEG-1/2/2.5) through jlayer's frame-level API: one {@link Decoder}
 * and one reused float output, no shorts and no clipping in between. Stereo layer III is downmixed
 * by jlayer before its hybrid/synthesis stage, so only one channel goes through the costly
 * filterbank. Encoder delay and padding are trimmed when the file's LAME tag gives them.
 *
 * <p>Guards against garbage: jlayer resynchronises on its own, but can also throw anything from a
 * corrupt frame, so every frame is wrapped, a run of {@value #MAX_BAD_RUN} failures ends the
 * stream, and the number of frames is bounded by the file size (every frame takes at least 24 bytes).
 *
 * <p>Long layer III streams on machines with 4 or more cores are decoded in parallel segments
 * ({@link Mp3Segments}), with the same samples as the sequential decode.
 */
final class Mp3Decoder implements SourceDecoder {

    /** jlayer's synthesis scale (Decoder's fixed 32700) taken back out. */
    private static final float SCALE = 1f / 32700f;
    private static final int MAX_BAD_RUN = 32;
    private static final Object JLAYER_INIT = new Object();

    @Override
    public void decode(Path file, MonoSink sink) throws AudioException, IOException {
        Mp3Gapless gapless = Mp3Gapless.read(file);
        long size = Files.size(file);
        Trim out = new Trim(sink, gapless.skip(), gapless.length());
        boolean[] begun = {false};
        FrameSink frames = (rate, mono, n, index) -> {
            if (!begun[0]) {
                sink.begin(rate, gapless.estimatedSamples());
                begun[0] = true;
            }
            out.accept(mono, 0, n);
        };
        Run run;
        Mp3Segments segments = Mp3Segments.plan(file, gapless, PARALLELISM);
        if (segments != null) {
            run = segments.decode(frames);
        } else {
            try (InputStream in = new EndGuardStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
                // Skip the ID3v2 tag here: jlayer would allocate whatever size a corrupt tag header claims.
                in.skipNBytes(Math.min(gapless.audioStart(), size));
                run = run(in, size, frames);
            }
        }
        if (run.frames() == 0) {
            throw new AudioException("MP3 stream has no decodable frames: " + file.getFileName()
                    + (run.lastError() == null ? "" : " (" + run.lastError() + ")"));
        }
    }

    /**
     * How many threads a long stream is decoded with ({@code -Djknife.audio.threads=N}). By default
     * one on machines with fewer than 4 cores: on 2 cores, measured, segments gained nothing.
     */
    static final int PARALLELISM = Integer.getInteger("jknife.audio.threads", defaultThreads());

    private static int defaultThreads() {
        int cores = Runtime.getRuntime().availableProcessors();
        return cores < 4 ? 1 : Math.min(8, cores);
    }

    /** Receives each decoded frame, downmixed; {@code index} counts every frame header read. */
    interface FrameSink {
        void frame(int rate, float[] mono, int n, long index) throws AudioException;
    }

    /** What a run over a stream did: frames decoded and the last error seen. */
    record Run(long frames, String lastError) {
    }

    /**
     * Runs jlayer over {@code in} (positioned after any ID3v2 tag) until the end, a run of
     * {@value #MAX_BAD_RUN} failures, or more iterations than {@code bytes} could hold frames.
     */
    static Run run(InputStream in, long bytes, FrameSink sink) throws AudioException {
        Bitstream bitstream = new Bitstream(in);
        FloatOutput pcm = new FloatOutput();
        Decoder decoder = null;
        boolean fresh = false;
        int rate = 0;
        int layer = 0;
        long frames = 0;
        long headers = 0;
        int badRun = 0;
        String lastError = null;
        // Every frame is at least 24 bytes, so more iterations than that would be a loop in place.
        long maxIterations = bytes / 24 + MAX_BAD_RUN;
        long iterations = 0;
        while (true) {
            Header h;
            try {
                h = bitstream.readFrame();
            } catch (BitstreamException e) {
                if (e.getErrorCode() == BitstreamErrors.STREAM_EOF) {
                    break;
                }
                lastError = e.getMessage();
                if (++badRun > MAX_BAD_RUN || ++iterations > maxIterations) {
                    break;
                }
                continue;
            } catch (RuntimeException e) {
                lastError = String.valueOf(e);
                break; // the bitstream itself is in an unknown state
            }
            if (h == null) {
                break;
            }
            long index = headers++;
            try {
                if (decoder == null) {
                    rate = h.frequency();
                    layer = h.layer();
                    Decoder.Params params = new Decoder.Params();
                    boolean stereo = h.mode() != Header.SINGLE_CHANNEL;
                    params.setOutputChannels(stereo && layer == 3 ? OutputChannels.DOWNMIX : OutputChannels.BOTH);
                    decoder = new Decoder(params);
                    decoder.setOutputBuffer(pcm);
                    fresh = true;
                }
                if (h.frequency() != rate || h.layer() != layer) {
                    badRun++; // a false sync in garbage; real streams keep both fixed
                } else {
                    pcm.reset();
                    if (fresh) {
                        // jlayer fills static tables lazily, unsynchronised, in the first frame
                        // of a Decoder: serialise those first frames across threads.
                        synchronized (JLAYER_INIT) {
                            decoder.decodeFrame(h, bitstream);
                        }
                        fresh = false;
                    } else {
                        decoder.decodeFrame(h, bitstream);
                    }
                    frames++;
                    badRun = 0;
                    sink.frame(rate, pcm.mono(), pcm.drain(), index);
                }
            } catch (AudioException e) {
                throw e;
            } catch (Exception e) {
                lastError = String.valueOf(e);
                badRun++;
                if (frames == 0) {
                    decoder = null; // the first header was a false sync: start over on the next one
                }
            } finally {
                bitstream.closeFrame();
            }
            if (badRun > MAX_BAD_RUN || ++iterations > maxIterations) {
                break;
            }
        }
        return new Run(frames, lastError);
    }

    /** Receives jlayer's synthesis output (32 floats per call and channel) for one frame. */
    static final class FloatOutput extends Obuffer {

        private final float[][] channels = new float[2][2304];
        private final int[] counts = new int[2];
        private final float[] mono = new float[2304];

        void reset() {
            counts[0] = 0;
            counts[1] = 0;
        }

        @Override
        public void appendSamples(int channel, float[] f) {
            if (channel > 1) {
                return;
            }
            int n = counts[channel];
            int len = Math.min(f.length, channels[channel].length - n);
            System.arraycopy(f, 0, channels[channel], n, len);
            counts[channel] = n + len;
        }

        @Override
        public void append(int channel, short value) {
            if (channel <= 1 && counts[channel] < channels[channel].length) {
                channels[channel][counts[channel]++] = value;
            }
        }

        float[] mono() {
            return mono;
        }

        /** Downmixes the frame into {@link #mono()} and returns its length. */
        int drain() {
            float[] a = channels[0];
            int n = counts[0];
            if (counts[1] == 0) {
                for (int i = 0; i < n; i++) {
                    mono[i] = a[i] * SCALE;
                }
            } else {
                n = Math.min(n, counts[1]);
                float[] b = channels[1];
                for (int i = 0; i < n; i++) {
                    mono[i] = (a[i] + b[i]) * (0.5f * SCALE);
                }
            }
            reset();
            return n;
        }

        @Override
        public void write_buffer(int val) {
        }

        @Override
        public void close() {
        }

        @Override
        public void clear_buffer() {
        }

        @Override
        public void set_stop_flag() {
        }
    }

    /** Drops the encoder/decoder delay at the start and the padding at the end. */
    private static final class Trim {

        private final MonoSink sink;
        private long skip;
        private long left;

        Trim(MonoSink sink, long skip, long length) {
            this.sink = sink;
            this.skip = skip;
            this.left = length < 0 ? Long.MAX_VALUE : length;
        }

        void accept(float[] s, int off, int len) {
            int drop = (int) Math.min(skip, len);
            skip -= drop;
            int n = (int) Math.min(left, len - drop);
            if (n > 0) {
                sink.accept(s, off + drop, n);
                left -= n;
            }
        }
    }
}
