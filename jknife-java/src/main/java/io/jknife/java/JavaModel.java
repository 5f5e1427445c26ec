package io.jknife.java;

import io.jknife.engine.FinishReason;
import io.jknife.engine.Generation;
import io.jknife.engine.GenerationRequest;
import io.jknife.engine.GenerationResult;
import io.jknife.engine.LoadedModel;
import io.jknife.engine.SamplingParams;
import io.jknife.engine.SingleRunGeneration;
import io.jknife.engine.TokenOutbox;
import io.jknife.engine.VisionInput;
import io.jknife.java.grammar.GrammarConstraint;
import io.jknife.java.grammar.GrammarMatcher;
import io.jknife.java.grammar.TokenMatcher;
import io.jknife.java.grammar.TokenVocabulary;
import io.jknife.java.model.Model;
import io.jknife.java.model.Transformer;
import io.jknife.java.sampling.Sampler;
import io.jknife.java.sampling.TokenConstraint;
import io.jknife.java.vision.VisionLanguageModel;
import io.jknife.tokenizer.Tokenizer;
import io.jknife.vision.PixelValues;
import io.jknife.vision.RgbImage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * A model loaded in the Java engine: mapped weights, a KV cache per parallel slot, the tokenizer, and a vision tower
 * when it has one.
 *
 * <h2>Threading and parallel slots</h2>
 * Up to {@link #parallel()} generations run at once (the load's {@link io.jknife.engine.LoadOptions#parallel()}):
 * a {@link SlotScheduler} thread runs them in one forward pass per step, each in its own KV-cache
 * sequence, and hands each its tokens; more wait for a free slot in arrival order. {@link Generation#stream}
 * turns its tokens into text on the calling thread. {@link #tokenize} and {@link #detokenize} may run
 * at any time. {@link Generation#cancel()} may be called from any thread (also an interrupt of the
 * streaming thread) and stops the generation before the next token, and during a long prompt between
 * batches. {@link #close()} cancels every running generation, waits for them, then unmaps the weights
 * and stops the threads; it is idempotent, and every later call fails with {@link IllegalStateException}.
 * While the model waits for its first request one short warm-up generation may run on a thread of
 * its own ({@link #warmUpInBackground}); the first caller's request skips or cancels it.
 *
 * <h2>Prompts and output</h2>
 * As the llama.cpp engine: a text prompt gets the model's BOS when its tokenizer adds one (one BOS
 * when the text starts with it too); each slot's KV cache keeps its previous conversation, a request
 * takes the free slot whose cache holds at least half its prompt (else the one used least recently),
 * and only processes the new tokens (the last prompt token is always recomputed);
 * pieces are whole characters, control tokens are not shown; the generation stops at the
 * tokenizer's end-of-generation tokens (not counted), at a stop string (not included), at
 * {@code maxTokens} or a full context ({@link FinishReason#LENGTH}); with
 * {@link GenerationRequest#ignoreEndOfGeneration()} end-of-generation tokens count and produce no text.
 *
 * <h2>Images</h2>
 * A model loaded with a vision tower ({@link #vision()}) takes {@link GenerationRequest#images()}:
 * the prompt text holds one placeholder per image; the vision model expands it as its processor
 * does and its image rows take the image features. The KV cache remembers image rows as
 * {@link VisionLanguageModel#IMAGE_ROW}, which no token matches, so a later prompt reuses the cache
 * only up to its first image: an image never leaks into the next answer. A prompt with images runs
 * alone in its scheduler step (other slots wait for its prefill). A model without a vision
 * tower refuses images ({@link IllegalArgumentException}).
 *
 * <h2>Grammars</h2>
 * A request's GBNF grammar ({@link GenerationRequest#grammar()}) is parsed when the generation is
 * prepared (a bad one is an {@link IllegalArgumentException} naming the place) and constrains every
 * sampled token: a token the grammar refuses is masked and the sampler draws again in its own
 * order ({@link Sampler#sample(float[], int, TokenConstraint)}); tokens that
 * produce no text are never chosen; an end-of-generation token only where the grammar may end;
 * when the grammar is complete and nothing may follow, the generation ends with
 * {@link FinishReason#STOP}. Without a grammar, sampling is exactly as before.
 */
public final class JavaModel implements LoadedModel {
    private static final byte[] NO_BYTES = new byte[0];
    /** Text for the warm-up prompt: about 40 tokens of plain English with most tokenizers. */
    private static final String WARM_UP_TEXT = "The weather was mild, so they walked along the river to the old stone"
            + " bridge, talked about the books they had read that winter, and came home before it grew dark.";
    private final String name;
    private final Model model;
    private final Transformer transformer;
    private final Tokenizer tokenizer;
    private final int threads;
    private final List<Integer> eog;
    private final boolean[] isEog;
    /** The vision tower and projector in front of the text model, or null for a text-only model. */
    private final VisionLanguageModel vision;

    private final SlotScheduler scheduler;

    private final ReentrantReadWriteLock life = new ReentrantReadWriteLock();
    private final AtomicBoolean closeRequested = new AtomicBoolean();
    private final AtomicBoolean freed = new AtomicBoolean();
    private volatile boolean closed;
    /** The generations streaming now (close cancels them). */
    private final Set<Gen> live = ConcurrentHashMap.newKeySet();

    /** The warm-up ({@link #warmUpInBackground}): its thread, and its generation while it runs. */
    private volatile Thread warmUp;
    private final Object warmUpLock = new Object();
    private Generation warmUpGeneration;
    /** Set by the first caller's {@link #generate}: no warm-up starts after it. */
    private boolean requested;
    /** Whether the warm-up generation ran to its end (for tests). */
    private volatile boolean warmedUp;

    /** Every token's bytes for grammar matching (null: never allowed), built on the first grammar. */
    private volatile TokenVocabulary grammarVocabulary;
    /** The last grammar parsed, with its text: servers send the same schema again and again. */
    private volatile ParsedGrammar lastGrammar;

    private record ParsedGrammar(String text, TokenMatcher matcher) {
    }

    JavaModel(String name, Model model, Tokenizer tokenizer, int threads) {
        this(name, model, tokenizer, threads, null, 1);
    }

    /**
     * A model that sees through {@code vision} (whose text model is {@code model}), or text-only when
     * null, running up to {@code parallel} generations at once.
     */
    JavaModel(String name, Model model, Tokenizer tokenizer, int threads, VisionLanguageModel vision, int parallel) {
        if (vision != null && vision.text() != model) {
            throw new IllegalArgumentException("the vision model is in front of another text model");
        }
        this.vision = vision;
        this.name = name;
        this.model = model;
        this.transformer = model.transformer();
        this.tokenizer = tokenizer;
        this.threads = threads;
        int vocab = transformer.vocabularySize();
        this.isEog = new boolean[vocab];
        this.eog = tokenizer.endOfGeneration().stream().filter(t -> t >= 0 && t < vocab).sorted().toList();
        for (int t : eog) {
            isEog[t] = true;
        }
        this.scheduler = new SlotScheduler(name, transformer, vision, isEog, tokenizer.vocabularySize(),
                Math.min(parallel, transformer.maxBatch()));
    }

    @Override
    public String engine() {
        return JavaEngine.ID;
    }

    public String name() {
        return name;
    }

    @Override
    public int contextSize() {
        return transformer.contextSize();
    }

    public int threads() {
        return threads;
    }

    /** Waits for the weights' repacking (after an interactive load) and the warm-up, which run in the background. */
    @Override
    public void awaitBackgroundWork() throws InterruptedException {
        model.kernels().awaitBackgroundWork();
        Thread t = warmUp;
        if (t != null) {
            t.join();
        }
    }

    /** Whether the warm-up generation ran to its end ({@link #warmUpInBackground}); for tests. */
    boolean warmedUp() {
        return warmedUp;
    }

    /**
     * Once the weights' background repacking is done, on a thread of its own: the kernels' warm-up
     * ({@link io.jknife.java.weights.Kernels#warmUp()}), then, when that was worth doing, one generation of two
     * tokens from {@link #WARM_UP_TEXT}, so that the rest of the forward pass (attention, norms, sampling, the
     * scheduler) is compiled too before the first request. The generation starts only if no request has come yet,
     * and a request that comes while it runs cancels it (that request waits at most for the step in progress). It
     * leaves its tokens in one slot's KV cache, as any conversation does. At most once per model.
     */
    @Override
    public void warmUpInBackground() {
        synchronized (warmUpLock) {
            if (warmUp != null || closed) {
                return;
            }
            warmUp = Thread.ofPlatform().daemon().name("jknife-java warm-up").start(this::warmUp);
        }
    }

    private void warmUp() {
        try {
            model.kernels().awaitBackgroundWork();
            synchronized (warmUpLock) {
                if (requested) {
                    return; // the first request is compiling it already
                }
            }
            if (!model.kernels().warmUp()) {
                return;
            }
            int[] prompt = tokenize(WARM_UP_TEXT, false); // fails once closed
            prompt = Arrays.copyOf(prompt, Math.min(prompt.length, contextSize() - 3));
            Generation g;
            synchronized (warmUpLock) {
                if (requested || closed || prompt.length == 0) {
                    return;
                }
                g = prepare(GenerationRequest.ofTokens(prompt, 2, List.of(), SamplingParams.greedy()));
                warmUpGeneration = g;
            }
            warmedUp = g.collect().finishReason() != FinishReason.CANCELLED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // closed meanwhile, or anything else: the first prompt then compiles what it needs, as without this
        } finally {
            synchronized (warmUpLock) {
                warmUpGeneration = null;
            }
        }
    }

    /** Generations that run at once (parallel slots, at most the transformer's batch). */
    @Override
    public int parallel() {
        return scheduler.slots();
    }

    /** The loaded model (config, transformer, kernels): for tests and benchmarks. */
    public Model model() {
        return model;
    }

    @Override
    public List<Integer> endOfGenerationTokens() {
        return eog;
    }

    @Override
    public int[] tokenize(String text, boolean parseSpecial) {
        life.readLock().lock();
        try {
            checkOpen();
            return tokenizer.encode(text, true, parseSpecial);
        } finally {
            life.readLock().unlock();
        }
    }

    @Override
    public String detokenize(int[] tokens) {
        life.readLock().lock();
        try {
            checkOpen();
            checkTokens(tokens);
            return tokenizer.decode(tokens);
        } finally {
            life.readLock().unlock();
        }
    }

    /**
     * Prepares a generation: the prompt is tokenized and checked now.
     *
     * @throws IllegalArgumentException when the prompt is empty, does not fit the context, or has a token id outside the vocabulary
     * @throws IllegalStateException    when the model is closed
     */
    @Override
    public Generation generate(GenerationRequest request) {
        synchronized (warmUpLock) {
            requested = true;
            if (warmUpGeneration != null) {
                warmUpGeneration.cancel(); // a person's prompt goes first
            }
        }
        return prepare(request);
    }

    private Generation prepare(GenerationRequest request) {
        life.readLock().lock();
        try {
            checkOpen();
            TokenMatcher grammar = request.grammar() == null ? null : grammar(request.grammar());
            int[] prompt;
            List<PixelValues> images = List.of();
            if (!request.images().isEmpty()) {
                if (vision == null) {
                    throw new IllegalArgumentException("the model " + name + " was loaded without a vision tower;"
                            + " it takes no images");
                }
                prompt = vision.layout(promptTokens(vision.expandPrompt(request.prompt())));
                images = pixelValues(request.images(), prompt);
            } else if (request.prompt() != null) {
                prompt = promptTokens(request.prompt());
            } else {
                prompt = request.promptTokens().clone();
                checkTokens(prompt);
            }
            if (prompt.length == 0) {
                throw new IllegalArgumentException("the prompt is empty (and the model adds no BOS token)");
            }
            if (prompt.length >= contextSize()) {
                throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens; the context holds "
                        + contextSize() + " (room is needed for at least one generated token)");
            }
            return new Gen(prompt, images, request, grammar);
        } finally {
            life.readLock().unlock();
        }
    }

    /** The images as the vision tower takes them, checked against the image rows of {@code layout}. */
    private List<PixelValues> pixelValues(List<RgbImage> images, int[] layout) {
        int rows = 0;
        for (int p : layout) {
            if (p == VisionLanguageModel.IMAGE_ROW) {
                rows++;
            }
        }
        int placed = rows / vision.imageTokens();
        if (placed != images.size()) {
            throw new IllegalArgumentException("the prompt places " + placed + " image" + (placed == 1 ? "" : "s")
                    + " (" + vision.imagePlaceholder() + ") but " + images.size() + " image"
                    + (images.size() == 1 ? " was" : "s were") + " given");
        }
        List<PixelValues> values = new ArrayList<>(images.size());
        for (RgbImage image : images) {
            values.add(vision.processor().process(image).single());
        }
        return values;
    }

    /** Present when a vision tower was loaded: prompts may then carry images. */
    @Override
    public Optional<VisionInput> vision() {
        if (vision == null) {
            return Optional.empty();
        }
        return Optional.of(new VisionInput() {
            @Override
            public String imagePlaceholder() {
                return vision.imagePlaceholder();
            }

            @Override
            public int promptPositions(String prompt) {
                life.readLock().lock();
                try {
                    checkOpen();
                    return vision.layout(promptTokens(vision.expandPrompt(prompt))).length;
                } finally {
                    life.readLock().unlock();
                }
            }
        });
    }

    /** Grammars are applied in the sampling loop (see the class comment). */
    @Override
    public boolean supportsGrammar() {
        return true;
    }

    private TokenMatcher grammar(String text) {
        ParsedGrammar last = lastGrammar;
        if (last != null && last.text().equals(text)) {
            return last.matcher();
        }
        TokenMatcher m = new TokenMatcher(GrammarMatcher.of(text));
        lastGrammar = new ParsedGrammar(text, m);
        return m;
    }

    /** The tokens' bytes once per model; control and end-of-generation tokens produce no text, so none. */
    private TokenVocabulary grammarVocabulary() {
        TokenVocabulary v = grammarVocabulary;
        if (v == null) {
            int vocab = tokenizer.vocabularySize();
            byte[][] bytes = new byte[vocab][];
            for (int t = 0; t < vocab; t++) {
                if (!(t < isEog.length && isEog[t]) && !tokenizer.isControl(t)) {
                    bytes[t] = tokenizer.tokenBytes(t);
                }
            }
            v = new TokenVocabulary(bytes);
            grammarVocabulary = v;
        }
        return v;
    }

    /** The grammar as the sampler sees it: end-of-generation tokens only where the grammar may end. */
    private TokenConstraint constraintOf(GrammarConstraint grammar) {
        return new TokenConstraint() {
            @Override
            public boolean allows(int token) {
                return token < isEog.length && isEog[token] ? grammar.canEnd() : grammar.allows(token);
            }

            @Override
            public void allowedTokens(boolean[] allowed, int vocab) {
                grammar.allowedTokens(allowed);
                boolean end = grammar.canEnd();
                for (int t : eog) {
                    if (t < vocab) {
                        allowed[t] = end;
                    }
                }
            }
        };
    }

    /** Unmaps the weights and stops the threads. Idempotent; cancels and waits for a running generation. */
    @Override
    public void close() {
        if (!closeRequested.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        for (Gen g : live) {
            g.cancel();
        }
        if (life.getReadHoldCount() > 0) {
            return; // close() from inside this thread's stream(): freed when the stream ends
        }
        free();
    }

    private void free() {
        life.writeLock().lock();
        try {
            if (freed.compareAndSet(false, true)) {
                scheduler.shutdown(); // no generation is left: its thread is idle
                if (vision != null) {
                    vision.close(); // the text model, and whatever the vision half maps itself (an mmproj file)
                } else {
                    model.close();
                }
                if (tokenizer instanceof AutoCloseable c) { // a Hugging Face tokenizer holds native memory
                    try {
                        c.close();
                    } catch (Exception e) {
                        // nothing is left to use it
                    }
                }
            }
        } finally {
            life.writeLock().unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the model " + name + " is closed");
        }
    }

    private void checkTokens(int[] tokens) {
        int vocab = transformer.vocabularySize();
        for (int t : tokens) {
            if (t < 0 || t >= vocab) {
                throw new IllegalArgumentException("token id " + t + " is outside the vocabulary of " + vocab + " tokens");
            }
        }
    }

    private int[] promptTokens(String text) {
        int[] tokens = tokenizer.encode(text, true, true);
        OptionalInt bos = tokenizer.bos();
        // a template that writes the BOS itself and a tokenizer that adds one give two: keep one
        if (bos.isPresent() && tokens.length >= 2 && tokens[0] == bos.getAsInt() && tokens[1] == bos.getAsInt()) {
            int[] t = new int[tokens.length - 1];
            System.arraycopy(tokens, 1, t, 0, t.length);
            return t;
        }
        return tokens;
    }

    /** For tests: how many positions the first slot's KV cache holds (read while no generation runs). */
    int cachedTokenCount() {
        return scheduler.cachedTokens(0);
    }

    /** For tests: the most generations one forward pass has decoded together. */
    int widestDecode() {
        return scheduler.widestDecode();
    }

    /** For tests: how many positions slot {@code slot}'s KV cache holds (read after the generations ended). */
    int cachedTokenCount(int slot) {
        return scheduler.cachedTokens(slot);
    }

    /** One generation; {@link #stream} runs it once. */
    private final class Gen extends SingleRunGeneration {
        /** The prompt's positions: token ids, {@link VisionLanguageModel#IMAGE_ROW} in image rows. */
        private final int[] prompt;
        private final List<PixelValues> images;
        private final GenerationRequest request;
        private final TokenMatcher grammar;

        Gen(int[] prompt, List<PixelValues> images, GenerationRequest request, TokenMatcher grammar) {
            this.prompt = prompt;
            this.images = images;
            this.request = request;
            this.grammar = grammar;
        }

        @Override
        public GenerationResult stream(Consumer<String> onText) {
            startRun();
            life.readLock().lock();
            try {
                live.add(this);
                try {
                    checkOpen(); // after joining live: close() either sees this generation or it sees closed
                    return run(onText);
                } finally {
                    live.remove(this);
                }
            } finally {
                life.readLock().unlock();
                endRun();
                if (closeRequested.get() && life.getReadHoldCount() == 0) {
                    free(); // close() was called from inside onText
                }
            }
        }

        private GenerationResult run(Consumer<String> onText) {
            Sampler sampler = new Sampler(request.sampling());
            for (int i = Math.max(0, prompt.length - Sampler.PENALTY_LAST_N); i < prompt.length; i++) {
                if (prompt[i] != VisionLanguageModel.IMAGE_ROW) {
                    sampler.accept(prompt[i]); // the penalty looks at the prompt too, as llama.cpp's server does
                }
            }
            GrammarConstraint constraint = grammar == null ? null : new GrammarConstraint(grammar, grammarVocabulary());
            TokenConstraint allowed = constraint == null ? null : constraintOf(constraint);
            int limit = Math.min(request.maxTokens(), contextSize() - prompt.length + 1);
            TokenOutbox outbox = new TokenOutbox(this);
            scheduler.submit(new SlotRequest(prompt, images, limit, request.ignoreEndOfGeneration(), sampler,
                    constraint, allowed, outbox));
            return outbox.consume(prompt.length, request.stops(), this::piece, onText);
        }

        /** A token's text bytes; none for end-of-generation and control tokens. */
        private byte[] piece(int token) {
            return isEog[token] || tokenizer.isControl(token) ? NO_BYTES : tokenizer.tokenBytes(token);
        }
    }

    @Override
    public String toString() {
        return "JavaModel[" + name + ", ctx=" + contextSize() + ", threads=" + threads + ", kernels="
                + model.kernels().name() + "]";
    }
}
