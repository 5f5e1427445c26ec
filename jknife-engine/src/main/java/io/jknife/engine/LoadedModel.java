package io.jknife.engine;

import java.util.List;
import java.util.Optional;

/**
 * A model loaded by an engine. One generation at a time per loaded model unless {@link #parallel()}
 * says more; callers serialize the rest.
 * {@link #close()} frees all memory, native memory included.
 */
public interface LoadedModel extends AutoCloseable {
    /** The engine's id, as the routing policy names it. */
    String engine();

    /** The context size actually allocated, in tokens. */
    int contextSize();

    /** Token ids of {@code text}; {@code parseSpecial}: written special tokens become their ids. */
    int[] tokenize(String text, boolean parseSpecial);

    /** Text of token ids (special tokens rendered as their text). */
    String detokenize(int[] tokens);

    /** Prepares a generation; nothing runs until {@link Generation#stream}. */
    Generation generate(GenerationRequest request);

    /** The end-of-generation token ids the engine stops on. */
    List<Integer> endOfGenerationTokens();

    /** The embedding facet, when the model was loaded as an embedding model; empty for text generators. */
    default Optional<EmbeddingModel> embeddings() {
        return Optional.empty();
    }

    /**
     * The image facet, when the model can see (a vision tower loaded beside its text model); empty
     * otherwise, and then {@link #generate} refuses a request with images.
     */
    default Optional<VisionInput> vision() {
        return Optional.empty();
    }

    /**
     * How many generations may stream at once ({@link LoadOptions#parallel()} for engines with
     * parallel slots; more wait for a free slot). 1: callers serialize.
     */
    default int parallel() {
        return 1;
    }

    /**
     * Waits until the work the engine does in the background after loading is done (the Java
     * engine repacks its weights while the model already answers); from then on the model runs at
     * full speed. Returns at once for engines without such work. For benchmarks.
     */
    default void awaitBackgroundWork() throws InterruptedException {
    }

    /**
     * The caller is about to wait for requests (an interactive chat, a server's preloaded model):
     * an engine may use the time, on a thread of its own, to prepare its code paths so that the
     * first request does not pay for it (the Java engine has the JIT compile its forward pass). A
     * request that comes meanwhile goes first; {@link #awaitBackgroundWork()} waits for this too.
     * Nothing by default.
     */
    default void warmUpInBackground() {
    }

    /**
     * Whether {@link #generate} applies {@link GenerationRequest#grammar()}. An engine that does not
     * must refuse a request with a grammar (the caller checks this first), never ignore it.
     */
    default boolean supportsGrammar() {
        return false;
    }

    @Override
    void close();
}
