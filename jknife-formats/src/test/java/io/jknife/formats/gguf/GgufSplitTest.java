package io.jknife.formats.gguf;

import io.jknife.formats.FormatException;
import io.jknife.formats.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GgufSplitTest {
    @TempDir
    Path dir;

    @Test
    void namesParseAndFormat() {
        GgufSplitName n = GgufSplitName.parse("Qwen3-8B-Q4_K_M-00002-of-00003.gguf").orElseThrow();
        assertEquals("Qwen3-8B-Q4_K_M", n.prefix());
        assertEquals(2, n.part());
        assertEquals(3, n.count());
        assertEquals("Qwen3-8B-Q4_K_M-00001-of-00003.gguf", n.fileName(1));
        assertEquals(List.of(dir.resolve("Qwen3-8B-Q4_K_M-00001-of-00003.gguf"),
                        dir.resolve("Qwen3-8B-Q4_K_M-00002-of-00003.gguf"),
                        dir.resolve("Qwen3-8B-Q4_K_M-00003-of-00003.gguf")),
                n.siblings(dir.resolve(n.fileName())));
        assertTrue(GgufSplitName.parse("model.gguf").isEmpty());
        assertTrue(GgufSplitName.parse("m-00004-of-00003.gguf").isEmpty());
        assertTrue(GgufSplitName.parse("m-00000-of-00003.gguf").isEmpty());
        assertTrue(GgufSplitName.parse("m-1-of-3.gguf").isEmpty());
    }

    private Path part(String prefix, int no, int count, int totalTensors, String... tensors) throws IOException {
        GgufWriter w = GgufWriter.create();
        if (no == 0) {
            w.putString("general.architecture", "llama");
        }
        w.putUint16("split.no", no).putUint16("split.count", count).putInt32("split.tensors.count", totalTensors);
        for (String t : tensors) {
            w.tensor(t, new long[]{4}, new float[4], GgmlType.F32);
        }
        Path p = dir.resolve(new GgufSplitName(prefix, no + 1, count).fileName());
        w.write(p);
        return p;
    }

    @Test
    void readsAllPartsFromAnyPart() throws IOException {
        Path a = part("m", 0, 3, 4, "a", "b");
        Path b = part("m", 1, 3, 4, "c");
        Path c = part("m", 2, 3, 4, "d");
        for (Path any : List.of(a, b, c)) {
            List<GgufFile> parts = GgufReader.readSplit(any);
            assertEquals(3, parts.size());
            assertEquals("llama", parts.getFirst().architecture());
            assertEquals(4, parts.stream().mapToInt(p -> p.tensors().size()).sum());
            assertEquals(c.toAbsolutePath(), parts.getLast().path().toAbsolutePath());
        }
        Path single = dir.resolve("single.gguf");
        GgufWriter.create().putString("general.architecture", "llama").write(single);
        assertEquals(1, GgufReader.readSplit(single).size());
    }

    @Test
    void brokenSplitsAreFormatErrors() throws IOException {
        part("gap", 0, 3, 3, "a");
        part("gap", 2, 3, 3, "c");
        FormatException e = assertThrows(FormatException.class,
                () -> GgufReader.readSplit(dir.resolve("gap-00001-of-00003.gguf")));
        assertTrue(e.getMessage().contains("part 2 of 3 is missing"), e.getMessage());

        part("cnt", 0, 2, 5, "a");
        part("cnt", 1, 2, 5, "b");
        e = assertThrows(FormatException.class, () -> GgufReader.readSplit(dir.resolve("cnt-00002-of-00002.gguf")));
        assertTrue(e.getMessage().contains("split.tensors.count says 5"), e.getMessage());

        part("dup", 0, 2, 2, "a");
        part("dup", 1, 2, 2, "a");
        e = assertThrows(FormatException.class, () -> GgufReader.readSplit(dir.resolve("dup-00001-of-00002.gguf")));
        assertTrue(e.getMessage().contains("more than one part"), e.getMessage());

        Path wrongIndex = part("idx", 0, 2, 2, "a");
        Files.copy(wrongIndex, dir.resolve("idx-00002-of-00002.gguf"));
        e = assertThrows(FormatException.class, () -> GgufReader.readSplit(wrongIndex));
        assertTrue(e.getMessage().contains("expected 1 of 2"), e.getMessage());

        Path renamed = dir.resolve("renamed.gguf");
        Files.copy(wrongIndex, renamed);
        e = assertThrows(FormatException.class, () -> GgufReader.readSplit(renamed));
        assertTrue(e.getMessage().contains("not named like"), e.getMessage());
    }
}
