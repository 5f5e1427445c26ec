package io.jknife.tensor;

import io.jknife.formats.GgmlType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Repacks Q4_0, Q8_0, Q4_K, Q5_K and Q6_K matrices at load, as llama.cpp repacks Q4_0 for its CPU
 * kernels: within each row, groups of blocks are stored value by value ("value k of every block
 * of the group, side by side", then the group's scales), so that one vector lane follows one
 * block. A dot product then needs no per-block scale broadcast and no per-block horizontal work,
 * and 4-bit values multiply the 8-bit activations in short lanes (at most 16 * 15 * 127 per
 * accumulator). Q4_0 and Q8_0 rows keep their byte size; Q4_K becomes Q4_0-like 32-value blocks
 * with a scale and a minimum each ({@link InterleavedQ4_KWeight}, 20 bytes per 32 values instead
 * of 18), Q6_K signed bytes with two float scales ({@link InterleavedQ6_KWeight}, 40 instead of
 * 26.25), Q5_K bytes with a float scale and minimum ({@link InterleavedQ5_KWeight}, 40 instead of 22). Row order is kept, so row ranges split across threads as before. A row that is not a
 * whole number of groups gets a last group padded with empty blocks (zero scales and values, which
 * add nothing), when that costs at most half the row again ({@link #paddedCols}); the activations
 * are padded to match ({@link Activations#blockColumns}).
 *
 * <p>Why: the kernels on ggml's own layout ({@link FloatDecodeKernels}, {@link Q8Kernels},
 * {@link KKernels}) are bound by instructions per block, not memory; one token through FFN-sized
 * matrices streamed from memory, 2 threads on a 2-core AVX-512 EPYC ({@code RepackBench}), took
 * 0.52 against 0.93 ns per Q4_0 block, 0.75 against 1.02 per Q8_0 block, 0.70 against 2.61 per
 * Q4_K block and 0.77 against 1.57 per Q6_K block of 32 values.
 *
 * <p>The cost: the repacked copy is allocated off the heap (see {@link FreshMemory}); the mapped
 * source pages are released afterwards ({@link MemorySegment#unload()}), so resident memory stays
 * about one model (Q6_K's 1.5x more, Q5_K's 1.8x). Load time grows by the copy, and fresh memory is slow to
 * touch on some machines (the VM these numbers come from). {@code -Djknife.tensor.interleave=false}
 * keeps ggml's layout (for comparisons).
 */
public final class Interleaved {
    /** Whether repacking is switched off ({@code -Djknife.tensor.interleave=false}). */
    static final boolean DISABLED = "false".equals(System.getProperty("jknife.tensor.interleave"));
    /** Q4_0 blocks per group: one short lane each. */
    static final int Q4_GROUP = Vec.S.length();
    /** Q8_0 blocks per group: one float lane each. */
    static final int Q8_GROUP = Vec.F.length();

    private Interleaved() {
    }

    /**
     * Whether {@link #of} repacks a matrix of this type and column count: Q4_0, Q8_0, Q4_K, Q5_K and Q6_K
     * rows whose padding to whole groups ({@link #paddedCols}: {@link #Q4_GROUP} 32-value blocks,
     * 1024 values with AVX-512; Q8_0 {@link #Q8_GROUP}, 512) adds at most half of the row (more
     * would cost more than the layout saves).
     */
    public static boolean repacks(GgmlType type, int cols) {
        if (DISABLED || cols <= 0) {
            return false;
        }
        boolean blocks = switch (type) {
            case Q4_0, Q8_0 -> cols % 32 == 0;
            case Q4_K, Q5_K, Q6_K -> cols % 256 == 0 && Q4_GROUP % 8 == 0;
            default -> false;
        };
        return blocks && 2L * paddedCols(type, cols) <= 3L * cols;
    }

    /** {@code cols} rounded up to whole groups of {@code type}'s repacked layout (Q8_0: 32 x {@link #Q8_GROUP}, others 32 x {@link #Q4_GROUP}). */
    public static int paddedCols(GgmlType type, int cols) {
        int span = 32 * (type == GgmlType.Q8_0 ? Q8_GROUP : Q4_GROUP);
        return (cols + span - 1) / span * span;
    }

    /**
     * The bytes a {@code rows x cols} matrix of {@code type} takes after {@link #of}: its ggml size,
     * or its repacked size (larger for Q4_K, Q5_K and Q6_K, and with padded rows). For memory estimates before a load.
     */
    public static long bytes(GgmlType type, long rows, long cols) {
        if (cols <= Integer.MAX_VALUE && repacks(type, (int) cols)) {
            int c = (int) cols;
            return rows * switch (type) {
                case Q4_K -> InterleavedQ4_KWeight.rowBytes(c);
                case Q5_K -> InterleavedQ5_KWeight.rowBytes(c);
                case Q6_K -> InterleavedQ6_KWeight.rowBytes(c);
                case Q4_0 -> InterleavedQ4_0Weight.rowBytes(c);
                default -> InterleavedQ8_0Weight.rowBytes(c);
            };
        }
        return rows * type.byteSize(cols);
    }

    /**
     * {@code w} repacked into memory of {@code arena} (split across {@code team}), or {@code w}
     * itself when {@link #repacks} says no. The result decodes the same rows (Q4_K's within the
     * rounding of its scales to halves); its products read 8-bit activations (Q8_0: the floats).
     * {@code w}'s memory is no longer read afterwards; when it is mapped from a file its pages are released.
     */
    public static WeightTensor of(WeightTensor w, Arena arena, WorkerTeam team) {
        Objects.requireNonNull(w, "w");
        Objects.requireNonNull(arena, "arena");
        Objects.requireNonNull(team, "team");
        if (!(w instanceof AbstractWeight a) || !repacks(a.type(), a.cols())) {
            return w;
        }
        int rows = a.rows();
        int threads = team.threads();
        WeightTensor result;
        if (a.type() == GgmlType.Q4_K) {
            long rowBytes = InterleavedQ4_KWeight.rowBytes(a.cols());
            MemorySegment dst = FreshMemory.allocate(arena, rowBytes * rows);
            team.run(i -> repackQ4_K(a, dst, rowBytes, MatMul.split(rows, threads, i), MatMul.split(rows, threads, i + 1)));
            result = new InterleavedQ4_KWeight(dst, rows, a.cols());
        } else if (a.type() == GgmlType.Q5_K) {
            long rowBytes = InterleavedQ5_KWeight.rowBytes(a.cols());
            MemorySegment dst = FreshMemory.allocate(arena, rowBytes * rows);
            team.run(i -> repackQ5_K(a, dst, rowBytes, MatMul.split(rows, threads, i), MatMul.split(rows, threads, i + 1)));
            result = new InterleavedQ5_KWeight(dst, rows, a.cols());
        } else if (a.type() == GgmlType.Q6_K) {
            long rowBytes = InterleavedQ6_KWeight.rowBytes(a.cols());
            MemorySegment dst = FreshMemory.allocate(arena, rowBytes * rows);
            team.run(i -> repackQ6_K(a, dst, rowBytes, MatMul.split(rows, threads, i), MatMul.split(rows, threads, i + 1)));
            result = new InterleavedQ6_KWeight(dst, rows, a.cols());
        } else {
            boolean q4 = a.type() == GgmlType.Q4_0;
            int group = q4 ? Q4_GROUP : Q8_GROUP;
            int valueBytes = q4 ? 16 : 32;
            long dstRowBytes = q4 ? InterleavedQ4_0Weight.rowBytes(a.cols()) : InterleavedQ8_0Weight.rowBytes(a.cols());
            MemorySegment dst = FreshMemory.allocate(arena, dstRowBytes * rows);
            team.run(i -> repack(a.data(), a.rowBytes(), dst, dstRowBytes, valueBytes, group,
                    MatMul.split(rows, threads, i), MatMul.split(rows, threads, i + 1)));
            result = a.type() == GgmlType.Q4_0 ? new InterleavedQ4_0Weight(dst, rows, a.cols())
                    : new InterleavedQ8_0Weight(dst, rows, a.cols());
        }
        if (a.data().isMapped()) {
            a.data().unload();
        }
        return result;
    }

    /**
     * Rows [from, to): each group of {@code group} blocks (f16 scale, then {@code valueBytes}) becomes
     * the blocks' byte k side by side for every k, then their scales. The bytes move in 8 x 8 tiles
     * (8 blocks' 8 bytes read as 8 longs, transposed in registers): a byte-by-byte loop took 1.3 ns
     * per byte, longer than the page faults of the new memory.
     */
    private static void repack(MemorySegment src, long srcRowBytes, MemorySegment dst, long dstRowBytes, int valueBytes,
                               int group, int from, int to) {
        int blockBytes = 2 + valueBytes;
        int groupBytes = group * blockBytes;
        byte[] in = new byte[groupBytes];
        byte[] out = new byte[groupBytes];
        long[] x = new long[8];
        for (long r = from; r < to; r++) {
            for (long g = 0; g < dstRowBytes; g += groupBytes) {
                int have = (int) Math.min(groupBytes, srcRowBytes - g); // the last group may be short: empty blocks
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, r * srcRowBytes + g, in, 0, have);
                java.util.Arrays.fill(in, have, groupBytes, (byte) 0);
                transposeBlocks(in, blockBytes, 2, out, group, valueBytes, x);
                for (int b = 0; b < group; b++) {
                    out[valueBytes * group + 2 * b] = in[b * blockBytes];
                    out[valueBytes * group + 2 * b + 1] = in[b * blockBytes + 1];
                }
                MemorySegment.copy(out, 0, dst, ValueLayout.JAVA_BYTE, r * dstRowBytes + g, groupBytes);
            }
        }
    }

    /**
     * Q4_K rows [from, to) into {@link InterleavedQ4_KWeight}'s layout: each 32-value sub-block
     * becomes a Q4_0-like block (value j in the low nibble of byte j, value j + 16 in its high
     * nibble) with its own scale d * sc and minimum dmin * m as halves; a group is
     * {@link #Q4_GROUP} sub-blocks (Q4_GROUP / 8 super-blocks), nibbles transposed as in
     * {@link #repack}, then the group's scales, then its minimums.
     */
    private static void repackQ4_K(AbstractWeight w, MemorySegment dst, long dstRowBytes, int from, int to) {
        int group = Q4_GROUP;
        int[] sc = new int[8];
        int[] m = new int[8];
        int[] packed = new int[12];
        repackKQuant(w, Q4_KWeight.BLOCK_BYTES, dst, dstRowBytes, InterleavedQ4_KWeight.SUB_BLOCK_BYTES, false, from, to,
                (in, o, s, out, values, x) -> {
                    float d = Float.float16ToFloat((short) SHORT_LE.get(in, o));
                    float dmin = Float.float16ToFloat((short) SHORT_LE.get(in, o + 2));
                    unpackScales(in, o + 4, packed, sc, m);
                    for (int j = 0; j < 8; j++) {
                        int b = 8 * s + j;
                        SHORT_LE.set(out, 16 * group + 2 * b, Float.floatToFloat16(d * sc[j]));
                        SHORT_LE.set(out, 18 * group + 2 * b, Float.floatToFloat16(dmin * m[j]));
                    }
                    for (int half = 0; half < 16; half += 8) {
                        // sub-blocks 2p and 2p+1 share source bytes 32p..32p+31 (low and high nibbles)
                        for (int p = 0; p < 4; p++) {
                            long lo = (long) LONG.get(in, o + 16 + 32 * p + half);
                            long hi = (long) LONG.get(in, o + 16 + 32 * p + half + 16);
                            x[2 * p] = (lo & 0x0F0F0F0F0F0F0F0FL) | ((hi & 0x0F0F0F0F0F0F0F0FL) << 4);
                            x[2 * p + 1] = ((lo >>> 4) & 0x0F0F0F0F0F0F0F0FL) | (hi & 0xF0F0F0F0F0F0F0F0L);
                        }
                        transpose8x8(x);
                        for (int j = 0; j < 8; j++) {
                            LONG.set(out, (half + j) * group + 8 * s, x[j]);
                        }
                    }
                });
    }

    /**
     * Q5_K rows [from, to) into {@link InterleavedQ5_KWeight}'s layout: each 64-value chunk j of a
     * super-block gives sub-blocks 2j and 2j+1 (the low and the high nibbles of qs[32j..32j+31], with
     * bits 2j and 2j+1 of qh as their fifth bits), as bytes q, 32 blocks of them transposed as in
     * {@link #repack}, then the floats d * sc, then dmin * m.
     */
    private static void repackQ5_K(AbstractWeight w, MemorySegment dst, long dstRowBytes, int from, int to) {
        int group = Q4_GROUP;
        int[] sc = new int[8];
        int[] m = new int[8];
        int[] packed = new int[12];
        repackKQuant(w, Q5_KWeight.BLOCK_BYTES, dst, dstRowBytes, InterleavedQ5_KWeight.BLOCK_BYTES, true, from, to,
                (in, o, s, out, values, x) -> {
                    float d = Float.float16ToFloat((short) SHORT_LE.get(in, o));
                    float dmin = Float.float16ToFloat((short) SHORT_LE.get(in, o + 2));
                    unpackScales(in, o + 4, packed, sc, m);
                    for (int j = 0; j < 4; j++) {
                        int lo = (8 * s + 2 * j) * 32;
                        int hi = lo + 32;
                        for (int l = 0; l < 32; l++) {
                            int q = in[o + 48 + 32 * j + l] & 0xFF;
                            int h = in[o + 16 + l] & 0xFF;
                            values[lo + l] = (byte) ((q & 0xF) | (((h >>> (2 * j)) & 1) << 4));
                            values[hi + l] = (byte) ((q >>> 4) | (((h >>> (2 * j + 1)) & 1) << 4));
                        }
                    }
                    for (int i = 0; i < 8; i++) {
                        int b = 8 * s + i;
                        FLOAT_LE.set(out, 32 * group + 4 * b, d * sc[i]);
                        FLOAT_LE.set(out, 36 * group + 4 * b, dmin * m[i]);
                    }
                });
    }

    /**
     * Q6_K rows [from, to) into {@link InterleavedQ6_KWeight}'s layout: each super-block's 256
     * values decoded to signed bytes (ggml's order: per half of 128, ql[l] and ql[l+32] give the low
     * nibbles of values l, l+64 and l+32, l+96; qh[l] their high bits), 32 blocks of them
     * transposed as in {@link #repack}, then the floats d * sc of every block's first 16 values,
     * then those of its second 16.
     */
    private static void repackQ6_K(AbstractWeight w, MemorySegment dst, long dstRowBytes, int from, int to) {
        int group = Q4_GROUP;
        repackKQuant(w, Q6_KWeight.BLOCK_BYTES, dst, dstRowBytes, InterleavedQ6_KWeight.BLOCK_BYTES, true, from, to,
                (in, o, s, out, values, x) -> {
                    int y = 256 * s;
                    for (int half = 0; half < 2; half++) {
                        int ql = o + 64 * half;
                        int qh = o + 128 + 32 * half;
                        for (int l = 0; l < 32; l++) {
                            int a = in[ql + l] & 0xFF;
                            int c = in[ql + l + 32] & 0xFF;
                            int h = in[qh + l] & 0xFF;
                            int yy = y + 128 * half + l;
                            values[yy] = (byte) (((a & 0xF) | ((h & 3) << 4)) - 32);
                            values[yy + 32] = (byte) (((c & 0xF) | (((h >>> 2) & 3) << 4)) - 32);
                            values[yy + 64] = (byte) (((a >>> 4) | (((h >>> 4) & 3) << 4)) - 32);
                            values[yy + 96] = (byte) (((c >>> 4) | (((h >>> 6) & 3) << 4)) - 32);
                        }
                    }
                    float d = Float.float16ToFloat((short) SHORT_LE.get(in, o + 208));
                    for (int i = 0; i < 8; i++) {
                        int b = 8 * s + i;
                        FLOAT_LE.set(out, 32 * group + 4 * b, d * in[o + 192 + 2 * i]);
                        FLOAT_LE.set(out, 36 * group + 4 * b, d * in[o + 192 + 2 * i + 1]);
                    }
                });
    }

    /** Decodes super-block {@code s} of a group (its bytes at {@code in[o..]}) into the group's {@code out} and {@code values}. */
    @FunctionalInterface
    private interface SuperBlock {
        void decode(byte[] in, int o, int s, byte[] out, byte[] values, long[] x);
    }

    /**
     * The loop the k-quant repacks share: rows [from, to) in groups of {@link #Q4_GROUP} 32-value
     * blocks ({@code Q4_GROUP / 8} super-blocks of {@code srcBlockBytes}, the last group of a row
     * possibly short: the rest stays empty), each super-block decoded by {@code decoder} into the
     * group's output bytes; with {@code byteValues} the decoder writes the values block-major
     * (value k of block b at {@code b * 32 + k}) and they are transposed into the output as in
     * {@link #repack}. {@code x} is the decoders' 8 x 8 scratch.
     */
    private static void repackKQuant(AbstractWeight w, int srcBlockBytes, MemorySegment dst, long dstRowBytes,
                                     int dstBlockBytes, boolean byteValues, int from, int to, SuperBlock decoder) {
        int group = Q4_GROUP;
        int supers = group / 8;
        int srcGroupBytes = supers * srcBlockBytes;
        int dstGroupBytes = group * dstBlockBytes;
        byte[] in = new byte[srcGroupBytes];
        byte[] values = new byte[byteValues ? group * 32 : 0];
        byte[] out = new byte[dstGroupBytes];
        long[] x = new long[8];
        int rowSupers = w.cols() / 256;
        int groups = (rowSupers + supers - 1) / supers;
        for (int r = from; r < to; r++) {
            for (int g = 0; g < groups; g++) {
                int have = Math.min(supers, rowSupers - g * supers); // the last group may be short: empty blocks
                MemorySegment.copy(w.data(), ValueLayout.JAVA_BYTE, r * w.rowBytes() + (long) g * srcGroupBytes, in, 0,
                        have * srcBlockBytes);
                java.util.Arrays.fill(out, (byte) 0);
                java.util.Arrays.fill(values, (byte) 0);
                for (int s = 0; s < have; s++) {
                    decoder.decode(in, s * srcBlockBytes, s, out, values, x);
                }
                if (byteValues) {
                    transposeBlocks(values, 32, 0, out, group, 32, x);
                }
                MemorySegment.copy(out, 0, dst, ValueLayout.JAVA_BYTE, r * dstRowBytes + (long) g * dstGroupBytes,
                        dstGroupBytes);
            }
        }
    }

    /** The 6-bit scales and minimums of a Q4_K/Q5_K super-block (12 bytes at {@code in[o..]}). */
    private static void unpackScales(byte[] in, int o, int[] packed, int[] sc, int[] m) {
        for (int i = 0; i < 12; i++) {
            packed[i] = in[o + i] & 0xFF;
        }
        KQuants.unpack(packed, sc, m);
    }

    /**
     * Byte k of block b, at {@code from[b * stride + offset + k]} for {@code group} blocks of
     * {@code valueBytes}, to {@code to[k * group + b]}, in 8 x 8 tiles ({@code x} is scratch).
     */
    private static void transposeBlocks(byte[] from, int stride, int offset, byte[] to, int group, int valueBytes,
                                        long[] x) {
        for (int bt = 0; bt < group; bt += 8) {
            for (int kt = 0; kt < valueBytes; kt += 8) {
                for (int i = 0; i < 8; i++) {
                    x[i] = (long) LONG.get(from, (bt + i) * stride + offset + kt);
                }
                transpose8x8(x);
                for (int j = 0; j < 8; j++) {
                    LONG.set(to, (kt + j) * group + bt, x[j]);
                }
            }
        }
    }

    /**
     * Transposes the 8 x 8 bytes of x (byte j of x[i] becomes byte i of x[j]): 4-byte halves
     * swapped between rows i and i+4, then 2-byte quarters between i and i+2, then bytes between i and i+1.
     */
    static void transpose8x8(long[] x) {
        for (int i = 0; i < 4; i++) {
            long a = x[i];
            long b = x[i + 4];
            x[i] = (a & 0x00000000FFFFFFFFL) | (b << 32);
            x[i + 4] = (a >>> 32) | (b & 0xFFFFFFFF00000000L);
        }
        for (int i : QUARTER_ROWS) {
            long a = x[i];
            long b = x[i + 2];
            x[i] = (a & 0x0000FFFF0000FFFFL) | ((b & 0x0000FFFF0000FFFFL) << 16);
            x[i + 2] = ((a >>> 16) & 0x0000FFFF0000FFFFL) | (b & 0xFFFF0000FFFF0000L);
        }
        for (int i = 0; i < 8; i += 2) {
            long a = x[i];
            long b = x[i + 1];
            x[i] = (a & 0x00FF00FF00FF00FFL) | ((b & 0x00FF00FF00FF00FFL) << 8);
            x[i + 1] = ((a >>> 8) & 0x00FF00FF00FF00FFL) | (b & 0xFF00FF00FF00FF00L);
        }
    }

    private static final int[] QUARTER_ROWS = {0, 1, 4, 5};
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle FLOAT_LE = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT_LE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    /** The f16 scale of block {@code b} of row {@code r} in a repacked matrix. */
    static float scale(AbstractWeight w, int group, int valueBytes, int r, int b) {
        long o = r * w.rowBytes + (long) (b / group) * group * (2 + valueBytes) + (long) valueBytes * group
                + 2L * (b % group);
        return w.f16(o);
    }

    /** Byte k of block {@code b} of row {@code r} in a repacked matrix. */
    static byte value(AbstractWeight w, int group, int valueBytes, int r, int b, int k) {
        long o = r * w.rowBytes + (long) (b / group) * group * (2 + valueBytes) + (long) k * group + b % group;
        return w.data.get(ValueLayout.JAVA_BYTE, o);
    }
}
