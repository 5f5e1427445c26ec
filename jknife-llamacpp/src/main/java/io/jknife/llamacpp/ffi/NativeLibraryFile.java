package io.jknife.llamacpp.ffi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Properties;

/**
 * Finds llama.cpp's native library ({@code libjllama.so}, llama.cpp b4916) inside the
 * {@code de.kherud:llama} jar and extracts it once into a private, content-addressed directory.
 *
 * <p>We extract it ourselves instead of letting the binding's loader do it: that loader prints
 * "Extracted ..." on standard output (which would corrupt {@code --json} output) and deletes every
 * file named {@code llama*} or {@code jllama*} in {@code java.io.tmpdir}.
 *
 * <p>Where: the system property {@value #LIB_PROPERTY} names a library file to use as is; otherwise
 * the library goes to {@code <dir>/llama-<version>-<sha256 prefix>/libjllama.so} where
 * {@code <dir>} is the system property {@value #LIBDIR_PROPERTY}, else
 * {@code $XDG_CACHE_HOME/jknife/native}, else {@code ~/.cache/jknife/native}, else
 * {@code java.io.tmpdir/jknife-native-<user>}.
 */
public final class NativeLibraryFile {
    /** A system property naming a libjllama.so to load instead of the one in the jar. */
    public static final String LIB_PROPERTY = "jknife.llamacpp.lib";
    /** A system property naming the directory to extract the library into. */
    public static final String LIBDIR_PROPERTY = "jknife.llamacpp.libdir";
    /** The binding version whose native library (and its C API layout) this module was written against. */
    public static final String EXPECTED_BINDING_VERSION = "4.2.0";

    private static final String POM_PROPERTIES = "META-INF/maven/de.kherud/llama/pom.properties";

    private NativeLibraryFile() {
    }

    /** The binding version on the class path, or null when it cannot be told. */
    public static String bindingVersion() {
        try (InputStream in = loader().getResourceAsStream(POM_PROPERTIES)) {
            if (in == null) {
                return null;
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            return null;
        }
    }

    /** The resource path of the library for this machine inside the binding's jar. */
    static String resourcePath() throws IOException {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux")) {
            throw new IOException("the llama.cpp engine runs on Linux only (this is " + System.getProperty("os.name") + ")");
        }
        String dir = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> throw new IOException("no llama.cpp native library for the CPU architecture " + arch);
        };
        return "de/kherud/llama/Linux/" + dir + "/libjllama.so";
    }

    /** The library file to load, extracting it first when needed. */
    public static Path locate() throws IOException {
        String explicit = System.getProperty(LIB_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit);
            if (!Files.isRegularFile(p)) {
                throw new IOException(LIB_PROPERTY + " names " + p + ", which is not a file");
            }
            return p;
        }
        String resource = resourcePath();
        byte[] bytes;
        try (InputStream in = loader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("de.kherud:llama is not on the class path (no " + resource + ")");
            }
            bytes = in.readAllBytes();
        }
        String version = bindingVersion();
        String dirName = "llama-" + (version == null ? "unknown" : version) + "-" + sha256(bytes).substring(0, 16);
        IOException last = null;
        for (Path base : candidateDirs()) {
            Path target = base.resolve(dirName).resolve("libjllama.so");
            try {
                if (Files.isRegularFile(target) && Files.size(target) == bytes.length) {
                    return target;
                }
                Files.createDirectories(target.getParent());
                Path tmp = Files.createTempFile(target.getParent(), ".libjllama", ".tmp");
                try {
                    Files.write(tmp, bytes);
                    try {
                        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    } catch (AtomicMoveNotSupportedException e) {
                        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                } finally {
                    Files.deleteIfExists(tmp);
                }
                return target;
            } catch (IOException e) {
                last = e;
            }
        }
        throw new IOException("cannot extract the llama.cpp native library: " + (last == null ? "no directory" : last.getMessage()), last);
    }

    private static java.util.List<Path> candidateDirs() {
        java.util.List<Path> dirs = new java.util.ArrayList<>();
        String explicit = System.getProperty(LIBDIR_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            dirs.add(Path.of(explicit));
            return dirs;
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            dirs.add(Path.of(xdg, "jknife", "native"));
        }
        String home = System.getProperty("user.home");
        if (home != null && !home.isBlank()) {
            dirs.add(Path.of(home, ".cache", "jknife", "native"));
        }
        dirs.add(Path.of(System.getProperty("java.io.tmpdir"), "jknife-native-" + System.getProperty("user.name", "user")));
        return dirs;
    }

    private static ClassLoader loader() {
        ClassLoader cl = NativeLibraryFile.class.getClassLoader();
        return cl != null ? cl : ClassLoader.getSystemClassLoader();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
