package io.jknife.store.cache;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One repository of the Hugging Face cache, laid out exactly as {@code huggingface_hub} writes it:
 * {@code blobs/} (file contents), {@code refs/<branch>} (a commit id), {@code snapshots/<commit>/}
 * (relative symlinks into {@code blobs/}).
 */
public record HfRepo(String repoId, Path dir) {
    private static final Pattern COMMIT = Pattern.compile("(?i)[0-9a-f]{40}");

    public static HfRepo of(Path hub, String repoId) {
        return new HfRepo(repoId, hub.resolve(HfNames.toDirName(repoId)));
    }

    public Path snapshotsDir() {
        return dir.resolve("snapshots");
    }

    public Path blobsDir() {
        return dir.resolve("blobs");
    }

    /** All snapshot directories, any name. */
    public List<Path> snapshots() {
        List<Path> result = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(snapshotsDir())) {
            for (Path p : ds) {
                if (Files.isDirectory(p)) {
                    result.add(p);
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        result.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return result;
    }

    /** The commit a ref names ({@code refs/main} → 40 hex chars), if the ref file exists. */
    public Optional<String> ref(String name) {
        if (name.contains("..")) {
            return Optional.empty();
        }
        Path f = dir.resolve("refs").resolve(name);
        try {
            String s = Files.readString(f, StandardCharsets.UTF_8).trim();
            return s.isEmpty() ? Optional.empty() : Optional.of(s);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The snapshot to use: {@code rev} if given (a ref name or a commit prefix), else the commit
     * {@code refs/main} names when that snapshot exists, else the newest snapshot by mtime.
     */
    public Optional<Path> selectSnapshot(String rev) {
        List<Path> all = snapshots();
        if (rev != null) {
            Optional<String> viaRef = ref(rev);
            if (viaRef.isPresent()) {
                Path p = snapshotsDir().resolve(viaRef.get());
                if (Files.isDirectory(p)) {
                    return Optional.of(p);
                }
            }
            String lower = rev.toLowerCase();
            return all.stream().filter(p -> p.getFileName().toString().toLowerCase().startsWith(lower)).findFirst();
        }
        Optional<String> main = ref("main");
        if (main.isPresent()) {
            Path p = snapshotsDir().resolve(main.get());
            if (Files.isDirectory(p)) {
                return Optional.of(p);
            }
        }
        return all.stream().max(Comparator.comparing(HfRepo::mtime));
    }

    /** A snapshot directory name is reported as the model's hash only when it is a commit id. */
    public static String commitOf(Path snapshot) {
        String name = snapshot.getFileName().toString();
        return COMMIT.matcher(name).matches() ? name.toLowerCase() : null;
    }

    /** Blobs still being downloaded ({@code blobs/<etag>.incomplete}), as huggingface_hub leaves them. */
    public List<String> incompleteBlobs() {
        List<String> result = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(blobsDir(), "*.incomplete")) {
            for (Path p : ds) {
                result.add(p.getFileName().toString());
            }
        } catch (IOException e) {
            return List.of();
        }
        result.sort(null);
        return result;
    }

    static FileTime mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }
}
