package io.jknife.whisper;

import io.github.givimad.whisperjni.WhisperContext;
import io.github.givimad.whisperjni.WhisperFullParams;
import io.github.givimad.whisperjni.WhisperJNI;
import io.github.givimad.whisperjni.WhisperSamplingStrategy;
import io.github.givimad.whisperjni.WhisperState;
import io.jknife.engine.EngineException;
import io.jknife.engine.Segment;
import io.jknife.engine.SpeechModel;
import io.jknife.engine.Transcription;
import io.jknife.engine.TranscriptionRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A whisper.cpp model loaded without a state: every {@link #transcribe} call runs on its own
 * whisper state (KV caches and compute buffers), so concurrent requests share the weights and
 * nothing else. {@link #close()} waits for running requests.
 *
 * <p>The whole clip goes to {@code whisper_full_with_state} once; whisper.cpp walks it in its own
 * 30-second windows, so memory is the clip itself plus one state, whatever the length.
 */
public final class WhisperModel implements SpeechModel {
    private final WhisperJNI jni;
    private final WhisperContext ctx;
    private final String name;
    private final WhisperTraits traits;
    private final int defaultThreads;
    // read: a request using the context; write: close
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    WhisperModel(WhisperJNI jni, WhisperContext ctx, String name, WhisperTraits traits, int defaultThreads) {
        this.jni = jni;
        this.ctx = ctx;
        this.name = name;
        this.traits = traits;
        this.defaultThreads = defaultThreads;
    }

    @Override
    public String engine() {
        return WhisperEngine.ID;
    }

    /** The model's name as loaded. */
    public String name() {
        return name;
    }

    public WhisperTraits traits() {
        return traits;
    }

    @Override
    public boolean multilingual() {
        return traits.multilingual();
    }

    @Override
    public String translateRefusal() {
        return traits.translateRefusal();
    }

    @Override
    public boolean timestamps() {
        return traits.timestamps();
    }

    @Override
    public Transcription transcribe(float[] samples16k, TranscriptionRequest request) throws EngineException {
        check(request, traits);
        if (samples16k.length == 0) {
            throw new EngineException("the audio is empty");
        }
        WhisperFullParams params = params(request, traits, defaultThreads);
        double duration = samples16k.length / 16_000.0;
        lock.readLock().lock();
        try {
            if (closed) {
                throw new EngineException(name + " was unloaded");
            }
            WhisperState state = newState();
            try {
                long t0 = System.nanoTime();
                int rc = WhisperNative.usingRefs(() -> jni.fullWithState(ctx, state, params, samples16k, samples16k.length));
                double millis = (System.nanoTime() - t0) / 1e6;
                if (rc != 0) {
                    List<String> errors = WhisperNative.recentErrors();
                    throw new EngineException("whisper.cpp failed on the audio (code " + rc + ")"
                            + (errors.isEmpty() ? "" : ": " + errors.getLast()));
                }
                return new Transcription(request.translate() ? "translate" : "transcribe",
                        reportedLanguage(request, traits), duration,
                        WhisperNative.usingRefs(() -> segments(state, duration)), millis);
            } finally {
                WhisperNative.changingRefs(() -> jni.free(state));
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * A fresh state for one request. States are not reused: a used one decodes the next clip
     * differently from a fresh one (seen with the generated models), and a request's answer must
     * not depend on what ran before it. Creating and freeing take the binding's exclusive lock
     * ({@link WhisperNative#changingRefs}), so a request that arrives while another transcribes
     * starts when that one's {@code full} call returns.
     */
    private WhisperState newState() throws EngineException {
        WhisperState state = WhisperNative.changingRefs(() -> jni.initState(ctx));
        if (state == null) {
            throw new EngineException("whisper.cpp could not allocate a state for " + name + " (out of memory?)");
        }
        return state;
    }

    /** Refuses what the model would silently ignore or misread. */
    static void check(TranscriptionRequest request, WhisperTraits traits) throws EngineException {
        String why = traits.languageRefusal(request.language());
        if (why != null) {
            throw new EngineException(why);
        }
        if (request.translate() && traits.translateRefusal() != null) {
            throw new EngineException("cannot translate: " + traits.translateRefusal());
        }
    }

    /** The whisper.cpp parameters of a request: what the native side is told. */
    static WhisperFullParams params(TranscriptionRequest request, WhisperTraits traits, int defaultThreads) {
        WhisperFullParams p = new WhisperFullParams(WhisperSamplingStrategy.GREEDY);
        p.nThreads = request.threads() > 0 ? request.threads()
                : defaultThreads > 0 ? defaultThreads : request.effectiveThreads();
        // English-only models always transcribe English; "auto" makes whisper.cpp detect the language
        p.language = !traits.multilingual() ? "en" : request.language() == null ? "auto" : request.language();
        p.detectLanguage = false; // true would detect and stop without transcribing
        p.translate = request.translate();
        p.initialPrompt = request.prompt();
        p.temperature = (float) request.temperature();
        p.temperatureInc = 0.2f; // whisper's (and OpenAI's) fallback steps when a window decodes badly
        p.noTimestamps = !request.timestamps() || !traits.timestamps();
        p.noContext = true; // whisper.cpp's default: a window is not conditioned on the text before (no runaway repetition)
        p.printProgress = false;
        p.printRealtime = false;
        p.printTimestamps = false;
        p.printSpecial = false;
        return p;
    }

    /** The language to report: never invented. The binding has no call for the detected one. */
    static String reportedLanguage(TranscriptionRequest request, WhisperTraits traits) {
        if (!traits.multilingual()) {
            return "en";
        }
        return request.language();
    }

    private List<Segment> segments(WhisperState state, double duration) {
        int n = jni.fullNSegmentsFromState(state);
        List<Segment> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double[] span = SegmentTimes.span(jni.fullGetSegmentTimestamp0FromState(state, i),
                    jni.fullGetSegmentTimestamp1FromState(state, i), duration);
            String text = jni.fullGetSegmentTextFromState(state, i);
            out.add(new Segment(i, span[0], span[1], text, List.of()));
        }
        return out;
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                WhisperNative.changingRefs(() -> jni.free(ctx));
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
