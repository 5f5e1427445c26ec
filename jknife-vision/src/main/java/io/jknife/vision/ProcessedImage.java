package io.jknife.vision;

import java.util.List;

/**
 * The output of {@link ImageProcessor} for one image: the tiles in the order the model takes them.
 * Without image splitting that is one tile and {@code rows == cols == 0}; with splitting (Idefics3)
 * it is {@code rows * cols} crops row by row followed by the whole image resized as the global view,
 * and {@code rows}/{@code cols} are what the chat template needs to lay out the image tokens.
 */
public record ProcessedImage(List<PixelValues> tiles, int rows, int cols) {

    public ProcessedImage {
        tiles = List.copyOf(tiles);
        if (tiles.isEmpty()) {
            throw new IllegalArgumentException("no tiles");
        }
        if (rows < 0 || cols < 0 || tiles.size() != rows * cols + 1 && !(rows == 0 && cols == 0 && tiles.size() == 1)) {
            throw new IllegalArgumentException(tiles.size() + " tiles for a " + rows + "x" + cols + " split");
        }
    }

    /** The only tile of an image processed without splitting. */
    public PixelValues single() {
        if (tiles.size() != 1) {
            throw new IllegalStateException("image was split into " + tiles.size() + " tiles");
        }
        return tiles.getFirst();
    }
}
