package io.jknife.hub.push;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** The files of a workspace: all of them (for the count), and those push uploads. */
public record LocalFiles(int allCount, List<LocalFile> uploads) {

    public static LocalFiles scan(Path dir, IgnoreRules rules) throws IOException {
        List<LocalFile> out = new ArrayList<>();
        int all = 0;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted(Comparator.comparing(Path::toString)).toList()) {
                all++;
                String rel = dir.relativize(p).toString().replace('\\', '/');
                if (!rules.ignored(rel)) {
                    out.add(new LocalFile(rel, p, Files.size(p)));
                }
            }
        }
        return new LocalFiles(all, List.copyOf(out));
    }

    public long totalBytes() {
        return uploads.stream().mapToLong(LocalFile::size).sum();
    }
}
