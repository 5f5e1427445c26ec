package io.jknife.cli.commands;

import io.jknife.store.ModelEntry;
import io.jknife.store.ModelStore;
import io.jknife.store.workspace.Workspaces;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code list ./path}: workspaces at a path, never the cache. The path itself when it is a
 * workspace; else its child workspaces; else, prefix mode, the parent's children whose names start
 * with the last path component.
 */
final class WorkspaceListing {
    private WorkspaceListing() {
    }

    static List<Listing.Item> find(ModelStore store, String pattern) {
        Path given = Path.of(pattern);
        Path abs = given.toAbsolutePath().normalize();
        boolean absolute = given.isAbsolute();
        List<Path> matches = new ArrayList<>();
        Path base;
        if (Workspaces.isWorkspace(abs)) {
            matches.add(abs);
            base = abs.getParent();
        } else if (Files.isDirectory(abs)) {
            matches.addAll(children(abs, ""));
            base = abs;
        } else {
            Path parent = abs.getParent();
            String prefix = given.getFileName() == null ? "" : given.getFileName().toString();
            matches.addAll(parent == null || !Files.isDirectory(parent) ? List.of() : children(parent, prefix));
            base = parent;
        }
        List<Listing.Item> items = new ArrayList<>();
        for (Path ws : matches) {
            String display = absolute || base == null ? ws.toString() : base.relativize(ws).toString();
            if (display.isEmpty()) {
                display = ws.getFileName() == null ? ws.toString() : ws.getFileName().toString();
            }
            for (ModelEntry e : store.entriesOfWorkspace(ws)) {
                items.add(new Listing.Item(e, display + e.name().substring(ws.toString().length())));
            }
        }
        return items;
    }

    private static List<Path> children(Path dir, String prefix) {
        List<Path> result = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (p.getFileName().toString().startsWith(prefix) && Workspaces.isWorkspace(p)) {
                    result.add(p.toAbsolutePath().normalize());
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        result.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return result;
    }
}
