package io.jknife.llamacpp;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Native memory of this process: bytes malloc'd (glibc {@code mallinfo2}, all arenas and mmapped chunks) and RSS. */
@SuppressWarnings("restricted")
final class NativeMemory {
    private static final MemoryLayout MALLINFO2 = MemoryLayout.structLayout(JAVA_LONG.withName("arena"),
            JAVA_LONG.withName("ordblks"), JAVA_LONG.withName("smblks"), JAVA_LONG.withName("hblks"),
            JAVA_LONG.withName("hblkhd"), JAVA_LONG.withName("usmblks"), JAVA_LONG.withName("fsmblks"),
            JAVA_LONG.withName("uordblks"), JAVA_LONG.withName("fordblks"), JAVA_LONG.withName("keepcost"));
    private static final MethodHandle MALLINFO2_FN = Linker.nativeLinker().defaultLookup().find("mallinfo2")
            .map(a -> Linker.nativeLinker().downcallHandle(a, FunctionDescriptor.of(MALLINFO2)))
            .orElse(null);

    private NativeMemory() {
    }

    /** Bytes currently allocated with malloc (in use, not free), when glibc can say. */
    static Optional<Long> mallocedBytes() {
        if (MALLINFO2_FN == null) {
            return Optional.empty();
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = (MemorySegment) MALLINFO2_FN.invokeExact((java.lang.foreign.SegmentAllocator) a);
            long hblkhd = m.getAtIndex(JAVA_LONG, 4);   // bytes in mmapped chunks
            long uordblks = m.getAtIndex(JAVA_LONG, 7); // bytes in use in the arenas
            return Optional.of(hblkhd + uordblks);
        } catch (Throwable t) {
            return Optional.empty();
        }
    }

    static long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IOException("no VmRSS");
    }
}
