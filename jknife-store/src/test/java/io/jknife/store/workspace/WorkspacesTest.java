package io.jknife.store.workspace;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkspacesTest {

    @TempDir
    Path dir;

    @Test
    void configJsonMakesAWorkspace() {
        assertFalse(Workspaces.isWorkspace(dir), "empty directory");
        Ws.write(dir, "config.json", "{}");
        assertTrue(Workspaces.isWorkspace(dir));
        assertFalse(Workspaces.isWorkspace(dir.resolve("config.json")), "a file is not a workspace");
        assertFalse(Workspaces.isWorkspace(dir.resolve("missing")));
        assertFalse(Workspaces.isWorkspace(null));
    }

    @Test
    void configJsonMustBeDirectlyInside() {
        Ws.write(dir, "nested/config.json", "{}");
        assertFalse(Workspaces.isWorkspace(dir));
        assertTrue(Workspaces.isWorkspace(dir.resolve("nested")));
    }

    @Test
    void sentinelAloneMakesAWorkspace() throws IOException {
        Files.writeString(dir.resolve(".jknife_workspace.json"), "{}");
        assertTrue(Workspaces.isWorkspace(dir));
        Files.delete(dir.resolve(".jknife_workspace.json"));
        Files.writeString(dir.resolve(".mlxk_workspace.json"), "{}");
        assertTrue(Workspaces.isWorkspace(dir));
    }

    @Test
    void topLevelGgufOrGgmlModelMakesAWorkspace() throws IOException {
        Ws.write(dir, "mmproj-model-f16.gguf", "GGUF");
        Ws.write(dir, "README.md", "x");
        assertFalse(Workspaces.isWorkspace(dir), "a vision projector alone is not a model");
        Ws.write(dir, "Model-Q4_K_M.GGUF", "GGUF");
        assertTrue(Workspaces.isWorkspace(dir));

        Path w = Files.createDirectories(dir.resolve("whisper"));
        Ws.write(w, "ggml-large-v3-turbo-q5_0.bin", "lmgg");
        assertTrue(Workspaces.isWorkspace(w));

        Path pt = Files.createDirectories(dir.resolve("pt"));
        Ws.write(pt, "pytorch_model.bin", "x");
        assertFalse(Workspaces.isWorkspace(pt), "a plain .bin is not enough");

        Path nested = Files.createDirectories(dir.resolve("nested"));
        Ws.write(nested, "sub/model.gguf", "GGUF");
        assertFalse(Workspaces.isWorkspace(nested), "top level only");
    }

    @Test
    void explicitPaths() {
        for (String yes : List.of("./ws", "../ws", "/abs/ws", ".", "..", "./", "/")) {
            assertTrue(Workspaces.isExplicitPath(yes), yes);
        }
        for (String no : List.of("ws", "org/name", "~/ws", "~", "", ".ws", "..ws", "a/./b")) {
            assertFalse(Workspaces.isExplicitPath(no), no);
        }
        assertFalse(Workspaces.isExplicitPath(null));
    }

    @Test
    void pathLikeArgumentsOfCloneAndConvert() {
        for (String yes : List.of("./ws", "../ws", "/abs", ".", "a/b", "org/name")) {
            assertTrue(Workspaces.isPathLike(yes), yes);
        }
        for (String no : List.of("ws", "~", "", "name@rev")) {
            assertFalse(Workspaces.isPathLike(no), no);
        }
        assertFalse(Workspaces.isPathLike(null));
    }
}
