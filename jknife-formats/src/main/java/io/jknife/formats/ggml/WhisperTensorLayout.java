package io.jknife.formats.ggml;

import io.jknife.formats.GgmlType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The tensors whisper.cpp ({@code whisper_model_load}) creates for given hyper-parameters: names,
 * shapes in ggml order ({@code ne[0]} innermost) and types. The file must hold exactly these.
 * Types: 1-D tensors, biases, norms and positional embeddings are F32; the convolution kernels
 * are F32 in an all-F32 model and F16 otherwise; every other matrix has the ftype's weight type.
 */
public final class WhisperTensorLayout {

    /** One tensor whisper.cpp expects. */
    public record Expected(String name, long[] ne, GgmlType type) {
        public Expected {
            ne = ne.clone();
        }

        @Override
        public long[] ne() {
            return ne.clone();
        }

        public long elementCount() {
            long n = 1;
            for (long d : ne) {
                n *= d;
            }
            return n;
        }

        /** Whether stored dims {@code dims} match, comparing as whisper.cpp does (missing dims count as 1). */
        public boolean shapeMatches(long[] dims) {
            return Arrays.equals(pad(ne), pad(dims));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Expected e && name.equals(e.name) && Arrays.equals(ne, e.ne) && type == e.type;
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(ne);
        }

        @Override
        public String toString() {
            return name + " " + type.ggmlName() + Arrays.toString(ne);
        }
    }

    private WhisperTensorLayout() {
    }

    /**
     * The expected tensors in the order OpenAI's checkpoint (and so the converter) lists them;
     * empty when the ftype is invalid. whisper.cpp itself accepts any order.
     */
    public static List<Expected> expected(WhisperHparams hp) {
        Optional<GgmlType> w = WhisperGgmlTypes.forFtype(hp.ftypeBase());
        if (w.isEmpty()) {
            return List.of();
        }
        GgmlType wtype = w.get();
        GgmlType vtype = wtype == GgmlType.F32 ? GgmlType.F32 : GgmlType.F16;
        GgmlType f32 = GgmlType.F32;
        long as = hp.nAudioState();
        long ts = hp.nTextState();
        List<Expected> out = new ArrayList<>();
        out.add(new Expected("encoder.positional_embedding", new long[]{as, hp.nAudioCtx()}, f32));
        out.add(new Expected("encoder.conv1.weight", new long[]{3, hp.nMels(), as}, vtype));
        out.add(new Expected("encoder.conv1.bias", new long[]{1, as}, f32));
        out.add(new Expected("encoder.conv2.weight", new long[]{3, as, as}, vtype));
        out.add(new Expected("encoder.conv2.bias", new long[]{1, as}, f32));
        for (int i = 0; i < hp.nAudioLayer(); i++) {
            block(out, "encoder.blocks." + i + ".", as, wtype, false);
        }
        out.add(new Expected("encoder.ln_post.weight", new long[]{as}, f32));
        out.add(new Expected("encoder.ln_post.bias", new long[]{as}, f32));
        out.add(new Expected("decoder.positional_embedding", new long[]{ts, hp.nTextCtx()}, f32));
        out.add(new Expected("decoder.token_embedding.weight", new long[]{ts, hp.nVocab()}, wtype));
        for (int i = 0; i < hp.nTextLayer(); i++) {
            block(out, "decoder.blocks." + i + ".", ts, wtype, true);
        }
        out.add(new Expected("decoder.ln.weight", new long[]{ts}, f32));
        out.add(new Expected("decoder.ln.bias", new long[]{ts}, f32));
        return out;
    }

    private static void block(List<Expected> out, String p, long s, GgmlType wtype, boolean cross) {
        GgmlType f32 = GgmlType.F32;
        attention(out, p + "attn", s, wtype);
        if (cross) {
            attention(out, p + "cross_attn", s, wtype);
        }
        out.add(new Expected(p + "mlp.0.weight", new long[]{s, 4 * s}, wtype));
        out.add(new Expected(p + "mlp.0.bias", new long[]{4 * s}, f32));
        out.add(new Expected(p + "mlp.2.weight", new long[]{4 * s, s}, wtype));
        out.add(new Expected(p + "mlp.2.bias", new long[]{s}, f32));
        out.add(new Expected(p + "mlp_ln.weight", new long[]{s}, f32));
        out.add(new Expected(p + "mlp_ln.bias", new long[]{s}, f32));
    }

    private static void attention(List<Expected> out, String p, long s, GgmlType wtype) {
        GgmlType f32 = GgmlType.F32;
        out.add(new Expected(p + ".query.weight", new long[]{s, s}, wtype));
        out.add(new Expected(p + ".query.bias", new long[]{s}, f32));
        out.add(new Expected(p + ".key.weight", new long[]{s, s}, wtype));
        out.add(new Expected(p + ".value.weight", new long[]{s, s}, wtype));
        out.add(new Expected(p + ".value.bias", new long[]{s}, f32));
        out.add(new Expected(p + ".out.weight", new long[]{s, s}, wtype));
        out.add(new Expected(p + ".out.bias", new long[]{s}, f32));
        out.add(new Expected(p + "_ln.weight", new long[]{s}, f32));
        out.add(new Expected(p + "_ln.bias", new long[]{s}, f32));
    }

    static long[] pad(long[] dims) {
        long[] out = {1, 1, 1, 1};
        System.arraycopy(dims, 0, out, 0, Math.min(4, dims.length));
        return out;
    }
}
