package io.jknife.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.jknife.tensor.AbstractWeight.LE;
import static io.jknife.tensor.AbstractWeight.SHORT;
import static io.jknife.tensor.Vec.BH;
import static io.jknife.tensor.Vec.F;
import static io.jknife.tensor.Vec.I;
import static io.jknife.tensor.Vec.L;
import static io.jknife.tensor.Vec.S;

/**
 * Q4_K, Q5_K and Q6_K times 8-bit activations. Each 32-value activation block meets one Q4_K/Q5_K
 * sub-block (one scale, one minimum: the minimum's term uses the block's precomputed sum) or two
 * 16-value Q6_K groups (two scales, applied per lane after the pair sums). Loops written out in
 * full, as in {@link Q8Kernels}.
 */
final class KKernels {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);

    /**
     * Per chunk of L values of a Q6_K activation block: 1 in the float lanes (after the pair sums)
     * that belong to the block's second 16-value group, else 0. A vector loaded from an array, not a
     * mask: a mask taken from an array has no static type, and C2 then leaves blend un-intrinsified.
     */
    private static final float[] SECOND_GROUP = new float[32 / L * F.length()];

    static {
        for (int c = 0; c < 32 / L; c++) {
            for (int i = 0; i < F.length(); i++) {
                SECOND_GROUP[c * F.length() + i] = (c * L + 2 * i) / 16 == 1 ? 1 : 0;
            }
        }
    }

    private KKernels() {
    }

    static void q4_K(Q4_KWeight w, Activations x, int from, int to, float[] out) {
        q4_KRows(w, x, from, to, out);
    }

    static void q5_K(Q5_KWeight w, Activations x, int from, int to, float[] out) {
        q5_KRows(w, x, from, to, out);
    }

    private static void q4_KRows(Q4_KWeight w, Activations x, int from, int to, float[] out) {
        short[] q = x.quants();
        float[] s = x.scales();
        float[] ss = x.scaledSums();
        MemorySegment seg = w.data;
        int cols = w.cols;
        int nb = cols / 32;
        int nsb = cols / KQuants.QK_K;
        int n = x.n();
        int rows = w.rows;
        long blockBytes = 144;
        long qs = 16;
        for (int r = from; r < to; r++) {
            long row = r * w.rowBytes;
            for (int t = 0; t < n; t++) {
                FloatVector acc = FloatVector.zero(F);
                float minSum = 0;
                for (int sb = 0; sb < nsb; sb++) {
                    long o = row + blockBytes * sb;
                    float d = Float.float16ToFloat(seg.get(SHORT, o));
                    float dmin = Float.float16ToFloat(seg.get(SHORT, o + 2));
                    long lo = seg.get(LONG, o + 4);
                    int hi = seg.get(INT, o + 12);
                    long scs = KQuants.scales(lo, hi);
                    long mns = KQuants.mins(lo, hi);
                    int ab = t * nb + sb * 8;
                    for (int p = 0; p < 4; p++) {
                        int a0 = ab + 2 * p;
                        IntVector il = IntVector.zero(I);
                        IntVector ih = IntVector.zero(I);
                        for (int k = 0; k < 32; k += L) {
                            ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BH, seg, o + qs + 32 * p + k, LE)
                                    .convertShape(VectorOperators.B2S, S, 0);
                            ShortVector wl = v.and((short) 0xF);
                            ShortVector wh = v.lanewise(VectorOperators.ASHR, 4).and((short) 0xF);
                            IntVector pl = wl.mul(ShortVector.fromArray(S, q, a0 * 32 + k)).reinterpretAsInts();
                            il = il.add(pl.add(pl.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                            IntVector ph = wh.mul(ShortVector.fromArray(S, q, a0 * 32 + 32 + k)).reinterpretAsInts();
                            ih = ih.add(ph.add(ph.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                        }
                        int sl = (int) (scs >>> (16 * p));
                        int ml = (int) (mns >>> (16 * p));
                        acc = ((FloatVector) il.convert(VectorOperators.I2F, 0))
                                .fma(FloatVector.broadcast(F, d * (sl & 0xFF) * s[a0]), acc);
                        acc = ((FloatVector) ih.convert(VectorOperators.I2F, 0))
                                .fma(FloatVector.broadcast(F, d * ((sl >>> 8) & 0xFF) * s[a0 + 1]), acc);
                        minSum += dmin * ((ml & 0xFF) * ss[a0] + ((ml >>> 8) & 0xFF) * ss[a0 + 1]);
                    }
                }
                out[t * rows + r] = acc.reduceLanes(VectorOperators.ADD) - minSum;
            }
        }
    }

    // Q5_K: Q4_K's loop plus the fifth bits (a copy, not a flag: C2 compiles each loop on its own)
    private static void q5_KRows(Q5_KWeight w, Activations x, int from, int to, float[] out) {
        short[] q = x.quants();
        float[] s = x.scales();
        float[] ss = x.scaledSums();
        MemorySegment seg = w.data;
        int cols = w.cols;
        int nb = cols / 32;
        int nsb = cols / KQuants.QK_K;
        int n = x.n();
        int rows = w.rows;
        long blockBytes = 176;
        long qs = 48;
        for (int r = from; r < to; r++) {
            long row = r * w.rowBytes;
            for (int t = 0; t < n; t++) {
                FloatVector acc = FloatVector.zero(F);
                float minSum = 0;
                for (int sb = 0; sb < nsb; sb++) {
                    long o = row + blockBytes * sb;
                    float d = Float.float16ToFloat(seg.get(SHORT, o));
                    float dmin = Float.float16ToFloat(seg.get(SHORT, o + 2));
                    long lo = seg.get(LONG, o + 4);
                    int hi = seg.get(INT, o + 12);
                    long scs = KQuants.scales(lo, hi);
                    long mns = KQuants.mins(lo, hi);
                    int ab = t * nb + sb * 8;
                    for (int p = 0; p < 4; p++) {
                        int a0 = ab + 2 * p;
                        IntVector il = IntVector.zero(I);
                        IntVector ih = IntVector.zero(I);
                        for (int k = 0; k < 32; k += L) {
                            ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BH, seg, o + qs + 32 * p + k, LE)
                                    .convertShape(VectorOperators.B2S, S, 0);
                            ShortVector wl = v.and((short) 0xF);
                            ShortVector wh = v.lanewise(VectorOperators.ASHR, 4).and((short) 0xF);
                                ShortVector h = (ShortVector) ByteVector.fromMemorySegment(BH, seg, o + 16 + k, LE)
                                        .convertShape(VectorOperators.B2S, S, 0);
                                // bit 2p of qh is the fifth bit of the low nibbles, bit 2p+1 of the high ones
                                int sl = 4 - 2 * p;
                                int sh = 3 - 2 * p;
                                wl = wl.or((sl >= 0 ? h.lanewise(VectorOperators.LSHL, sl)
                                        : h.lanewise(VectorOperators.ASHR, -sl)).and((short) 0x10));
                                wh = wh.or((sh >= 0 ? h.lanewise(VectorOperators.LSHL, sh)
                                        : h.lanewise(VectorOperators.ASHR, -sh)).and((short) 0x10));
                            IntVector pl = wl.mul(ShortVector.fromArray(S, q, a0 * 32 + k)).reinterpretAsInts();
                            il = il.add(pl.add(pl.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                            IntVector ph = wh.mul(ShortVector.fromArray(S, q, a0 * 32 + 32 + k)).reinterpretAsInts();
                            ih = ih.add(ph.add(ph.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                        }
                        int sl = (int) (scs >>> (16 * p));
                        int ml = (int) (mns >>> (16 * p));
                        acc = ((FloatVector) il.convert(VectorOperators.I2F, 0))
                                .fma(FloatVector.broadcast(F, d * (sl & 0xFF) * s[a0]), acc);
                        acc = ((FloatVector) ih.convert(VectorOperators.I2F, 0))
                                .fma(FloatVector.broadcast(F, d * ((sl >>> 8) & 0xFF) * s[a0 + 1]), acc);
                        minSum += dmin * ((ml & 0xFF) * ss[a0] + ((ml >>> 8) & 0xFF) * ss[a0 + 1]);
                    }
                }
                out[t * rows + r] = acc.reduceLanes(VectorOperators.ADD) - minSum;
            }
        }
    }

    static void q6_K(Q6_KWeight w, Activations x, int from, int to, float[] out) {
        short[] q = x.quants();
        float[] s = x.scales();
        MemorySegment seg = w.data;
        int cols = w.cols;
        int nb = cols / 32;
        int nsb = cols / KQuants.QK_K;
        int n = x.n();
        int rows = w.rows;
        for (int r = from; r < to; r++) {
            long row = r * w.rowBytes;
            for (int t = 0; t < n; t++) {
                FloatVector acc = FloatVector.zero(F);
                for (int sb = 0; sb < nsb; sb++) {
                    long o = row + 210L * sb;
                    float d = Float.float16ToFloat(seg.get(SHORT, o + 208));
                    int ab = t * nb + sb * 8;
                    for (int half = 0; half < 2; half++) {
                        long ql = o + 64 * half;
                        long qh = o + 128 + 32 * half;
                        long sco = o + 192 + 8 * half;
                        int a0 = ab + 4 * half;
                        for (int k = 0; k < 32; k += L) {
                            ShortVector l0 = (ShortVector) ByteVector.fromMemorySegment(BH, seg, ql + k, LE)
                                    .convertShape(VectorOperators.B2S, S, 0);
                            ShortVector l1 = (ShortVector) ByteVector.fromMemorySegment(BH, seg, ql + 32 + k, LE)
                                    .convertShape(VectorOperators.B2S, S, 0);
                            ShortVector h = (ShortVector) ByteVector.fromMemorySegment(BH, seg, qh + k, LE)
                                    .convertShape(VectorOperators.B2S, S, 0);
                            ShortVector w0 = l0.and((short) 0xF).or(h.and((short) 3).lanewise(VectorOperators.LSHL, 4))
                                    .sub((short) 32);
                            ShortVector w1 = l1.and((short) 0xF).or(h.and((short) 0xC).lanewise(VectorOperators.LSHL, 2))
                                    .sub((short) 32);
                            ShortVector w2 = l0.lanewise(VectorOperators.ASHR, 4).and((short) 0xF).or(h.and((short) 0x30))
                                    .sub((short) 32);
                            ShortVector w3 = l1.lanewise(VectorOperators.ASHR, 4).and((short) 0xF)
                                    .or(h.lanewise(VectorOperators.ASHR, 2).and((short) 0x30)).sub((short) 32);
                            FloatVector second = FloatVector.fromArray(F, SECOND_GROUP, k / L * F.length());
                            IntVector p0 = w0.mul(ShortVector.fromArray(S, q, a0 * 32 + k)).reinterpretAsInts();
                            p0 = p0.add(p0.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                            IntVector p1 = w1.mul(ShortVector.fromArray(S, q, a0 * 32 + 32 + k)).reinterpretAsInts();
                            p1 = p1.add(p1.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                            IntVector p2 = w2.mul(ShortVector.fromArray(S, q, a0 * 32 + 64 + k)).reinterpretAsInts();
                            p2 = p2.add(p2.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                            IntVector p3 = w3.mul(ShortVector.fromArray(S, q, a0 * 32 + 96 + k)).reinterpretAsInts();
                            p3 = p3.add(p3.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                            float d0 = d * s[a0];
                            float d1 = d * s[a0 + 1];
                            float d2 = d * s[a0 + 2];
                            float d3 = d * s[a0 + 3];
                            int sa0 = seg.get(ValueLayout.JAVA_BYTE, sco + 0);
                            int sb0 = seg.get(ValueLayout.JAVA_BYTE, sco + 1);
                            acc = ((FloatVector) p0.convert(VectorOperators.I2F, 0))
                                    .fma(second.mul(d0 * (sb0 - sa0)).add(d0 * sa0), acc);
                            int sa1 = seg.get(ValueLayout.JAVA_BYTE, sco + 2);
                            int sb1 = seg.get(ValueLayout.JAVA_BYTE, sco + 3);
                            acc = ((FloatVector) p1.convert(VectorOperators.I2F, 0))
                                    .fma(second.mul(d1 * (sb1 - sa1)).add(d1 * sa1), acc);
                            int sa2 = seg.get(ValueLayout.JAVA_BYTE, sco + 4);
                            int sb2 = seg.get(ValueLayout.JAVA_BYTE, sco + 5);
                            acc = ((FloatVector) p2.convert(VectorOperators.I2F, 0))
                                    .fma(second.mul(d2 * (sb2 - sa2)).add(d2 * sa2), acc);
                            int sa3 = seg.get(ValueLayout.JAVA_BYTE, sco + 6);
                            int sb3 = seg.get(ValueLayout.JAVA_BYTE, sco + 7);
                            acc = ((FloatVector) p3.convert(VectorOperators.I2F, 0))
                                    .fma(second.mul(d3 * (sb3 - sa3)).add(d3 * sa3), acc);
                        }
                    }
                }
                out[t * rows + r] = acc.reduceLanes(VectorOperators.ADD);
            }
        }
    }
}
