package io.jknife.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Test fixtures from src/test/resources/fixtures, copied to a directory. */
public final class Fixtures {
    /** mlx-knife's hand-made v0.1 example (reference §8.2). */
    public static final String MLX_V01 = "mlx-knife-example-2025-11-16-v2.0.2.jsonl";
    /** Records as mlx-knife 2.0.4 writes them (v0.2.0–v0.2.2, emitted key names, an Infinity). */
    public static final String MLX_V02 = "mlx-knife-2026-02-11-v2.0.4.jsonl";

    private Fixtures() {
    }

    public static Path copy(String name, Path dir) throws IOException {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) {
                throw new IOException("fixture missing: " + name);
            }
            Path out = dir.resolve(name);
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
            return out;
        }
    }
}
