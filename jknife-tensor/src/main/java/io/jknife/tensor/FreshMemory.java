package io.jknife.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Large, page-aligned native memory for repacked weights: on Linux an anonymous {@code mmap}
 * marked for transparent huge pages ({@code madvise(MADV_HUGEPAGE)}), unmapped when the arena
 * closes; elsewhere, or when libc cannot be called, {@link Arena#allocate}.
 *
 * <p>Why not {@link Arena#allocate} everywhere: it zeroes the memory on the calling thread, which
 * is where fresh memory is paid for (the first touch of each page). On the 2-core VM this was
 * measured on ({@code RepackBench --gguf}), allocating 0.70 GB that way took 2.8 s, while
 * repacking the whole 0.70 GB model into memory from here, huge pages touched first by the two
 * repacking threads, took 1.8 s. The kernel hands out anonymous pages zeroed, so nothing is
 * written twice.
 */
public final class FreshMemory {
    private static final long HUGE_THRESHOLD = 4L << 20;
    private static final int PROT_READ_WRITE = 0x3;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x22;
    private static final int MADV_HUGEPAGE = 14;
    private static final MethodHandle MMAP;
    private static final MethodHandle MADVISE;
    private static final MethodHandle MUNMAP;

    static {
        MethodHandle mmap = null;
        MethodHandle madvise = null;
        MethodHandle munmap = null;
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            try {
                Linker linker = Linker.nativeLinker();
                var libc = linker.defaultLookup();
                mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(), FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
                munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(), FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
            } catch (RuntimeException | Error e) {
                // no native access (a JVM without --enable-native-access may refuse): the arena's memory will do
                mmap = null;
            }
        }
        MMAP = mmap;
        MADVISE = madvise;
        MUNMAP = munmap;
    }

    private FreshMemory() {
    }

    /**
     * {@code bytes} of memory, zeroed, freed when {@code arena} closes; its pages are not touched
     * yet when it comes from {@code mmap}.
     */
    public static MemorySegment allocate(Arena arena, long bytes) {
        if (MMAP == null || bytes < HUGE_THRESHOLD) {
            return arena.allocate(bytes, 64);
        }
        MemorySegment at;
        try {
            at = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, bytes, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS,
                    -1, 0L);
        } catch (Throwable e) {
            return arena.allocate(bytes, 64);
        }
        if (at.address() == -1L) { // MAP_FAILED
            throw new OutOfMemoryError("cannot map " + bytes + " bytes of memory for repacked weights");
        }
        try {
            int ignored = (int) MADVISE.invokeExact(at, bytes, MADV_HUGEPAGE); // a hint: fine if refused
        } catch (Throwable e) {
            // only a hint
        }
        return at.reinterpret(bytes, arena, unmap(bytes));
    }

    private static Consumer<MemorySegment> unmap(long bytes) {
        return s -> {
            try {
                int ignored = (int) MUNMAP.invokeExact(s, bytes);
            } catch (Throwable e) {
                throw new IllegalStateException("munmap failed", e);
            }
        };
    }
}
