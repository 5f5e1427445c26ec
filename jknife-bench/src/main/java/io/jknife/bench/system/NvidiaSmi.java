package io.jknife.bench.system;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** nvidia-smi, when it is on the PATH: one-off queries (hardware profile) and the streaming sampler. */
public final class NvidiaSmi {
    private NvidiaSmi() {
    }

    /** The executable, or null when there is none. */
    public static Path find() {
        String override = System.getenv("JKNIFE_NVIDIA_SMI");
        if (override != null) {
            return override.isBlank() ? null : Path.of(override);
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "nvidia-smi");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Static facts of each GPU: name, memory.total (MiB), driver version, compute capability. */
    public record GpuInfo(String name, Double memoryTotalMb, String driverVersion, String computeCapability) {
    }

    /** One query of every GPU's static facts; empty when there is no nvidia-smi or it fails. */
    public static List<GpuInfo> info() {
        Path exe = find();
        if (exe == null) {
            return List.of();
        }
        List<String> lines = run(exe, "--query-gpu=name,memory.total,driver_version,compute_cap", "--format=csv,noheader,nounits");
        if (lines == null) {
            lines = run(exe, "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader,nounits");
        }
        List<GpuInfo> out = new ArrayList<>();
        for (String line : lines == null ? List.<String>of() : lines) {
            String[] f = line.split(",");
            if (f.length >= 3) {
                out.add(new GpuInfo(f[0].trim(), GpuReading.num(f[1]), f[2].trim(), f.length > 3 ? f[3].trim() : null));
            }
        }
        return out;
    }

    /** The output lines of a short nvidia-smi run (at most 10 s), or null when it fails. */
    static List<String> run(Path exe, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(exe.toString());
        cmd.addAll(List.of(args));
        Path out = null;
        try {
            out = Files.createTempFile("jknife-nvidia-smi-", ".txt");
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).redirectOutput(out.toFile()).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            if (p.exitValue() != 0) {
                return null;
            }
            return Files.readAllLines(out, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException e) {
                    // temp file
                }
            }
        }
    }
}
