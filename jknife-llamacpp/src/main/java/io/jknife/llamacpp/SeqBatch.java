package io.jknife.llamacpp;

import io.jknife.llamacpp.ffi.LlamaNative;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A {@code llama_batch} over arrays in native memory that holds tokens of several sequences: each
 * token with its position, its one sequence id and whether llama.cpp keeps its logits. Everything
 * is checked here, in Java, before llama.cpp sees it. Not thread-safe (the scheduler's thread owns it).
 */
final class SeqBatch {
    private final MemorySegment batch;
    private final MemorySegment tokens;
    private final MemorySegment positions;
    private final MemorySegment nSeqId;
    private final MemorySegment seqIdPtrs;
    private final MemorySegment outputs;
    private final MemorySegment seqIds;
    private final int capacity;
    private final int sequences;
    private final int vocabSize;
    private final int positionLimit;
    private int size;
    private int outputCount;

    /**
     * @param capacity      the most tokens one batch holds (the context's {@code n_batch})
     * @param sequences     sequence ids are {@code 0 .. sequences-1}
     * @param vocabSize     token ids are {@code 0 .. vocabSize-1}
     * @param positionLimit positions are {@code 0 .. positionLimit-1} (a slot's context)
     */
    SeqBatch(Arena arena, int capacity, int sequences, int vocabSize, int positionLimit) {
        this.capacity = capacity;
        this.sequences = sequences;
        this.vocabSize = vocabSize;
        this.positionLimit = positionLimit;
        this.batch = arena.allocate(LlamaNative.BATCH);
        this.tokens = arena.allocate(JAVA_INT, capacity);
        this.positions = arena.allocate(JAVA_INT, capacity);
        this.nSeqId = arena.allocate(JAVA_INT, capacity);
        this.seqIdPtrs = arena.allocate(ADDRESS, capacity);
        this.outputs = arena.allocate(JAVA_BYTE, capacity);
        this.seqIds = arena.allocate(JAVA_INT, sequences);
        for (int s = 0; s < sequences; s++) {
            seqIds.setAtIndex(JAVA_INT, s, s);
        }
        for (int i = 0; i < capacity; i++) {
            nSeqId.setAtIndex(JAVA_INT, i, 1);
        }
    }

    int capacity() {
        return capacity;
    }

    int size() {
        return size;
    }

    int outputs() {
        return outputCount;
    }

    void clear() {
        size = 0;
        outputCount = 0;
    }

    /** Appends one token; returns its index in the batch (the index of its logits when {@code output}). */
    int add(int token, int position, int seq, boolean output) {
        if (size >= capacity) {
            throw new IllegalStateException("internal: batch of " + capacity + " tokens is full");
        }
        if (token < 0 || token >= vocabSize) {
            throw new IllegalStateException("internal: token id " + token + " outside the vocabulary");
        }
        if (position < 0 || position >= positionLimit) {
            throw new IllegalStateException("internal: position " + position + " outside a slot of " + positionLimit);
        }
        if (seq < 0 || seq >= sequences) {
            throw new IllegalStateException("internal: sequence " + seq + " outside 0.." + (sequences - 1));
        }
        tokens.setAtIndex(JAVA_INT, size, token);
        positions.setAtIndex(JAVA_INT, size, position);
        seqIdPtrs.setAtIndex(ADDRESS, size, seqIds.asSlice((long) seq * Integer.BYTES, Integer.BYTES));
        outputs.set(JAVA_BYTE, size, (byte) (output ? 1 : 0));
        if (output) {
            outputCount++;
        }
        return size++;
    }

    /** Appends {@code count} tokens of {@code source} from {@code offset} at consecutive positions, without logits. */
    void addAll(int[] source, int offset, int count, int firstPosition, int seq) {
        for (int i = 0; i < count; i++) {
            add(source[offset + i], firstPosition + i, seq, false);
        }
    }

    /** The {@code llama_batch} struct for {@code llama_decode}. */
    MemorySegment struct() {
        LlamaNative.fillBatch(batch, size, tokens, positions, nSeqId, seqIdPtrs, outputs);
        return batch;
    }
}
