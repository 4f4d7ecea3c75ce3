package heap.memory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine's physical memory, for defaults expressed as a share of it. */
public final class PhysicalMemory {
    private static final long FALLBACK = 8L << 30;

    private PhysicalMemory() {
    }

    /** MemTotal from {@code /proc/meminfo}, or 8 GiB where that cannot be read. */
    public static long totalBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through to the fallback
        }
        return FALLBACK;
    }

    /** {@code share} of physical memory, rounded down to a page. */
    public static long share(double share) {
        return ((long) (totalBytes() * share)) & -4096L;
    }
}
