package io.jknife.llamacpp.ffi;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The llama.cpp C API (build b4916) of the native library shipped in {@code de.kherud:llama}
 * 4.2.0, called through the FFM API. The struct layouts are those of b4916's {@code llama.h}
 * (checked against the library's own default values when it is loaded, so a different build is
 * refused instead of corrupting memory).
 *
 * <p>Internal to the engine; public only so the benchmark can locate the same library file. Every
 * method here is a thin call: pointers are passed as {@link MemorySegment}s, failures are return
 * values as in C. The process-wide instance is {@link #get()}.
 */
@SuppressWarnings("restricted") // native access is the point of this class
public final class LlamaNative {

    // ---- struct layouts (llama.h, b4916) -------------------------------------------------------

    /** {@code struct llama_model_params}. */
    public static final StructLayout MODEL_PARAMS = MemoryLayout.structLayout(
            ADDRESS.withName("devices"),
            JAVA_INT.withName("n_gpu_layers"),
            JAVA_INT.withName("split_mode"),
            JAVA_INT.withName("main_gpu"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("tensor_split"),
            ADDRESS.withName("progress_callback"),
            ADDRESS.withName("progress_callback_user_data"),
            ADDRESS.withName("kv_overrides"),
            JAVA_BOOLEAN.withName("vocab_only"),
            JAVA_BOOLEAN.withName("use_mmap"),
            JAVA_BOOLEAN.withName("use_mlock"),
            JAVA_BOOLEAN.withName("check_tensors"),
            MemoryLayout.paddingLayout(4));

    /** {@code struct llama_context_params}. */
    public static final StructLayout CONTEXT_PARAMS = MemoryLayout.structLayout(
            JAVA_INT.withName("n_ctx"),
            JAVA_INT.withName("n_batch"),
            JAVA_INT.withName("n_ubatch"),
            JAVA_INT.withName("n_seq_max"),
            JAVA_INT.withName("n_threads"),
            JAVA_INT.withName("n_threads_batch"),
            JAVA_INT.withName("rope_scaling_type"),
            JAVA_INT.withName("pooling_type"),
            JAVA_INT.withName("attention_type"),
            JAVA_FLOAT.withName("rope_freq_base"),
            JAVA_FLOAT.withName("rope_freq_scale"),
            JAVA_FLOAT.withName("yarn_ext_factor"),
            JAVA_FLOAT.withName("yarn_attn_factor"),
            JAVA_FLOAT.withName("yarn_beta_fast"),
            JAVA_FLOAT.withName("yarn_beta_slow"),
            JAVA_INT.withName("yarn_orig_ctx"),
            JAVA_FLOAT.withName("defrag_thold"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("cb_eval"),
            ADDRESS.withName("cb_eval_user_data"),
            JAVA_INT.withName("type_k"),
            JAVA_INT.withName("type_v"),
            JAVA_BOOLEAN.withName("logits_all"),
            JAVA_BOOLEAN.withName("embeddings"),
            JAVA_BOOLEAN.withName("offload_kqv"),
            JAVA_BOOLEAN.withName("flash_attn"),
            JAVA_BOOLEAN.withName("no_perf"),
            MemoryLayout.paddingLayout(3),
            ADDRESS.withName("abort_callback"),
            ADDRESS.withName("abort_callback_data"));

    /** {@code struct llama_batch}. */
    public static final StructLayout BATCH = MemoryLayout.structLayout(
            JAVA_INT.withName("n_tokens"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("token"),
            ADDRESS.withName("embd"),
            ADDRESS.withName("pos"),
            ADDRESS.withName("n_seq_id"),
            ADDRESS.withName("seq_id"),
            ADDRESS.withName("logits"));

    /** {@code struct llama_sampler_chain_params}. */
    public static final StructLayout SAMPLER_CHAIN_PARAMS = MemoryLayout.structLayout(JAVA_BOOLEAN.withName("no_perf"));

    static final long MP_USE_MMAP = MODEL_PARAMS.byteOffset(groupElement("use_mmap"));
    static final long MP_SPLIT_MODE = MODEL_PARAMS.byteOffset(groupElement("split_mode"));
    static final long CP_N_CTX = CONTEXT_PARAMS.byteOffset(groupElement("n_ctx"));
    static final long CP_N_BATCH = CONTEXT_PARAMS.byteOffset(groupElement("n_batch"));
    static final long CP_N_UBATCH = CONTEXT_PARAMS.byteOffset(groupElement("n_ubatch"));
    static final long CP_N_SEQ_MAX = CONTEXT_PARAMS.byteOffset(groupElement("n_seq_max"));
    static final long CP_POOLING_TYPE = CONTEXT_PARAMS.byteOffset(groupElement("pooling_type"));
    static final long CP_EMBEDDINGS = CONTEXT_PARAMS.byteOffset(groupElement("embeddings"));
    static final long CP_N_THREADS = CONTEXT_PARAMS.byteOffset(groupElement("n_threads"));
    static final long CP_N_THREADS_BATCH = CONTEXT_PARAMS.byteOffset(groupElement("n_threads_batch"));
    static final long CP_DEFRAG_THOLD = CONTEXT_PARAMS.byteOffset(groupElement("defrag_thold"));
    static final long CP_YARN_BETA_FAST = CONTEXT_PARAMS.byteOffset(groupElement("yarn_beta_fast"));
    static final long CP_TYPE_K = CONTEXT_PARAMS.byteOffset(groupElement("type_k"));
    static final long CP_OFFLOAD_KQV = CONTEXT_PARAMS.byteOffset(groupElement("offload_kqv"));
    static final long CP_NO_PERF = CONTEXT_PARAMS.byteOffset(groupElement("no_perf"));
    static final long CP_ABORT_CALLBACK = CONTEXT_PARAMS.byteOffset(groupElement("abort_callback"));
    static final long CP_ABORT_DATA = CONTEXT_PARAMS.byteOffset(groupElement("abort_callback_data"));
    static final long BATCH_N_TOKENS = BATCH.byteOffset(groupElement("n_tokens"));
    static final long BATCH_TOKEN = BATCH.byteOffset(groupElement("token"));
    static final long BATCH_POS = BATCH.byteOffset(groupElement("pos"));
    static final long BATCH_N_SEQ_ID = BATCH.byteOffset(groupElement("n_seq_id"));
    static final long BATCH_SEQ_ID = BATCH.byteOffset(groupElement("seq_id"));
    static final long BATCH_LOGITS = BATCH.byteOffset(groupElement("logits"));

    /** {@code enum llama_pooling_type} (b4916). */
    public static final int POOLING_UNSPECIFIED = -1;
    public static final int POOLING_NONE = 0;
    public static final int POOLING_MEAN = 1;
    public static final int POOLING_CLS = 2;
    public static final int POOLING_LAST = 3;
    public static final int POOLING_RANK = 4;

    /** {@code llama_decode} result when the abort callback stopped the computation. */
    public static final int DECODE_ABORTED = 2;

    /** {@code ggml_abort_callback}: {@code bool (*)(void * data)}. */
    public static final FunctionDescriptor ABORT_CALLBACK = FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS);
    private static final FunctionDescriptor LOG_CALLBACK = FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, ADDRESS);

    private static final Object INIT_LOCK = new Object();
    private static volatile LlamaNative instance;
    private static IOException failure;

    /** Loads are serialized so that the error lines a failed load logs belong to it. */
    private static final Object LOAD_LOCK = new Object();

    private final Path libraryFile;
    private final Linker linker = Linker.nativeLinker();
    private final MemorySegment logCallback;

    private final MethodHandle llamaLogSet;
    private final MethodHandle modelDefaultParams;
    private final MethodHandle contextDefaultParams;
    private final MethodHandle modelLoadFromSplits;
    private final MethodHandle modelFree;
    private final MethodHandle initFromModel;
    private final MethodHandle free;
    private final MethodHandle modelGetVocab;
    private final MethodHandle modelNCtxTrain;
    private final MethodHandle modelHasEncoder;
    private final MethodHandle modelHasDecoder;
    private final MethodHandle nCtx;
    private final MethodHandle nBatch;
    private final MethodHandle vocabNTokens;
    private final MethodHandle vocabIsEog;
    private final MethodHandle vocabBos;
    private final MethodHandle vocabEos;
    private final MethodHandle vocabEot;
    private final MethodHandle vocabGetAddBos;
    private final MethodHandle tokenize;
    private final MethodHandle tokenToPiece;
    private final MethodHandle detokenize;
    private final MethodHandle decode;
    private final MethodHandle kvSelfClear;
    private final MethodHandle kvSelfSeqRm;
    private final MethodHandle setAbortCallback;
    private final MethodHandle samplerChainInit;
    private final MethodHandle samplerChainAdd;
    private final MethodHandle samplerInitGreedy;
    private final MethodHandle samplerInitDist;
    private final MethodHandle samplerInitTopK;
    private final MethodHandle samplerInitTopP;
    private final MethodHandle samplerInitMinP;
    private final MethodHandle samplerInitTemp;
    private final MethodHandle samplerInitPenalties;
    private final MethodHandle samplerAccept;
    private final MethodHandle samplerSample;
    private final MethodHandle samplerFree;
    // embeddings and grammar
    private final MethodHandle encode;
    private final MethodHandle modelNEmbd;
    private final MethodHandle poolingType;
    private final MethodHandle getEmbeddingsSeq;
    private final MethodHandle getEmbeddingsIth;
    private final MethodHandle samplerInitGrammar;
    private final MethodHandle getLogitsIth;

    private LlamaNative(Path libraryFile) throws IOException {
        this.libraryFile = libraryFile;
        SymbolLookup lib;
        try {
            lib = SymbolLookup.libraryLookup(libraryFile, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new IOException("cannot load the llama.cpp native library " + libraryFile + ": " + e.getMessage(), e);
        }
        Lookup l = new Lookup(lib);
        llamaLogSet = l.fn("llama_log_set", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
        MethodHandle backendInit = l.fn("llama_backend_init", FunctionDescriptor.ofVoid());
        modelDefaultParams = l.fn("llama_model_default_params", FunctionDescriptor.of(MODEL_PARAMS));
        contextDefaultParams = l.fn("llama_context_default_params", FunctionDescriptor.of(CONTEXT_PARAMS));
        modelLoadFromSplits = l.fn("llama_model_load_from_splits", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, MODEL_PARAMS));
        modelFree = l.fn("llama_model_free", FunctionDescriptor.ofVoid(ADDRESS));
        initFromModel = l.fn("llama_init_from_model", FunctionDescriptor.of(ADDRESS, ADDRESS, CONTEXT_PARAMS));
        free = l.fn("llama_free", FunctionDescriptor.ofVoid(ADDRESS));
        modelGetVocab = l.fn("llama_model_get_vocab", FunctionDescriptor.of(ADDRESS, ADDRESS));
        modelNCtxTrain = l.fn("llama_model_n_ctx_train", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        modelHasEncoder = l.fn("llama_model_has_encoder", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS));
        modelHasDecoder = l.fn("llama_model_has_decoder", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS));
        nCtx = l.fn("llama_n_ctx", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        nBatch = l.fn("llama_n_batch", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        vocabNTokens = l.fn("llama_vocab_n_tokens", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        vocabIsEog = l.fn("llama_vocab_is_eog", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, JAVA_INT));
        vocabBos = l.fn("llama_vocab_bos", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        vocabEos = l.fn("llama_vocab_eos", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        vocabEot = l.fn("llama_vocab_eot", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        vocabGetAddBos = l.fn("llama_vocab_get_add_bos", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS));
        tokenize = l.fn("llama_tokenize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT,
                JAVA_BOOLEAN, JAVA_BOOLEAN));
        tokenToPiece = l.fn("llama_token_to_piece", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT,
                JAVA_INT, JAVA_BOOLEAN));
        detokenize = l.fn("llama_detokenize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT,
                JAVA_BOOLEAN, JAVA_BOOLEAN));
        decode = l.fn("llama_decode", FunctionDescriptor.of(JAVA_INT, ADDRESS, BATCH));
        kvSelfClear = l.fn("llama_kv_self_clear", FunctionDescriptor.ofVoid(ADDRESS));
        kvSelfSeqRm = l.fn("llama_kv_self_seq_rm", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
        setAbortCallback = l.fn("llama_set_abort_callback", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS));
        samplerChainInit = l.fn("llama_sampler_chain_init", FunctionDescriptor.of(ADDRESS, SAMPLER_CHAIN_PARAMS));
        samplerChainAdd = l.fn("llama_sampler_chain_add", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
        samplerInitGreedy = l.fn("llama_sampler_init_greedy", FunctionDescriptor.of(ADDRESS));
        samplerInitDist = l.fn("llama_sampler_init_dist", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        samplerInitTopK = l.fn("llama_sampler_init_top_k", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        samplerInitTopP = l.fn("llama_sampler_init_top_p", FunctionDescriptor.of(ADDRESS, JAVA_FLOAT, JAVA_LONG));
        samplerInitMinP = l.fn("llama_sampler_init_min_p", FunctionDescriptor.of(ADDRESS, JAVA_FLOAT, JAVA_LONG));
        samplerInitTemp = l.fn("llama_sampler_init_temp", FunctionDescriptor.of(ADDRESS, JAVA_FLOAT));
        samplerInitPenalties = l.fn("llama_sampler_init_penalties", FunctionDescriptor.of(ADDRESS, JAVA_INT, JAVA_FLOAT,
                JAVA_FLOAT, JAVA_FLOAT));
        samplerAccept = l.fn("llama_sampler_accept", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT));
        samplerSample = l.fn("llama_sampler_sample", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        samplerFree = l.fn("llama_sampler_free", FunctionDescriptor.ofVoid(ADDRESS));
        encode = l.fn("llama_encode", FunctionDescriptor.of(JAVA_INT, ADDRESS, BATCH));
        modelNEmbd = l.fn("llama_model_n_embd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        poolingType = l.fn("llama_pooling_type", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getEmbeddingsSeq = l.fn("llama_get_embeddings_seq", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
        getEmbeddingsIth = l.fn("llama_get_embeddings_ith", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
        samplerInitGrammar = l.fn("llama_sampler_init_grammar", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        getLogitsIth = l.fn("llama_get_logits_ith", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));

        try {
            MethodHandle logTarget = MethodHandles.lookup().findStatic(NativeLog.class, "log",
                    MethodType.methodType(void.class, int.class, MemorySegment.class, MemorySegment.class));
            logCallback = linker.upcallStub(logTarget, LOG_CALLBACK, Arena.global());
            // logging first: nothing native may print to the terminal
            llamaLogSet.invokeExact(logCallback, MemorySegment.NULL);
            backendInit.invokeExact();
        } catch (Throwable t) {
            throw new IOException("cannot initialize llama.cpp: " + t, t);
        }
        checkAbi();
    }

    /** The process-wide llama.cpp library, loaded on first use. */
    public static LlamaNative get() throws IOException {
        LlamaNative n = instance;
        if (n != null) {
            return n;
        }
        synchronized (INIT_LOCK) {
            if (instance != null) {
                return instance;
            }
            if (failure != null) {
                throw new IOException(failure.getMessage(), failure);
            }
            try {
                String version = NativeLibraryFile.bindingVersion();
                if (version != null && !version.equals(NativeLibraryFile.EXPECTED_BINDING_VERSION)
                        && System.getProperty(NativeLibraryFile.LIB_PROPERTY) == null) {
                    throw new IOException("jknife's llama.cpp engine is built for de.kherud:llama "
                            + NativeLibraryFile.EXPECTED_BINDING_VERSION + " (llama.cpp b4916), found " + version);
                }
                instance = new LlamaNative(NativeLibraryFile.locate());
                return instance;
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }
    }

    /** The loaded library file. */
    public Path libraryFile() {
        return libraryFile;
    }

    /** Refuses a library whose structs do not have the b4916 defaults: a different build would corrupt memory. */
    private void checkAbi() throws IOException {
        if (MODEL_PARAMS.byteSize() != 64 || CONTEXT_PARAMS.byteSize() != 120 || BATCH.byteSize() != 56) {
            throw new AssertionError("struct layouts out of step with llama.h b4916");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mp = modelDefaultParams(a);
            MemorySegment cp = contextDefaultParams(a);
            boolean ok = mp.get(JAVA_BOOLEAN, MP_USE_MMAP) && mp.get(JAVA_INT, MP_SPLIT_MODE) == 1
                    && cp.get(JAVA_INT, CP_N_CTX) == 512 && cp.get(JAVA_INT, CP_N_BATCH) == 2048
                    && cp.get(JAVA_INT, CP_N_UBATCH) == 512 && cp.get(JAVA_INT, CP_N_SEQ_MAX) == 1
                    && cp.get(JAVA_FLOAT, CP_YARN_BETA_FAST) == 32f && cp.get(JAVA_INT, CP_TYPE_K) == 1
                    && cp.get(JAVA_BOOLEAN, CP_OFFLOAD_KQV) && cp.get(JAVA_BOOLEAN, CP_NO_PERF)
                    && cp.get(ADDRESS, CP_ABORT_CALLBACK).equals(MemorySegment.NULL);
            if (!ok) {
                throw new IOException("the llama.cpp native library " + libraryFile
                        + " does not have the C API of llama.cpp b4916 (de.kherud:llama 4.2.0)");
            }
        }
    }

    // ---- model and context ---------------------------------------------------------------------

    /** {@code llama_model_default_params()}. */
    public MemorySegment modelDefaultParams(Arena arena) {
        try {
            return (MemorySegment) modelDefaultParams.invokeExact((java.lang.foreign.SegmentAllocator) arena);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_context_default_params()}. */
    public MemorySegment contextDefaultParams(Arena arena) {
        try {
            return (MemorySegment) contextDefaultParams.invokeExact((java.lang.foreign.SegmentAllocator) arena);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The outcome of a load: the pointer, or NULL and the error lines llama.cpp logged. */
    public record Loaded(MemorySegment pointer, List<String> errors) {
        public boolean failed() {
            return pointer.equals(MemorySegment.NULL);
        }
    }

    /** Loads a model from its GGUF files (the parts of a split model, in order), memory-mapped. */
    public Loaded loadModel(List<Path> files) {
        synchronized (LOAD_LOCK) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment paths = a.allocate(ADDRESS, files.size());
                for (int i = 0; i < files.size(); i++) {
                    paths.setAtIndex(ADDRESS, i, a.allocateFrom(files.get(i).toAbsolutePath().toString(), StandardCharsets.UTF_8));
                }
                MemorySegment params = modelDefaultParams(a);
                reclaimLogging();
                NativeLog.clearErrors();
                MemorySegment model = (MemorySegment) modelLoadFromSplits.invokeExact(paths, (long) files.size(), params);
                return new Loaded(model, NativeLog.errors());
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
    }

    /**
     * Creates a context for a model.
     *
     * @param nCtx    context size in tokens
     * @param threads CPU threads for generation and prompt processing
     */
    public Loaded newContext(MemorySegment model, int nCtx, int threads, MemorySegment abortCallback, MemorySegment abortData) {
        return newContext(model, nCtx, 1, threads, abortCallback, abortData);
    }

    /**
     * Creates a context for a model whose KV cache (of {@code nCtx} cells, shared by all sequences)
     * holds up to {@code sequences} sequences; with more than one, the cache is defragmented when
     * more than a tenth of it is holes (as llama.cpp's server does), since every micro-batch needs
     * contiguous free cells.
     */
    public Loaded newContext(MemorySegment model, int nCtx, int sequences, int threads, MemorySegment abortCallback,
                             MemorySegment abortData) {
        synchronized (LOAD_LOCK) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment params = contextDefaultParams(a);
                params.set(JAVA_INT, CP_N_CTX, nCtx);
                params.set(JAVA_INT, CP_N_SEQ_MAX, sequences);
                if (sequences > 1) {
                    params.set(JAVA_FLOAT, CP_DEFRAG_THOLD, 0.1f);
                }
                params.set(JAVA_INT, CP_N_THREADS, threads);
                params.set(JAVA_INT, CP_N_THREADS_BATCH, threads);
                params.set(JAVA_BOOLEAN, CP_NO_PERF, true);
                params.set(ADDRESS, CP_ABORT_CALLBACK, abortCallback);
                params.set(ADDRESS, CP_ABORT_DATA, abortData);
                reclaimLogging();
                NativeLog.clearErrors();
                MemorySegment ctx = (MemorySegment) initFromModel.invokeExact(model, params);
                return new Loaded(ctx, NativeLog.errors());
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
    }

    /**
     * Points llama.cpp's log at us again: other code in the process (the binding's own loader calls
     * {@code common_init}) may have replaced the callback.
     */
    private void reclaimLogging() throws Throwable {
        llamaLogSet.invokeExact(logCallback, MemorySegment.NULL);
    }

    public void freeModel(MemorySegment model) {
        try {
            modelFree.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void freeContext(MemorySegment ctx) {
        try {
            free.invokeExact(ctx);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment vocab(MemorySegment model) {
        try {
            return (MemorySegment) modelGetVocab.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int trainContextLength(MemorySegment model) {
        try {
            return (int) modelNCtxTrain.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public boolean hasEncoder(MemorySegment model) {
        try {
            return (boolean) modelHasEncoder.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public boolean hasDecoder(MemorySegment model) {
        try {
            return (boolean) modelHasDecoder.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int contextSize(MemorySegment ctx) {
        try {
            return (int) nCtx.invokeExact(ctx);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int batchSize(MemorySegment ctx) {
        try {
            return (int) nBatch.invokeExact(ctx);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- vocabulary ----------------------------------------------------------------------------

    public int vocabSize(MemorySegment vocab) {
        try {
            return (int) vocabNTokens.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public boolean isEog(MemorySegment vocab, int token) {
        try {
            return (boolean) vocabIsEog.invokeExact(vocab, token);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int bos(MemorySegment vocab) {
        try {
            return (int) vocabBos.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int eos(MemorySegment vocab) {
        try {
            return (int) vocabEos.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int eot(MemorySegment vocab) {
        try {
            return (int) vocabEot.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public boolean addsBos(MemorySegment vocab) {
        try {
            return (boolean) vocabGetAddBos.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code llama_tokenize}: the number of tokens written, or minus the number needed when
     * {@code max} is too small ({@link Integer#MIN_VALUE} on overflow).
     */
    public int tokenize(MemorySegment vocab, MemorySegment text, int textLength, MemorySegment tokens, int max,
                        boolean addSpecial, boolean parseSpecial) {
        try {
            return (int) tokenize.invokeExact(vocab, text, textLength, tokens, max, addSpecial, parseSpecial);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_token_to_piece}: bytes written, or minus the bytes needed. */
    public int tokenToPiece(MemorySegment vocab, int token, MemorySegment buf, int length, boolean special) {
        try {
            return (int) tokenToPiece.invokeExact(vocab, token, buf, length, 0, special);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_detokenize}: bytes written, or minus the bytes needed. */
    public int detokenize(MemorySegment vocab, MemorySegment tokens, int n, MemorySegment text, int max,
                          boolean removeSpecial, boolean unparseSpecial) {
        try {
            return (int) detokenize.invokeExact(vocab, tokens, n, text, max, removeSpecial, unparseSpecial);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- decoding ------------------------------------------------------------------------------

    /** Fills a {@code llama_batch} as {@code llama_batch_get_one} does: the tokens, positions implied. */
    public static void fillBatch(MemorySegment batch, MemorySegment tokens, int n) {
        batch.fill((byte) 0);
        batch.set(JAVA_INT, BATCH_N_TOKENS, n);
        batch.set(ADDRESS, BATCH_TOKEN, tokens);
    }

    /** {@code llama_decode}: 0 on success, {@link #DECODE_ABORTED} when aborted, else an error. */
    public int decode(MemorySegment ctx, MemorySegment batch) {
        try {
            return (int) decode.invokeExact(ctx, batch);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void kvClear(MemorySegment ctx) {
        try {
            kvSelfClear.invokeExact(ctx);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Removes positions {@code [from, ∞)} of sequence 0 from the KV cache; false when the model cannot. */
    public boolean kvRemoveFrom(MemorySegment ctx, int from) {
        try {
            return (boolean) kvSelfSeqRm.invokeExact(ctx, 0, from, -1);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Removes positions {@code [from, to)} of sequence {@code seq} from the KV cache ({@code -1}:
     * unbounded); false when the model cannot remove part of a sequence (recurrent models).
     */
    public boolean kvSeqRemove(MemorySegment ctx, int seq, int from, int to) {
        try {
            return (boolean) kvSelfSeqRm.invokeExact(ctx, seq, from, to);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void setAbortCallback(MemorySegment ctx, MemorySegment callback, MemorySegment data) {
        try {
            setAbortCallback.invokeExact(ctx, callback, data);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** An upcall stub for a {@code ggml_abort_callback}, alive as long as {@code arena}. */
    public MemorySegment abortCallbackStub(MethodHandle target, Arena arena) {
        return linker.upcallStub(target, ABORT_CALLBACK, arena);
    }

    // ---- sampling ------------------------------------------------------------------------------

    public MemorySegment samplerChain(Arena arena) {
        try {
            MemorySegment params = arena.allocate(SAMPLER_CHAIN_PARAMS);
            params.set(JAVA_BOOLEAN, 0, true);
            return (MemorySegment) samplerChainInit.invokeExact(params);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void samplerAdd(MemorySegment chain, MemorySegment sampler) {
        try {
            samplerChainAdd.invokeExact(chain, sampler);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment samplerGreedy() {
        try {
            return (MemorySegment) samplerInitGreedy.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The final random pick; {@code seed} is a uint32, 0xFFFFFFFF meaning "random" to llama.cpp. */
    public MemorySegment samplerDist(int seed) {
        try {
            return (MemorySegment) samplerInitDist.invokeExact(seed);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment samplerTopK(int k) {
        try {
            return (MemorySegment) samplerInitTopK.invokeExact(k);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment samplerTopP(float p) {
        try {
            return (MemorySegment) samplerInitTopP.invokeExact(p, 1L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment samplerMinP(float p) {
        try {
            return (MemorySegment) samplerInitMinP.invokeExact(p, 1L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment samplerTemp(float t) {
        try {
            return (MemorySegment) samplerInitTemp.invokeExact(t);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    public MemorySegment samplerPenalties(int lastN, float repeat) {
        try {
            return (MemorySegment) samplerInitPenalties.invokeExact(lastN, repeat, 0f, 0f);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void samplerAccept(MemorySegment sampler, int token) {
        try {
            samplerAccept.invokeExact(sampler, token);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Samples from the logits of the last decoded token and accepts the result. */
    public int sample(MemorySegment sampler, MemorySegment ctx) {
        try {
            return (int) samplerSample.invokeExact(sampler, ctx, -1);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Samples from the logits of token {@code index} of the last batch and accepts the result. */
    public int sampleAt(MemorySegment sampler, MemorySegment ctx, int index) {
        try {
            return (int) samplerSample.invokeExact(sampler, ctx, index);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void samplerFree(MemorySegment sampler) {
        try {
            samplerFree.invokeExact(sampler);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code llama_get_logits_ith}: the logits of the i-th token of the last batch (one per vocabulary entry); NULL when it has none. */
    public MemorySegment logitsIth(MemorySegment ctx, int i) {
        try {
            return (MemorySegment) getLogitsIth.invokeExact(ctx, i);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Fills a {@code llama_batch} with the tokens and a per-token {@code logits} flag array (positions implied). */
    public static void fillBatch(MemorySegment batch, MemorySegment tokens, MemorySegment logitFlags, int n) {
        fillBatch(batch, tokens, n);
        batch.set(ADDRESS, BATCH.byteOffset(groupElement("logits")), logitFlags);
    }

    // ---- embeddings ----------------------------------------------------------------------------

    /**
     * Creates a context that outputs embeddings: the model's own pooling, and batches as large as
     * the context (a non-causal encoder must see a whole input in one micro-batch).
     *
     * @param nCtx      context size in tokens, also the batch and micro-batch size
     * @param sequences the most inputs one batch may hold
     * @param pooling   {@link #POOLING_MEAN} ..., or {@link #POOLING_UNSPECIFIED} for the model's own
     *                  (b4916 reads {@code pooling_type} from the GGUF for encoder architectures only)
     */
    public Loaded newEmbeddingContext(MemorySegment model, int nCtx, int sequences, int threads, int pooling) {
        synchronized (LOAD_LOCK) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment params = contextDefaultParams(a);
                params.set(JAVA_INT, CP_N_CTX, nCtx);
                params.set(JAVA_INT, CP_N_BATCH, nCtx);
                params.set(JAVA_INT, CP_N_UBATCH, nCtx);
                params.set(JAVA_INT, CP_N_SEQ_MAX, sequences);
                params.set(JAVA_INT, CP_N_THREADS, threads);
                params.set(JAVA_INT, CP_N_THREADS_BATCH, threads);
                params.set(JAVA_INT, CP_POOLING_TYPE, pooling);
                params.set(JAVA_BOOLEAN, CP_EMBEDDINGS, true);
                params.set(JAVA_BOOLEAN, CP_NO_PERF, true);
                reclaimLogging();
                NativeLog.clearErrors();
                MemorySegment ctx = (MemorySegment) initFromModel.invokeExact(model, params);
                return new Loaded(ctx, NativeLog.errors());
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
    }

    /**
     * Fills a {@code llama_batch} whose arrays the caller allocated: tokens, positions, one
     * sequence id per token ({@code nSeqId} all 1, {@code seqIdPtrs} pointing at {@code seqIds}) and
     * an output flag per token.
     */
    public static void fillBatch(MemorySegment batch, int n, MemorySegment tokens, MemorySegment pos,
                                 MemorySegment nSeqId, MemorySegment seqIdPtrs, MemorySegment outputs) {
        batch.fill((byte) 0);
        batch.set(JAVA_INT, BATCH_N_TOKENS, n);
        batch.set(ADDRESS, BATCH_TOKEN, tokens);
        batch.set(ADDRESS, BATCH_POS, pos);
        batch.set(ADDRESS, BATCH_N_SEQ_ID, nSeqId);
        batch.set(ADDRESS, BATCH_SEQ_ID, seqIdPtrs);
        batch.set(ADDRESS, BATCH_LOGITS, outputs);
    }

    /** {@code llama_encode} (encoder models): 0 on success. */
    public int encode(MemorySegment ctx, MemorySegment batch) {
        try {
            return (int) encode.invokeExact(ctx, batch);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The width of the model's embeddings. */
    public int embeddingSize(MemorySegment model) {
        try {
            return (int) modelNEmbd.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The context's pooling ({@link #POOLING_NONE} ... {@link #POOLING_RANK}). */
    public int poolingType(MemorySegment ctx) {
        try {
            return (int) poolingType.invokeExact(ctx);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The pooled embedding of sequence {@code seq} of the last batch; NULL without pooling. */
    public MemorySegment embeddingsSeq(MemorySegment ctx, int seq) {
        try {
            return (MemorySegment) getEmbeddingsSeq.invokeExact(ctx, seq);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The embedding of the i-th token of the last batch (pooling none); NULL when it has none. */
    public MemorySegment embeddingsIth(MemorySegment ctx, int i) {
        try {
            return (MemorySegment) getEmbeddingsIth.invokeExact(ctx, i);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- grammar -------------------------------------------------------------------------------

    /**
     * The outcome of a grammar sampler: the sampler (or NULL), whether llama.cpp parsed the grammar,
     * and the error lines it logged.
     */
    public record Grammar(MemorySegment sampler, boolean parsed, List<String> errors) {
    }

    /*
     * b4916 does not fail llama_sampler_init_grammar for a grammar that does not parse: it prints to
     * stderr and returns a sampler whose grammar is NULL, which then constrains nothing. So the
     * sampler's own state is read: struct llama_sampler { iface*, ctx* } and
     * struct llama_sampler_grammar { const llama_vocab * vocab; std::string grammar_str;
     * std::string grammar_root; llama_grammar * grammar; }. A std::string starts with its data
     * pointer in both libstdc++ ABIs; it is 8 bytes in the old (copy-on-write) ABI the shipped
     * library uses and 32 in the C++11 one, whose next field is the length. The vocab pointer and
     * the grammar text confirm the layout before the grammar pointer is trusted.
     */
    private static final long SAMPLER_CTX = 8;

    /**
     * {@code llama_sampler_init_grammar} with root rule {@code root}. A grammar that does not parse
     * gives {@code parsed == false} (the caller frees a non-NULL sampler either way).
     */
    public Grammar samplerGrammar(MemorySegment vocab, String gbnf) {
        synchronized (LOAD_LOCK) { // the error lines logged now belong to this grammar
            try (Arena a = Arena.ofConfined()) {
                reclaimLogging();
                NativeLog.clearErrors();
                MemorySegment s = (MemorySegment) samplerInitGrammar.invokeExact(vocab,
                        a.allocateFrom(gbnf, StandardCharsets.UTF_8), a.allocateFrom("root", StandardCharsets.UTF_8));
                boolean parsed = false;
                if (!s.equals(MemorySegment.NULL)) {
                    try {
                        parsed = grammarParsed(s, vocab, gbnf);
                    } catch (IllegalStateException e) {
                        samplerFree(s);
                        throw e;
                    }
                }
                return new Grammar(s, parsed, NativeLog.errors());
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
    }

    private static boolean grammarParsed(MemorySegment sampler, MemorySegment vocab, String gbnf) {
        byte[] text = gbnf.getBytes(StandardCharsets.UTF_8);
        MemorySegment state = sampler.reinterpret(16).get(ADDRESS, SAMPLER_CTX).reinterpret(8 + 32 + 32 + 8);
        MemorySegment str = state.get(ADDRESS, 8);
        boolean sameText = !str.equals(MemorySegment.NULL)
                && java.util.Arrays.equals(str.reinterpret(text.length).toArray(JAVA_BYTE), text);
        if (state.get(ADDRESS, 0).address() != vocab.address() || !sameText) {
            throw new IllegalStateException("llama_sampler_grammar does not have the layout of llama.cpp b4916");
        }
        long grammarOffset = state.get(JAVA_LONG, 16) == text.length ? 8 + 32 + 32 : 8 + 8 + 8;
        return !state.get(ADDRESS, grammarOffset).equals(MemorySegment.NULL);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }

    private final class Lookup {
        private final SymbolLookup lib;

        Lookup(SymbolLookup lib) {
            this.lib = lib;
        }

        MethodHandle fn(String name, FunctionDescriptor descriptor) throws IOException {
            MemorySegment address = lib.find(name).orElseThrow(() -> new IOException(
                    "the llama.cpp native library " + libraryFile + " lacks " + name + " (not llama.cpp b4916?)"));
            return linker.downcallHandle(address, descriptor);
        }
    }
}
