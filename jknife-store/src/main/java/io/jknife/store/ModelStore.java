package io.jknife.store;

import io.jknife.store.cache.HfNames;
import io.jknife.store.cache.HfRepo;
import io.jknife.store.probe.ModelFiles;
import io.jknife.store.workspace.WorkspaceSentinel;
import io.jknife.store.workspace.Workspaces;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The models jknife can see, in place: repositories of the Hugging Face cache and workspace
 * directories. Lists them and resolves references; reads nothing but directory listings and the
 * few bytes {@link ModelFiles} needs.
 */
public final class ModelStore {
    private final StoreConfig config;

    public ModelStore(StoreConfig config) {
        this.config = config;
    }

    public StoreConfig config() {
        return config;
    }

    /** Every cache repository directory ({@code models--*}), sorted by repository id. */
    public List<HfRepo> repositories() {
        List<HfRepo> repos = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(config.hub(), HfNames.MODEL_PREFIX + "*")) {
            for (Path p : ds) {
                if (Files.isDirectory(p)) {
                    repos.add(new HfRepo(HfNames.toRepoId(p.getFileName().toString()), p));
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        repos.sort(Comparator.comparing(HfRepo::repoId));
        return repos;
    }

    /** Workspaces directly under the workspace home, sorted by directory name. */
    public List<Path> workspaceHomeEntries() {
        if (config.workspaceHome().isEmpty()) {
            return List.of();
        }
        List<Path> result = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(config.workspaceHome().get())) {
            for (Path p : ds) {
                if (Workspaces.isWorkspace(p)) {
                    result.add(p.toAbsolutePath().normalize());
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        result.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return result;
    }

    /** The models of one cache repository at the given revision (null: refs/main, else newest snapshot). */
    public List<ModelEntry> entriesOf(HfRepo repo, String revision) {
        Optional<Path> snapshot = repo.selectSnapshot(revision);
        Path dir = snapshot.orElse(repo.dir());
        String commit = snapshot.map(HfRepo::commitOf).orElse(null);
        return entriesOf(repo.repoId(), repo, dir, commit, repo.repoId());
    }

    /** The models of one workspace (or any model directory given as a path). */
    public List<ModelEntry> entriesOfWorkspace(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        String heuristic = WorkspaceSentinel.read(abs).flatMap(WorkspaceSentinel::sourceRepo)
                .orElse(abs.getFileName() == null ? abs.toString() : abs.getFileName().toString());
        return entriesOf(abs.toString(), null, abs, null, heuristic);
    }

    private static List<ModelEntry> entriesOf(String name, HfRepo repo, Path dir, String commit, String heuristic) {
        ModelFiles files = ModelFiles.scan(dir);
        List<ModelFiles.Variant> variants = files.modelVariants();
        List<ModelEntry> entries = new ArrayList<>();
        if (variants.size() == 1 && !files.hasHfWeights()) {
            entries.add(new ModelEntry(name, repo, dir, commit, files, variants.getFirst(), heuristic));
            return entries;
        }
        if (variants.isEmpty() || files.hasHfWeights()) {
            entries.add(new ModelEntry(name, repo, dir, commit, files, null, heuristic));
        }
        for (ModelFiles.Variant v : variants) {
            entries.add(new ModelEntry(name + ":" + v.name(), repo, dir, commit, files, v, heuristic));
        }
        return entries;
    }

    /** Every model: workspace-home workspaces, then the cache, each list sorted. */
    public List<ModelEntry> allEntries() {
        List<ModelEntry> all = new ArrayList<>();
        for (Path ws : workspaceHomeEntries()) {
            all.addAll(entriesOfWorkspace(ws));
        }
        for (HfRepo repo : repositories()) {
            all.addAll(entriesOf(repo, null));
        }
        return all;
    }

    /**
     * Resolves a reference: an explicit path; an exact workspace-home name; an exact cache
     * repository ({@code mlx-community/} is tried for bare names); otherwise a unique
     * case-insensitive substring over workspace-home names and cache repository ids, where several
     * matches are ambiguous. {@code @REV} picks a snapshot, {@code :VARIANT} one model file.
     */
    public Resolution resolve(ModelRef ref) {
        if (ref.path()) {
            Path p = Path.of(ref.text()).toAbsolutePath().normalize();
            if (!Files.isDirectory(p)) {
                return new Resolution.NotFound(ref, "Workspace not found: " + ref.text());
            }
            return selectVariant(ref, entriesOfWorkspace(p));
        }
        String name = ref.name();
        Optional<Path> home = config.workspaceHome();
        if (home.isPresent() && ref.revision() == null && !name.contains("/")) {
            Path exact = home.get().resolve(name);
            if (Workspaces.isWorkspace(exact)) {
                return selectVariant(ref, entriesOfWorkspace(exact));
            }
        }
        HfRepo exact = exactRepo(name);
        if (exact != null) {
            return fromRepo(ref, exact);
        }
        String needle = name.toLowerCase(Locale.ROOT);
        TreeSet<String> matches = new TreeSet<>();
        List<Path> wsMatches = new ArrayList<>();
        if (ref.revision() == null) {
            for (Path ws : workspaceHomeEntries()) {
                if (ws.getFileName().toString().toLowerCase(Locale.ROOT).contains(needle)) {
                    wsMatches.add(ws);
                    matches.add(ws.toString());
                }
            }
        }
        List<HfRepo> repoMatches = new ArrayList<>();
        for (HfRepo repo : repositories()) {
            String id = repo.repoId().toLowerCase(Locale.ROOT);
            if (id.contains(needle) && (ref.revision() == null || repo.selectSnapshot(ref.revision()).isPresent())) {
                repoMatches.add(repo);
                matches.add(repo.repoId());
            }
        }
        if (matches.isEmpty()) {
            String detail = ref.revision() == null
                    ? "No model found matching '" + ref.text() + "'"
                    : "No snapshot matching '" + ref.revision() + "' for a model matching '" + name + "'";
            return new Resolution.NotFound(ref, detail);
        }
        if (matches.size() > 1) {
            return new Resolution.Ambiguous(ref, List.copyOf(matches));
        }
        return wsMatches.isEmpty() ? fromRepo(ref, repoMatches.getFirst()) : selectVariant(ref, entriesOfWorkspace(wsMatches.getFirst()));
    }

    private HfRepo exactRepo(String name) {
        if (name.isEmpty()) {
            return null;
        }
        if (!name.contains("/")) {
            HfRepo mlx = HfRepo.of(config.hub(), "mlx-community/" + name);
            if (Files.isDirectory(mlx.dir())) {
                return mlx;
            }
        }
        HfRepo repo = HfRepo.of(config.hub(), name);
        return Files.isDirectory(repo.dir()) ? repo : null;
    }

    private Resolution fromRepo(ModelRef ref, HfRepo repo) {
        if (ref.revision() != null && repo.selectSnapshot(ref.revision()).isEmpty()) {
            return new Resolution.NotFound(ref, "No snapshot matching '" + ref.revision() + "' in " + repo.repoId());
        }
        return selectVariant(ref, entriesOf(repo, ref.revision()));
    }

    /** Narrows a repository's models to {@code :VARIANT} (case-insensitive, by variant name or file stem). */
    private static Resolution selectVariant(ModelRef ref, List<ModelEntry> entries) {
        if (ref.variant() == null) {
            return new Resolution.Found(ref, entries);
        }
        String wanted = ref.variant().toLowerCase(Locale.ROOT);
        for (ModelEntry e : entries) {
            if (e.variant() == null) {
                continue;
            }
            if (e.variant().name().toLowerCase(Locale.ROOT).equals(wanted)
                    || e.variant().files().stream().anyMatch(f -> stem(f).toLowerCase(Locale.ROOT).equals(wanted))) {
                return new Resolution.Found(ref, List.of(e));
            }
        }
        List<String> available = entries.stream().filter(e -> e.variant() != null).map(e -> e.variant().name()).toList();
        return new Resolution.NotFound(ref, "No variant '" + ref.variant() + "' in " + ref.name()
                + (available.isEmpty() ? " (it holds a single model)" : "; available: " + String.join(", ", available)));
    }

    private static String stem(Path f) {
        String n = f.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
