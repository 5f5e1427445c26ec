package io.jknife.whisper.bench;

import io.github.givimad.whisperjni.WhisperContext;
import io.github.givimad.whisperjni.WhisperFullParams;
import io.github.givimad.whisperjni.WhisperJNI;
import io.github.givimad.whisperjni.WhisperSamplingStrategy;
import io.github.givimad.whisperjni.WhisperState;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real-time factor of {@code jknife run MODEL --audio FILE} against the bare whisper-jni binding,
 * in one JVM, alternating the two so machine noise hits both alike.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp jknife-cli/target/jknife.jar:jknife-cli/target/lib/* io.jknife.whisper.bench.WhisperBench [SECONDS=60] [RUNS=3] [THREADS=cores]
 * </pre>
 *
 * <p>Bare binding: read the WAV's samples, {@code initNoState} + {@code initState} +
 * {@code fullWithState} with the parameters jknife uses, read the segments, free. jknife: the
 * whole command in-process ({@code io.jknife.cli.Main.run}, found by reflection because the CLI
 * depends on this module): resolve, probe, route, validation re-read, audio decoding, load,
 * transcription, formatting. Both include loading the model; neither includes JVM start.
 */
public final class WhisperBench {
    private WhisperBench() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 60;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        Path work = Files.createTempDirectory("jknife-whisper-bench");
        try {
            Path model = BenchModel.write(work.resolve("model/ggml-tiny.bin"));
            Path wav = BenchModel.wav(work.resolve("audio.wav"), seconds);
            System.out.printf(Locale.ROOT, "model: whisper tiny shapes (384 wide, 4+4 layers, 6 heads, 80 mels, n_vocab 51865, F16), %.1f MB%n",
                    Files.size(model) / 1e6);
            System.out.printf(Locale.ROOT, "audio: %.0f s, 16 kHz mono WAV; threads %d; runs %d (after one warm-up each)%n", seconds, threads, runs);
            Jknife jknife = new Jknife();
            String[] cli = {"run", model.getParent().toString(), "--audio", wav.toString(), "--language", "en",
                    "--threads", String.valueOf(threads), "--json"};
            bare(model, wav, threads); // warm-up: library extraction, JIT
            jknife.run(cli);
            List<Double> bareMs = new ArrayList<>();
            List<Double> jkMs = new ArrayList<>();
            List<Double> bareCpu = new ArrayList<>();
            List<Double> jkCpu = new ArrayList<>();
            List<Double> bareFixed = new ArrayList<>();
            List<Double> jkFixed = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                long c0 = cpuNanos();
                long t0 = System.nanoTime();
                double bareInner = bare(model, wav, threads);
                bareMs.add((System.nanoTime() - t0) / 1e6);
                bareFixed.add(bareMs.getLast() - bareInner);
                bareCpu.add((cpuNanos() - c0) / 1e6);
                c0 = cpuNanos();
                t0 = System.nanoTime();
                double inner = jknife.run(cli);
                jkMs.add((System.nanoTime() - t0) / 1e6);
                jkCpu.add((cpuNanos() - c0) / 1e6);
                jkFixed.add(jkMs.getLast() - inner);
                System.out.printf(Locale.ROOT, "run %d: binding %.0f ms (CPU %.0f ms; whisper_full %.0f ms), jknife run --audio %.0f ms (CPU %.0f ms; whisper_full %.0f ms)%n",
                        i + 1, bareMs.getLast(), bareCpu.getLast(), bareInner, jkMs.getLast(), jkCpu.getLast(), inner);
            }
            double b = median(bareMs);
            double j = median(jkMs);
            double bc = median(bareCpu);
            double jc = median(jkCpu);
            System.out.printf(Locale.ROOT, "binding:            median wall %.0f ms (real-time factor %.4f), CPU %.0f ms%n", b, b / 1000 / seconds, bc);
            System.out.printf(Locale.ROOT, "jknife run --audio: median wall %.0f ms (real-time factor %.4f), CPU %.0f ms%n", j, j / 1000 / seconds, jc);
            System.out.printf(Locale.ROOT, "overhead: wall %+.1f %%, CPU time %+.1f %% (limit 5 %%)%n", (j - b) / b * 100, (jc - bc) / bc * 100);
            // the work outside whisper_full (load, probe, decode, format) does not depend on machine noise as much
            double bf = median(bareFixed);
            double jf = median(jkFixed);
            System.out.printf(Locale.ROOT, "outside whisper_full: binding median %.0f ms, jknife median %.0f ms: jknife adds %.0f ms = %.1f %% of the binding's median run%n",
                    bf, jf, jf - bf, (jf - bf) / b * 100);
        } finally {
            try (var s = Files.walk(work)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The bare binding, with the parameters {@code WhisperModel} sets for {@code --language en}; returns whisper_full's milliseconds. */
    static double bare(Path model, Path wav, int threads) throws Exception {
        WhisperJNI.loadLibrary(m -> { });
        WhisperJNI.setLibraryLogger(m -> { });
        WhisperJNI jni = new WhisperJNI();
        float[] samples = BenchModel.readWav(wav);
        WhisperContext ctx = jni.initNoState(model);
        try {
            WhisperState state = jni.initState(ctx);
            try {
                WhisperFullParams p = new WhisperFullParams(WhisperSamplingStrategy.GREEDY);
                p.nThreads = threads;
                p.language = "en";
                p.temperatureInc = 0.2f;
                p.noContext = true;
                p.printProgress = false;
                p.printRealtime = false;
                p.printTimestamps = false;
                long t0 = System.nanoTime();
                if (jni.fullWithState(ctx, state, p, samples, samples.length) != 0) {
                    throw new IllegalStateException("whisper_full failed");
                }
                double ms = (System.nanoTime() - t0) / 1e6;
                int n = jni.fullNSegmentsFromState(state);
                for (int i = 0; i < n; i++) {
                    jni.fullGetSegmentTextFromState(state, i);
                }
                return ms;
            } finally {
                jni.free(state);
            }
        } finally {
            jni.free(ctx);
        }
    }

    /** CPU time of the whole process, native threads included (stabler than wall time on a shared machine). */
    private static long cpuNanos() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    /** {@code io.jknife.cli.Main.run(args, new Context(...))} by reflection; returns the transcription's processing_ms. */
    private static final class Jknife {
        private static final Pattern PROCESSING = Pattern.compile("\"processing_ms\"\\s*:\\s*([0-9.]+)");
        private final Method run;
        private final Constructor<?> context;

        Jknife() throws ReflectiveOperationException {
            Class<?> main = Class.forName("io.jknife.cli.Main");
            Class<?> ctx = Class.forName("io.jknife.cli.Context");
            run = main.getMethod("run", String[].class, ctx);
            context = ctx.getConstructor(Map.class, PrintStream.class, PrintStream.class, BufferedReader.class, boolean.class);
        }

        double run(String[] args) throws Exception {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Object ctx = context.newInstance(System.getenv(), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8), new BufferedReader(new StringReader("")), false);
            int code = (int) run.invoke(null, args, ctx);
            String o = out.toString(StandardCharsets.UTF_8);
            if (code != 0) {
                throw new IllegalStateException("jknife exited " + code + ": " + o + err.toString(StandardCharsets.UTF_8));
            }
            Matcher m = PROCESSING.matcher(o);
            return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
        }
    }
}
