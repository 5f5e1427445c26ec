package io.jknife.audio.bench;

import io.jknife.audio.AudioClip;
import io.jknife.audio.AudioDecoder;
import io.jknife.audio.AudioException;
import io.jknife.audio.Mp3Frames;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Decode benchmark: builds a long MP3 by concatenating the MPEG frames of a speech fixture (MPEG
 * frames concatenate), writes WAVs of the same audio at 16 kHz mono and 44.1/48 kHz stereo, and for
 * each file (plus any given on the command line, e.g. FLAC) times, separately, decoding to mono at
 * the source rate, resampling that to 16 kHz, and the streaming {@code decode16kMono} (both at once).
 * Each figure is the best of several runs after a warm-up.
 *
 * <pre>
 * java -cp ... io.jknife.audio.bench.DecodeBench [--minutes 10] [--runs 3] [--fixture FILE.mp3] [--work DIR] [FILE...]
 * </pre>
 */
public final class DecodeBench {

    private DecodeBench() {
    }

    /** One input and what we know of it. */
    record Input(Path file, String label) {
    }

    /**
     * Best-of-runs times in milliseconds: wall clock, and this thread's CPU time (the better figure
     * on a shared, loaded machine; it leaves out JIT and GC threads).
     */
    record Timing(double audioSeconds, double decodeMs, double resampleMs, double streamingMs,
            double decodeCpuMs, double resampleCpuMs, double streamingCpuMs) {
    }

    public static void main(String[] args) throws Exception {
        int minutes = 10;
        int runs = 3;
        Path fixture = null;
        Path work = Path.of(System.getProperty("java.io.tmpdir"), "jknife-decode-bench");
        List<Input> extra = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--minutes" -> minutes = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--fixture" -> fixture = Path.of(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                default -> extra.add(new Input(Path.of(args[i]), Path.of(args[i]).getFileName().toString()));
            }
        }
        if (fixture == null) {
            fixture = findFixture();
        }
        Files.createDirectories(work);

        Path mp3 = work.resolve("bench-" + minutes + "min.mp3");
        int copies = buildMp3(fixture, mp3, minutes);
        System.out.printf("MP3: %d copies of %s's frames -> %s (%.1f MB)%n", copies, fixture.getFileName(), mp3,
                Files.size(mp3) / 1e6);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long c0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        AudioClip speech = AudioDecoder.decode16kMono(mp3);
        System.out.printf("first decode16kMono of the MP3 in this JVM (JIT cold, after one 15 s decode): %.0f ms"
                + " (thread CPU %.0f ms)%n", (System.nanoTime() - t0) / 1e6, (threads.getCurrentThreadCpuTime() - c0) / 1e6);
        List<Input> inputs = new ArrayList<>();
        inputs.add(new Input(mp3, "MP3 16 kHz mono 40 kbit/s (MPEG-2 layer III)"));
        inputs.add(new Input(writeWav(work.resolve("bench-16k-mono.wav"), speech, 1), "WAV 16 kHz mono s16"));
        AudioClip at44 = AudioDecoder.resample(speech, 44_100);
        inputs.add(new Input(writeWav(work.resolve("bench-44k-stereo.wav"), at44, 2), "WAV 44.1 kHz stereo s16"));
        AudioClip at48 = AudioDecoder.resample(speech, 48_000);
        inputs.add(new Input(writeWav(work.resolve("bench-48k-stereo.wav"), at48, 2), "WAV 48 kHz stereo s16"));
        at44 = null;
        at48 = null;
        inputs.addAll(extra);

        // warm-up: every path once on the short fixture and the long MP3
        AudioDecoder.decode16kMono(fixture);
        time(inputs.get(0).file(), 1);

        System.out.printf("%njava %s, %d CPUs, best of %d runs%n", Runtime.version(),
                Runtime.getRuntime().availableProcessors(), runs);
        System.out.println("ms: wall (thread CPU)");
        System.out.printf("%-44s %8s %15s %15s %15s %10s%n", "input", "audio s", "decode", "resample",
                "streaming", "x realtime");
        for (Input in : inputs) {
            Timing t = time(in.file(), runs);
            System.out.printf("%-44s %8.1f %15s %15s %15s %10.0f%n", in.label(), t.audioSeconds(),
                    ms(t.decodeMs(), t.decodeCpuMs()), ms(t.resampleMs(), t.resampleCpuMs()),
                    ms(t.streamingMs(), t.streamingCpuMs()), t.audioSeconds() * 1000 / t.streamingMs());
        }
    }

    private static String ms(double wall, double cpu) {
        return String.format("%.0f (%.0f)", wall, cpu);
    }

    static Timing time(Path file, int runs) throws AudioException {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double decode = Double.MAX_VALUE;
        double resample = Double.MAX_VALUE;
        double streaming = Double.MAX_VALUE;
        double decodeCpu = Double.MAX_VALUE;
        double resampleCpu = Double.MAX_VALUE;
        double streamingCpu = Double.MAX_VALUE;
        double seconds = 0;
        for (int r = 0; r < runs; r++) {
            System.gc();
            long c0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            AudioClip mono = AudioDecoder.decodeMono(file);
            long t1 = System.nanoTime();
            long c1 = threads.getCurrentThreadCpuTime();
            AudioClip at16 = AudioDecoder.resample(mono, AudioDecoder.WHISPER_RATE);
            long t2 = System.nanoTime();
            long c2 = threads.getCurrentThreadCpuTime();
            mono = null;
            System.gc();
            long c3 = threads.getCurrentThreadCpuTime();
            long t3 = System.nanoTime();
            AudioClip streamed = AudioDecoder.decode16kMono(file);
            long t4 = System.nanoTime();
            long c4 = threads.getCurrentThreadCpuTime();
            decodeCpu = Math.min(decodeCpu, (c1 - c0) / 1e6);
            resampleCpu = Math.min(resampleCpu, (c2 - c1) / 1e6);
            streamingCpu = Math.min(streamingCpu, (c4 - c3) / 1e6);
            seconds = streamed.seconds();
            if (at16.samples().length != streamed.samples().length) {
                throw new IllegalStateException("streaming and two-step lengths differ for " + file);
            }
            decode = Math.min(decode, (t1 - t0) / 1e6);
            resample = Math.min(resample, (t2 - t1) / 1e6);
            streaming = Math.min(streaming, (t4 - t3) / 1e6);
        }
        return new Timing(seconds, decode, resample, streaming, decodeCpu, resampleCpu, streamingCpu);
    }

    /** Concatenates the fixture's audio frames until the stream lasts {@code minutes}; returns the copies. */
    static int buildMp3(Path fixture, Path out, int minutes) throws IOException, AudioException {
        byte[] frames = Mp3Frames.audioFrames(Files.readAllBytes(fixture));
        if (frames.length == 0) {
            throw new IOException("no MPEG frames in " + fixture);
        }
        double perCopy = AudioDecoder.decode16kMono(fixture).seconds();
        int copies = (int) Math.ceil(minutes * 60 / perCopy);
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20)) {
            for (int i = 0; i < copies; i++) {
                o.write(frames);
            }
        }
        return copies;
    }

    /** 16-bit PCM WAV with {@code channels} copies of the clip. */
    static Path writeWav(Path file, AudioClip clip, int channels) throws IOException {
        float[] s = clip.samples();
        long dataBytes = (long) s.length * 2 * channels;
        ByteBuffer header = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        header.put("RIFF".getBytes()).putInt((int) (36 + dataBytes)).put("WAVEfmt ".getBytes()).putInt(16)
                .putShort((short) 1).putShort((short) channels).putInt(clip.sampleRate())
                .putInt(clip.sampleRate() * 2 * channels).putShort((short) (2 * channels)).putShort((short) 16)
                .put("data".getBytes()).putInt((int) dataBytes);
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            o.write(header.array());
            ByteBuffer block = ByteBuffer.allocate(8192 * 2 * channels).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < s.length; i++) {
                short v = (short) Math.round(Math.max(-1, Math.min(1, s[i])) * 32767);
                for (int c = 0; c < channels; c++) {
                    block.putShort(v);
                }
                if (!block.hasRemaining()) {
                    o.write(block.array(), 0, block.position());
                    block.clear();
                }
            }
            o.write(block.array(), 0, block.position());
        }
        return file;
    }

    private static Path findFixture() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolveSibling("shared").resolve("fixtures/audio/librispeech-royal-cavern.mp3");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalArgumentException("speech fixture not found; pass --fixture FILE.mp3 "
                + "(e.g. ../shared/fixtures/audio/librispeech-royal-cavern.mp3)");
    }
}
