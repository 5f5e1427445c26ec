package io.jknife.bench.system;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Static facts of this machine (read once): model, CPU, cores, RAM, GPU, OS, kernel, cgroup. Linux
 * sources of reference §11.1; never the DMI serial or UUID.
 */
public record Machine(String model, String chip, int coresPhysical, int coresLogical, int coresPerformance,
                      int coresEfficiency, long ramTotalBytes, String platformVersion, String kernelRelease,
                      String jvmVersion, String host, Integer cgroupVersion, Long cgroupMemoryMax,
                      List<NvidiaSmi.GpuInfo> gpus) {

    private static Machine cached;

    /** Detected once per JVM (the GPU query spawns nvidia-smi once). */
    public static synchronized Machine detect() {
        if (cached == null) {
            cached = read(true);
        }
        return cached;
    }

    /** Without the GPU query (for callers that sample the GPU themselves). */
    public static Machine detectWithoutGpu() {
        return cached != null ? cached : read(false);
    }

    private static Machine read(boolean gpu) {
        MemInfo mem = MemInfo.read();
        int logical = countCpuList(ProcFiles.firstLine(Path.of("/sys/devices/system/cpu/online")));
        if (logical <= 0) {
            logical = Runtime.getRuntime().availableProcessors();
        }
        int physical = physicalCores();
        if (physical <= 0) {
            physical = logical;
        }
        int efficiency = countCpuList(ProcFiles.firstLine(Path.of("/sys/devices/cpu_atom/cpus")));
        efficiency = Math.max(0, Math.min(efficiency, physical));
        Cgroup cg = Cgroup.of(null);
        Long cgMax = cg == null ? null : cg.memoryFresh().max();
        return new Machine(readModel(), readChip(), physical, logical, physical - efficiency, efficiency,
                mem == null ? 0 : mem.total(), osName(), ProcFiles.firstLine(Path.of("/proc/sys/kernel/osrelease")),
                Runtime.version().toString(), hostName(), cg == null ? null : cg.version(), cgMax,
                gpu ? NvidiaSmi.info() : List.of());
    }

    /** "Vendor Product" from DMI, the device-tree model, or "unknown". */
    static String readModel() {
        String vendor = ProcFiles.firstLine(Path.of("/sys/class/dmi/id/sys_vendor"));
        String product = ProcFiles.firstLine(Path.of("/sys/class/dmi/id/product_name"));
        if (product != null && !product.isBlank()) {
            return (vendor == null || vendor.isBlank() || product.startsWith(vendor) ? product : vendor + " " + product).trim();
        }
        String dt = ProcFiles.read(Path.of("/proc/device-tree/model"));
        if (dt != null && !dt.isBlank()) {
            return dt.replace("\0", "").trim();
        }
        return "unknown";
    }

    static String readChip() {
        String info = ProcFiles.read(Path.of("/proc/cpuinfo"));
        if (info != null) {
            for (String line : info.split("\n")) {
                if (line.startsWith("model name") || line.startsWith("Model\t") || line.startsWith("Hardware")) {
                    int colon = line.indexOf(':');
                    if (colon > 0 && !line.substring(colon + 1).isBlank()) {
                        return line.substring(colon + 1).trim();
                    }
                }
            }
        }
        return "unknown";
    }

    static int physicalCores() {
        Set<String> cores = new HashSet<>();
        try (DirectoryStream<Path> cpus = Files.newDirectoryStream(Path.of("/sys/devices/system/cpu"), "cpu[0-9]*")) {
            for (Path cpu : cpus) {
                String pkg = ProcFiles.firstLine(cpu.resolve("topology/physical_package_id"));
                String core = ProcFiles.firstLine(cpu.resolve("topology/core_id"));
                if (core != null) {
                    cores.add(pkg + "/" + core);
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return cores.size();
    }

    /** The number of CPUs in a list such as "0-3,8-11"; 0 when absent. */
    static int countCpuList(String list) {
        if (list == null || list.isBlank()) {
            return 0;
        }
        int n = 0;
        for (String part : list.trim().split(",")) {
            int dash = part.indexOf('-');
            try {
                n += dash < 0 ? 1 : Integer.parseInt(part.substring(dash + 1).trim()) - Integer.parseInt(part.substring(0, dash).trim()) + 1;
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return n;
    }

    static String osName() {
        String os = ProcFiles.read(Path.of("/etc/os-release"));
        if (os != null) {
            for (String line : os.split("\n")) {
                if (line.startsWith("PRETTY_NAME=")) {
                    return line.substring(12).replace("\"", "").trim();
                }
            }
        }
        return System.getProperty("os.name") + " " + System.getProperty("os.version");
    }

    static String hostName() {
        String h = ProcFiles.firstLine(Path.of("/proc/sys/kernel/hostname"));
        if (h != null && !h.isBlank()) {
            return h;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    public String gpuName() {
        return gpus.isEmpty() ? null : gpus.getFirst().name();
    }
}
