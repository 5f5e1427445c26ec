package io.jknife.bench.junit;

import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * pytest-style test ids, {@code <source path>::<Class>[::<Nested>]::<method>[<params>]}, so that
 * splitting on the last {@code ::} and then on {@code [} yields the method name.
 */
final class TestIds {
    private static final Pattern INDEX_PREFIX = Pattern.compile("^\\[\\d+]\\s*");

    private TestIds() {
    }

    static String of(ExtensionContext ctx, Path repoRoot) {
        Class<?> cls = ctx.getRequiredTestClass();
        List<String> chain = new ArrayList<>();
        Class<?> outer = cls;
        for (Class<?> c = cls; c != null; c = c.getEnclosingClass()) {
            chain.addFirst(c.getSimpleName());
            outer = c;
        }
        StringBuilder id = new StringBuilder(sourcePath(outer, repoRoot));
        for (String c : chain) {
            id.append("::").append(c);
        }
        id.append("::").append(ctx.getRequiredTestMethod().getName());
        String params = params(ctx);
        if (params != null) {
            id.append('[').append(params).append(']');
        }
        return id.toString();
    }

    /** The invocation's parameters for parameterized/repeated tests, else null. */
    static String params(ExtensionContext ctx) {
        String uid = ctx.getUniqueId();
        int at = uid.lastIndexOf("[test-template-invocation:#");
        if (at < 0) {
            return null;
        }
        String index = uid.substring(at + "[test-template-invocation:#".length(), uid.length() - 1);
        String shown = INDEX_PREFIX.matcher(ctx.getDisplayName()).replaceFirst("").strip();
        String p = shown.isEmpty() ? index : shown;
        return p.replace('[', '(').replace(']', ')');
    }

    /** {@code module/src/test/java/pkg/Outer.java} relative to the repository root. */
    static String sourcePath(Class<?> outer, Path repoRoot) {
        Path module = Path.of("").toAbsolutePath();
        String rel = outer.getName().replace('.', '/') + ".java";
        Path file = module.resolve("src/test/java").resolve(rel);
        if (!Files.exists(file)) {
            file = module.resolve(rel);
        }
        try {
            return repoRoot.relativize(file).toString();
        } catch (IllegalArgumentException e) {
            return file.toString();
        }
    }
}
