package io.jknife.java.vision;

import io.jknife.java.model.Transformer;
import io.jknife.vision.PixelValues;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Placing image features among a prompt's token embeddings: the layout of positions and the prefill over it. */
final class ImageRows {
    private ImageRows() {
    }

    /** {@code tokens} with each {@code placeholder} replaced by {@code rows} image rows. */
    static int[] replacing(int[] tokens, int placeholder, int rows) {
        int images = 0;
        for (int t : tokens) {
            if (t == placeholder) {
                images++;
            }
        }
        int[] layout = new int[tokens.length + images * (rows - 1)];
        int p = 0;
        for (int t : tokens) {
            if (t == placeholder) {
                java.util.Arrays.fill(layout, p, p + rows, VisionLanguageModel.IMAGE_ROW);
                p += rows;
            } else {
                layout[p++] = t;
            }
        }
        return layout;
    }

    /** Images in a layout: runs of {@code rows} image rows. */
    static int imageCount(int[] layout, int rows) {
        int n = 0;
        for (int t : layout) {
            if (t == VisionLanguageModel.IMAGE_ROW) {
                n++;
            }
        }
        if (n % rows != 0) {
            throw new IllegalArgumentException("the layout has " + n + " image rows, not a multiple of " + rows);
        }
        return n / rows;
    }

    /**
     * Embeds positions {@code [from, layout.length)} (token embeddings, and each image's features
     * from {@code features} in its rows) and runs them through {@code t} from position {@code from};
     * with {@code bidirectional}, each image's rows also attend to each other (Gemma 3), else causally (LLaVA).
     */
    static float[] prefill(Transformer t, int[] layout, int from, int rows, List<PixelValues> images,
                           Function<PixelValues, float[]> features, boolean bidirectional) {
        int count = imageCount(layout, rows);
        if (count != images.size()) {
            throw new IllegalArgumentException("the prompt has " + count + " image" + (count == 1 ? "" : "s") + " but "
                    + images.size() + " image" + (images.size() == 1 ? " was" : "s were") + " given");
        }
        int n = layout.length - from;
        if (n <= 0 || from < 0) {
            throw new IllegalArgumentException("nothing to run: " + layout.length + " positions from " + from);
        }
        if ((long) layout.length > t.contextSize()) {
            throw new IllegalArgumentException("a prompt of " + layout.length + " positions (" + count + " image"
                    + (count == 1 ? "" : "s") + " of " + rows + ") does not fit a context of " + t.contextSize());
        }
        int dim = t.embeddingLength();
        float[] embeddings = new float[n * dim];
        List<Transformer.Span> spans = new ArrayList<>();
        int image = 0;
        for (int p = 0; p < layout.length; ) {
            if (layout[p] == VisionLanguageModel.IMAGE_ROW) {
                if (p < from && p + rows > from) {
                    throw new IllegalArgumentException("position " + from + " is inside an image");
                }
                if (p >= from) {
                    float[] f = features.apply(images.get(image));
                    System.arraycopy(f, 0, embeddings, (p - from) * dim, rows * dim);
                    if (bidirectional) {
                        spans.add(new Transformer.Span(p, p + rows));
                    }
                }
                image++;
                p += rows;
            } else {
                if (p >= from) {
                    t.embed(layout[p], embeddings, (p - from) * dim);
                }
                p++;
            }
        }
        return t.forwardEmbeddings(embeddings, n, from, spans);
    }
}
