package io.jknife.cli.commands;

import io.jknife.cli.Context;
import io.jknife.store.ModelCatalog;
import io.jknife.store.ModelEntry;
import io.jknife.store.ModelInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/** Describes many entries at once: probing is file I/O, so a few threads overlap it. */
final class Listing {
    /** An entry and the name to show for it (null: the entry's own name). */
    record Item(ModelEntry entry, String displayName) {
    }

    private Listing() {
    }

    static List<ModelInfo> describeAll(Context ctx, List<Item> items) {
        ModelCatalog catalog = ctx.catalog();
        return parallelMap(items, i -> describe(catalog, i));
    }

    /** {@code items.map(fn)} in order, on a few threads when there is enough work to overlap. */
    static <T, R> List<R> parallelMap(List<T> items, Function<T, R> fn) {
        if (items.size() < 4) {
            return items.stream().map(fn).toList();
        }
        int threads = Math.min(8, Math.max(2, Runtime.getRuntime().availableProcessors() * 2));
        try (ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "jknife-probe");
            t.setDaemon(true);
            return t;
        })) {
            List<Future<R>> futures = new ArrayList<>();
            for (T i : items) {
                futures.add(pool.submit(() -> fn.apply(i)));
            }
            List<R> result = new ArrayList<>();
            for (Future<R> f : futures) {
                result.add(f.get());
            }
            return result;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while probing models", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("probing failed: " + e.getCause(), e.getCause());
        }
    }

    private static ModelInfo describe(ModelCatalog catalog, Item i) {
        ModelInfo info = catalog.describe(i.entry());
        return i.displayName() == null ? info : info.withDisplayName(i.displayName());
    }

    /** Code-point order (not UTF-16 order), so names sort as the original sorts them. */
    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
