package io.jknife.store.probe;

import io.jknife.formats.safetensors.SafetensorsDType;
import io.jknife.formats.safetensors.SafetensorsHeader;
import io.jknife.formats.safetensors.SafetensorsReader;
import io.jknife.formats.safetensors.SafetensorsTensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What the safetensors headers of a Hugging Face model say about its weights: parameter count,
 * MLX metadata, and the tensor types an engine must compute with — the safetensors dtype of every
 * tensor ({@code F32}, {@code BF16}, {@code I8}, ...), except that an MLX-quantized module (packed
 * {@code U32} {@code .weight} beside its {@code .scales}) counts as one type named by its bits and
 * group size ({@code MLX_Q4_G64}, see {@link MlxQuantization.Layer#typeName()}); its scales and
 * biases keep their dtype. Reads headers only.
 *
 * @param parameterCount parameters (packed MLX words unpacked), or null when a header could not be read
 * @param mlxMetadata    a header says {@code "format": "mlx"}
 * @param tensorTypes    sorted, distinct
 */
record HfWeights(Long parameterCount, boolean mlxMetadata, List<String> tensorTypes) {

    static HfWeights read(List<Path> safetensors, MlxQuantization quantization) {
        Map<String, SafetensorsTensor> all = new HashMap<>();
        boolean mlx = false;
        boolean complete = true;
        for (Path st : safetensors) {
            try {
                SafetensorsHeader h = SafetensorsReader.read(st);
                if ("mlx".equalsIgnoreCase(h.metadata().getOrDefault("format", ""))) {
                    mlx = true;
                }
                all.putAll(h.tensors());
            } catch (IOException e) {
                complete = false; // health reports the corrupt file
            }
        }
        long params = 0;
        TreeSet<String> types = new TreeSet<>();
        for (SafetensorsTensor t : all.values()) {
            MlxQuantization.Layer q = quantizedModule(t, all, quantization);
            if (q != null) {
                types.add(q.typeName());
                params += q.bits() == null || q.bits() <= 0 ? t.elementCount() : t.elementCount() * 32 / q.bits();
                continue;
            }
            types.add(t.dtype().name());
            if (!isQuantizationParameter(t.name(), all)) {
                params += t.elementCount();
            }
        }
        return new HfWeights(complete && !safetensors.isEmpty() ? params : null, mlx, List.copyOf(types));
    }

    /** The MLX setting of {@code t} when it is the packed weight of a quantized module, else null. */
    private static MlxQuantization.Layer quantizedModule(SafetensorsTensor t, Map<String, SafetensorsTensor> all,
                                                        MlxQuantization quantization) {
        String name = t.name();
        if (t.dtype() != SafetensorsDType.U32 || !name.endsWith(".weight")) {
            return null;
        }
        String module = name.substring(0, name.length() - ".weight".length());
        return all.containsKey(module + ".scales") ? quantization.forModule(module) : null;
    }

    /** The scales and biases of a quantized module: part of its weights, not parameters of their own. */
    private static boolean isQuantizationParameter(String name, Map<String, SafetensorsTensor> all) {
        for (String suffix : new String[]{".scales", ".biases"}) {
            if (name.endsWith(suffix)) {
                SafetensorsTensor w = all.get(name.substring(0, name.length() - suffix.length()) + ".weight");
                return w != null && w.dtype() == SafetensorsDType.U32;
            }
        }
        return false;
    }
}
