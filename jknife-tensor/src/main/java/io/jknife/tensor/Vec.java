package io.jknife.tensor;

import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species the kernels use, all of one shape: the widest the CPU supports (512 bits with
 * AVX-512, 256 with AVX2), capped at 512 bits because one 32-value block is 512 bits of shorts.
 *
 * <p>The kernels share one trick: 8-bit weights times 8-bit activations are short products, and
 * adjacent pairs of them are summed into int lanes as {@code (x + (x << 16)) >> 16} on the short
 * pair read as one int x = (hi << 16) + lo, which is hi + lo as long as that fits 16 bits (true
 * for every pair the kernels form: at most 2 * 128 * 127). The ints are converted to floats and
 * accumulated with the block's scales.
 */
final class Vec {
    /** Short lanes: the products of 8-bit weights and 8-bit activations. */
    static final VectorSpecies<Short> S;
    /** Byte lanes of half the width: loaded and widened to {@link #S}. */
    static final VectorSpecies<Byte> BH;
    /** Byte lanes of a quarter of the width: loaded and widened to {@link #I}. */
    static final VectorSpecies<Byte> BQ;
    /** Short lanes of half the width: as many as {@link #I} has lanes (f16 scales widened to ints). */
    static final VectorSpecies<Short> SH;
    static final VectorSpecies<Integer> I;
    static final VectorSpecies<Float> F;
    /** Lanes of {@link #S}. */
    static final int L;

    static {
        int bits = Math.min(512, ShortVector.SPECIES_PREFERRED.vectorBitSize());
        // at least 256 (emulated where the CPU has less): the Q4_0 loads of BQ bytes must fit a block
        bits = Math.max(256, bits);
        VectorShape shape = VectorShape.forBitSize(bits);
        S = ShortVector.SPECIES_PREFERRED.vectorBitSize() == bits ? ShortVector.SPECIES_PREFERRED
                : VectorSpecies.of(short.class, shape);
        BH = VectorSpecies.of(byte.class, VectorShape.forBitSize(bits / 2));
        BQ = VectorSpecies.of(byte.class, VectorShape.forBitSize(bits / 4));
        SH = VectorSpecies.of(short.class, VectorShape.forBitSize(bits / 2));
        I = VectorSpecies.of(int.class, shape);
        F = VectorSpecies.of(float.class, shape);
        L = S.length();
    }

    private Vec() {
    }
}
