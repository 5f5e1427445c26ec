package io.jknife.whisper;

import io.github.givimad.whisperjni.WhisperFullParams;
import io.jknife.engine.EngineException;
import io.jknife.engine.LoadOptions;
import io.jknife.engine.Segment;
import io.jknife.engine.SpeechEngine;
import io.jknife.engine.SpeechEngineCatalog;
import io.jknife.engine.Transcription;
import io.jknife.engine.TranscriptionRequest;
import io.jknife.testkit.TinyWhisper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine over whisper-jni with generated tiny models (real format, random weights). */
class WhisperEngineTest {
    static Path dir;
    static WhisperModel multilingual;
    static final List<String> nativeLog = new ArrayList<>();
    static final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            synchronized (nativeLog) {
                nativeLog.add(r.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    static void load(@TempDir Path tmp) throws Exception {
        Logger jul = Logger.getLogger(WhisperNative.LOGGER_NAME);
        jul.setLevel(Level.ALL);
        jul.addHandler(capture);
        dir = tmp;
        Path ml = Files.createDirectories(tmp.resolve("ml"));
        multilingual = new WhisperEngine().loadFile(TinyWhisper.write(ml.resolve("ggml-tiny.bin")), new LoadOptions(0, 2));
    }

    @AfterAll
    static void close() {
        multilingual.close();
        Logger.getLogger(WhisperNative.LOGGER_NAME).removeHandler(capture);
    }

    @Test
    void foundThroughServiceLoader() {
        SpeechEngineCatalog catalog = SpeechEngineCatalog.discover();
        SpeechEngine e = catalog.get("whisper.cpp").orElseThrow();
        assertTrue(e instanceof WhisperEngine);
    }

    @Test
    void longAudioGoesThroughThreeWindowsWithClampedTimes() throws Exception {
        float[] audio = TestAudio.tone(65, 1);
        // temperature 1: one decoding per window (at 0 a random-weight model walks the whole fallback ladder)
        Transcription t = multilingual.transcribe(audio, TranscriptionRequest.defaults().withLanguage("de").withTemperature(1));
        assertEquals(65.0, t.duration(), 1e-9);
        assertEquals("transcribe", t.task());
        assertEquals("de", t.language());
        assertFalse(t.segments().isEmpty());
        boolean[] windows = new boolean[3];
        double previousStart = 0;
        for (Segment s : t.segments()) {
            assertTrue(s.start() >= 0 && s.end() >= s.start() && s.end() <= 65.0, s.toString());
            assertTrue(s.start() >= previousStart, "segments in order: " + t.segments());
            previousStart = s.start();
            windows[Math.min(2, (int) (s.start() / 30))] = true;
        }
        assertTrue(windows[0] && windows[1] && windows[2], "segments start in each of the 3 windows: " + t.segments());
        assertTrue(t.millis() > 0 && t.realTimeFactor() > 0);
        synchronized (nativeLog) {
            assertTrue(nativeLog.stream().anyMatch(l -> l.contains("whisper_model_load")),
                    "whisper.cpp's log reaches our logger: " + nativeLog);
        }
    }

    @Test
    void concurrentRequestsEachGetTheirOwnState() throws Exception {
        float[] audio = TestAudio.tone(8, 2);
        TranscriptionRequest req = TranscriptionRequest.defaults().withLanguage("en").withThreads(1);
        Transcription alone = multilingual.transcribe(audio, req);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<Transcription>> runs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                runs.add(pool.submit((Callable<Transcription>) () -> multilingual.transcribe(audio, req)));
            }
            for (Future<Transcription> f : runs) {
                assertEquals(alone.segments(), f.get().segments());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * whisper-jni's context and state maps are unlocked C++ maps: before every call went through
     * WhisperNative's lock, lookups racing with loads, unloads and new states aborted the JVM
     * ("map::at"). Many short requests on reused and new states while other models load and close.
     */
    @Test
    void requestsRacingWithLoadsAndUnloadsLeaveTheJvmStanding() throws Exception {
        float[] audio = TestAudio.tone(1, 2);
        TranscriptionRequest req = TranscriptionRequest.defaults().withLanguage("en").withThreads(1);
        Transcription alone = multilingual.transcribe(audio, req);
        Path file = TinyWhisper.write(Files.createDirectories(dir.resolve("churn")).resolve("ggml-tiny.bin"));
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                runs.add(pool.submit((Callable<Void>) () -> {
                    for (int i = 0; i < 6; i++) {
                        assertEquals(alone.segments(), multilingual.transcribe(audio, req).segments());
                    }
                    return null;
                }));
            }
            runs.add(pool.submit((Callable<Void>) () -> {
                for (int i = 0; i < 6; i++) {
                    try (WhisperModel other = new WhisperEngine().loadFile(file, new LoadOptions(0, 1))) {
                        assertEquals(alone.segments(), other.transcribe(audio, req).segments());
                    }
                }
                return null;
            }));
            for (Future<?> f : runs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The binding's maps themselves, hammered through WhisperNative's lock: lookups on one thread,
     * states created and freed on two others (unlocked, concurrent inserts can lose a node, and the
     * next lookup of it aborts the JVM).
     */
    @Test
    void bindingLookupsAndStateChurnDoNotRace() throws Exception {
        var jni = WhisperNative.get();
        var ctx = WhisperNative.changingRefs(() -> {
            try {
                return jni.initNoState(dir.resolve("ml/ggml-tiny.bin"));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        var state = WhisperNative.changingRefs(() -> jni.initState(ctx));
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            // bounded on both sides: queued writers keep readers waiting (by design: states change rarely)
            Future<?> lookups = pool.submit((Callable<Void>) () -> {
                for (int i = 0; i < 20_000; i++) {
                    assertEquals(0, (int) WhisperNative.usingRefs(() -> jni.fullNSegmentsFromState(state)));
                }
                return null;
            });
            Callable<Void> churn = () -> {
                for (int i = 0; i < 50; i++) {
                    var s = WhisperNative.changingRefs(() -> jni.initState(ctx));
                    WhisperNative.changingRefs(() -> jni.free(s));
                }
                return null;
            };
            Future<?> churn1 = pool.submit(churn);
            Future<?> churn2 = pool.submit(churn);
            lookups.get();
            churn1.get();
            churn2.get();
        } finally {
            pool.shutdownNow();
            WhisperNative.changingRefs(() -> jni.free(state));
            WhisperNative.changingRefs(() -> jni.free(ctx));
        }
    }

    @Test
    void languageTranslatePromptAndTemperatureReachWhisper() {
        WhisperTraits ml = multilingual.traits();
        TranscriptionRequest req = new TranscriptionRequest("fr", true, "Glossary: jknife", 0.4, true, 3);
        WhisperFullParams p = WhisperModel.params(req, ml, 0);
        assertEquals("fr", p.language);
        assertTrue(p.translate);
        assertEquals("Glossary: jknife", p.initialPrompt);
        assertEquals(0.4f, p.temperature, 1e-6);
        assertEquals(3, p.nThreads);
        assertFalse(p.detectLanguage, "detectLanguage would stop after detection");
        assertFalse(p.printProgress || p.printRealtime || p.printTimestamps, "nothing printed by whisper.cpp");
        assertFalse(p.noTimestamps);
        assertEquals("auto", WhisperModel.params(TranscriptionRequest.defaults(), ml, 2).language);
        assertEquals(2, WhisperModel.params(TranscriptionRequest.defaults(), ml, 2).nThreads);
    }

    @Test
    void translateChangesWhatTheModelDecodes() throws Exception {
        float[] audio = TestAudio.tone(10, 3);
        TranscriptionRequest base = TranscriptionRequest.defaults().withLanguage("de");
        Transcription transcribed = multilingual.transcribe(audio, base);
        Transcription translated = multilingual.transcribe(audio, base.withTranslate(true));
        assertEquals("translate", translated.task());
        assertNotEquals(transcribed.segments(), translated.segments(), "the translate token changes the decoder's prompt");
        Transcription french = multilingual.transcribe(audio, base.withLanguage("fr"));
        assertNotEquals(transcribed.segments(), french.segments(), "the language token changes the decoder's prompt");
    }

    @Test
    void autoDetectionReportsNoInventedLanguage() throws Exception {
        Transcription t = multilingual.transcribe(TestAudio.tone(3, 4), TranscriptionRequest.defaults());
        assertNull(t.language(), "the binding cannot say which language it detected");
    }

    @Test
    void englishOnlyModelRefusesWhatItWouldIgnore() throws Exception {
        Path en = Files.createDirectories(dir.resolve("en"));
        try (WhisperModel m = new WhisperEngine().loadFile(TinyWhisper.write(en.resolve("ggml-tiny.en.bin"),
                TinyWhisper.Options.defaults().withMultilingual(false)), LoadOptions.defaults())) {
            assertFalse(m.multilingual());
            assertTrue(m.translateRefusal().contains("English-only"));
            EngineException tr = assertThrows(EngineException.class,
                    () -> m.transcribe(TestAudio.tone(2, 5), TranscriptionRequest.defaults().withTranslate(true)));
            assertTrue(tr.getMessage().contains("cannot translate"), tr.getMessage());
            EngineException de = assertThrows(EngineException.class,
                    () -> m.transcribe(TestAudio.tone(2, 5), TranscriptionRequest.defaults().withLanguage("de")));
            assertTrue(de.getMessage().contains("English-only"), de.getMessage());
            assertEquals("en", WhisperModel.params(TranscriptionRequest.defaults(), m.traits(), 0).language);
            Transcription t = m.transcribe(TestAudio.tone(4, 5), TranscriptionRequest.defaults());
            assertEquals("en", t.language());
        }
    }

    @Test
    void unknownLanguageIsRefusedInJava() {
        EngineException e = assertThrows(EngineException.class,
                () -> multilingual.transcribe(TestAudio.tone(1, 6), TranscriptionRequest.defaults().withLanguage("xx")));
        assertTrue(e.getMessage().contains("unknown language 'xx'"), e.getMessage());
        // large-v3's extra language would land on the translate token of a 51865-token vocabulary
        assertThrows(EngineException.class,
                () -> multilingual.transcribe(TestAudio.tone(1, 6), TranscriptionRequest.defaults().withLanguage("yue")));
    }

    @Test
    void distilledShapedModelRunsWithoutTimestampsAndValidTimes() throws Exception {
        Path d = Files.createDirectories(dir.resolve("distil"));
        try (WhisperModel m = new WhisperEngine().loadFile(TinyWhisper.write(d.resolve("ggml-distil.bin"),
                TinyWhisper.Options.defaults().withDims(16, 2, 4, 2)), LoadOptions.defaults())) {
            assertFalse(m.timestamps());
            assertTrue(WhisperModel.params(TranscriptionRequest.defaults(), m.traits(), 0).noTimestamps);
            Transcription t = m.transcribe(TestAudio.tone(5, 7), TranscriptionRequest.defaults().withLanguage("en").withTemperature(1));
            for (Segment s : t.segments()) {
                assertTrue(s.start() >= 0 && s.end() >= s.start() && s.end() <= 5.0, s.toString());
            }
        }
    }

    @Test
    void hazardModelsAreRefusedBeforeLoadingAndTheJvmSurvives() throws Exception {
        TinyWhisper.Options o = TinyWhisper.Options.defaults();
        assertRefused("convf32", o.withConvF32(), "f32");
        assertRefused("nospace", o.withoutSpaceToken(), "\" \"");
        assertRefused("utf8", o.withInvalidUtf8Token(), "UTF-8");
        assertRefused("missing", o.withMissingTensor(), "decoder.ln.bias");
        // still alive and working
        assertFalse(multilingual.transcribe(TestAudio.tone(2, 8), TranscriptionRequest.defaults().withLanguage("en")).task().isEmpty());
    }

    @Test
    void fileChangedAfterProbingIsReadAgain() throws Exception {
        Path d = Files.createDirectories(dir.resolve("changed"));
        Path f = TinyWhisper.write(d.resolve("ggml-tiny.bin"));
        TinyWhisper.write(f, TinyWhisper.Options.defaults().withConvF32());
        EngineException e = assertThrows(EngineException.class, () -> WhisperEngine.readChecked("m", f));
        assertTrue(e.getMessage().contains("would crash whisper.cpp"), e.getMessage());
    }

    @Test
    void emptyAudioAndClosedModelAreErrors() throws Exception {
        assertThrows(EngineException.class, () -> multilingual.transcribe(new float[0], TranscriptionRequest.defaults()));
        Path d = Files.createDirectories(dir.resolve("closed"));
        WhisperModel m = new WhisperEngine().loadFile(TinyWhisper.write(d.resolve("ggml-tiny.bin")), LoadOptions.defaults());
        m.close();
        m.close(); // idempotent
        EngineException e = assertThrows(EngineException.class, () -> m.transcribe(TestAudio.tone(1, 9), TranscriptionRequest.defaults()));
        assertTrue(e.getMessage().contains("unloaded"));
    }

    private static void assertRefused(String name, TinyWhisper.Options o, String why) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        Path f = TinyWhisper.write(d.resolve("ggml-" + name + ".bin"), o);
        EngineException e = assertThrows(EngineException.class, () -> new WhisperEngine().loadFile(f, LoadOptions.defaults()));
        assertTrue(e.getMessage().contains(why), e.getMessage());
        assertTrue(e.getMessage().startsWith("Refused") || e.getMessage().contains("Incomplete"), e.getMessage());
    }
}
