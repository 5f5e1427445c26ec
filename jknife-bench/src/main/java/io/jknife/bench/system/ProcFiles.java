package io.jknife.bench.system;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Reads small procfs/sysfs files; a missing or unreadable file is null, never an exception. */
public final class ProcFiles {
    private static final long[] AUXV = auxv();
    /** The kernel's page size (from the auxiliary vector; 4096 if unreadable). */
    public static final long PAGE_SIZE = AUXV[0];
    /** USER_HZ, the unit of /proc tick counts (from the auxiliary vector; 100 if unreadable). */
    public static final long CLOCK_TICKS = AUXV[1];

    private ProcFiles() {
    }

    /** The file's text (ISO-8859-1: procfs is ASCII), or null. */
    public static String read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(8192);
            StringBuilder sb = null;
            while (ch.read(buf) > 0) {
                if (!buf.hasRemaining()) {
                    sb = append(sb, buf);
                }
            }
            sb = append(sb, buf);
            return sb.toString();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    public static String read(String file) {
        return read(Path.of(file));
    }

    private static StringBuilder append(StringBuilder sb, ByteBuffer buf) {
        if (sb == null) {
            sb = new StringBuilder(buf.position());
        }
        sb.append(new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1));
        buf.clear();
        return sb;
    }

    /** The first line of the file, trimmed, or null. */
    public static String firstLine(Path file) {
        String s = read(file);
        if (s == null) {
            return null;
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }

    /** A file holding one integer (or "max"); null when missing, unlimited or not a number. */
    public static Long longValue(Path file) {
        String s = firstLine(file);
        if (s == null || s.isEmpty() || s.equals("max")) {
            return null;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The value after {@code key} in "key value" lines (memory.stat, vmstat, memory.events), or null. */
    public static Long keyed(String text, String key) {
        if (text == null) {
            return null;
        }
        int from = 0;
        while (true) {
            int i = text.indexOf(key, from);
            if (i < 0) {
                return null;
            }
            boolean lineStart = i == 0 || text.charAt(i - 1) == '\n';
            int after = i + key.length();
            if (lineStart && after < text.length() && (text.charAt(after) == ' ' || text.charAt(after) == ':' || text.charAt(after) == '\t')) {
                return firstNumber(text, after);
            }
            from = after;
        }
    }

    /** The first unsigned integer at or after {@code from}. */
    static Long firstNumber(String text, int from) {
        int i = from;
        while (i < text.length() && !Character.isDigit(text.charAt(i))) {
            if (text.charAt(i) == '\n') {
                return null;
            }
            i++;
        }
        long v = 0;
        int start = i;
        while (i < text.length() && Character.isDigit(text.charAt(i))) {
            v = v * 10 + (text.charAt(i) - '0');
            i++;
        }
        return i == start ? null : v;
    }

    private static long[] auxv() {
        long page = 4096;
        long hz = 100;
        try {
            byte[] b = Files.readAllBytes(Path.of("/proc/self/auxv"));
            ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
            while (bb.remaining() >= 16) {
                long type = bb.getLong();
                long value = bb.getLong();
                if (type == 6 && value > 0) { // AT_PAGESZ
                    page = value;
                } else if (type == 17 && value > 0) { // AT_CLKTCK
                    hz = value;
                } else if (type == 0) {
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // defaults
        }
        return new long[] {page, hz};
    }
}
