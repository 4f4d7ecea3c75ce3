package heap.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads async-profiler's collapsed stacks (what {@code ./bench --profile} writes) and prints where the time of the
 * measured benchmark goes: by layer (the innermost platform class on the stack: registry, VMO model, heap…, with
 * the JDK and native code it calls counted to it), then the hottest methods, self and inclusive.
 */
public final class ProfileSummary {
    private ProfileSummary() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, Long> layers = new LinkedHashMap<>();
        Map<String, Long> self = new LinkedHashMap<>();
        Map<String, Long> inclusive = new LinkedHashMap<>();
        long total = 0;
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            int space = line.lastIndexOf(' ');
            long count = Long.parseLong(line.substring(space + 1));
            List<String> frames = List.of(line.substring(0, space).split(";"));
            if (frames.stream().noneMatch(frame -> frame.contains("_jmhTest"))) {
                continue; // JMH's own threads, the compiler, the GC
            }
            total += count;
            self.merge(shortName(frames.getLast()), count, Long::sum);
            Set<String> seen = new HashSet<>();
            String layer = "benchmark itself";
            for (String frame : frames) {
                if (seen.add(shortName(frame))) {
                    inclusive.merge(shortName(frame), count, Long::sum);
                }
                String candidate = layer(frame);
                if (candidate != null) {
                    layer = candidate;
                }
            }
            layers.merge(layer, count, Long::sum);
        }
        System.out.printf(Locale.ROOT, "%d samples of the measured thread(s)%n%n", total);
        print("layer (innermost platform code on the stack, with what it calls)", layers, total, 20);
        print("self (the method on top of the stack)", self, total, 25);
        print("inclusive (on the stack), platform methods", filter(inclusive), total, 30);
    }

    private static String layer(String frame) {
        String name = frame.replace('/', '.');
        if (name.startsWith("heap.registry.")) {
            return "registry (heap.registry)";
        }
        if (name.startsWith("heap.api.")) {
            return "VMO model, owners, leak detection (heap.api)";
        }
        if (name.startsWith("heap.memory.") || name.startsWith("heap.systemram.") || name.startsWith("heap.contiguous.")
                || name.startsWith("heap.secure.")) {
            return "heap (heap.memory and the heap bundle)";
        }
        return null;
    }

    private static Map<String, Long> filter(Map<String, Long> inclusive) {
        Map<String, Long> platform = new LinkedHashMap<>();
        inclusive.forEach((frame, count) -> {
            if (frame.startsWith("heap.") && !frame.startsWith("heap.benchmarks.")) {
                platform.put(frame, count);
            }
        });
        return platform;
    }

    private static String shortName(String frame) {
        return frame.replace('/', '.').replaceAll("_\\[[a-z]\\]$", "");
    }

    private static void print(String title, Map<String, Long> counts, long total, int limit) {
        System.out.println(title);
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())).limit(limit)
                .forEach(entry -> System.out.printf(Locale.ROOT, "  %5.1f%%  %s%n", 100.0 * entry.getValue() / total,
                        entry.getKey()));
        System.out.println();
    }
}
