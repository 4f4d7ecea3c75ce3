package heap.shell;

import java.util.List;
import java.util.Map;

/** The commands' results as lines for a person. */
final class Text {
    private Text() {
    }

    static String heaps(List<Map<String, Object>> rows) {
        StringBuilder out = new StringBuilder(String.format("%-46s %3s %-11s %-34s %-22s %-5s %-5s %5s  %-22s %s%n",
                "HEAP", "ID", "STATE", "BUNDLE", "DOMAINS", "CLEAR", "FLUSH", "LIVE", "USED / CAPACITY", "REASON"));
        for (Map<String, Object> row : rows) {
            // One line per heap, the reason (quarantined, failed) last: columns stay parseable.
            out.append(String.format("%-46s %3s %-11s %-34s %-22s %-5s %-5s %5s  %-22s %s", row.get("heap_type"),
                    row.get("id"), row.get("state"), row.get("bundle"), String.join(",", strings(row.get("domains"))),
                    yesNo(row.get("need_clear")), yesNo(row.get("need_flush")), row.get("live_buffers"),
                    bytes(row.get("used_bytes")) + " / " + (row.get("capacity_bytes") == null ? "unbounded"
                            : bytes(row.get("capacity_bytes"))), row.getOrDefault("reason", "")).stripTrailing())
                    .append(System.lineSeparator());
        }
        return out.toString().stripTrailing();
    }

    static String collection(Map<String, Object> collection) {
        Object servedBy = collection.get("served_by");
        StringBuilder out = new StringBuilder(String.format("collection %s: %d x %s on %s%s, %s%s%s%n",
                collection.get("collection"), ((List<?>) collection.get("buffers")).size(),
                bytes(collection.get("vmo_size_bytes")), collection.get("heap"),
                servedBy == null || servedBy.equals(collection.get("heap")) ? "" : " (served by " + servedBy + ")",
                collection.get("coherency_domain"),
                Boolean.TRUE.equals(collection.get("contiguous")) ? ", contiguous" : "",
                Boolean.TRUE.equals(collection.get("secure")) ? ", secure" : ""));
        for (Object buffer : (List<?>) collection.get("buffers")) {
            out.append(buffer(map(buffer))).append(System.lineSeparator());
        }
        return out.toString().stripTrailing();
    }

    static String buffer(Map<String, Object> buffer) {
        return String.format("  [%s] koid %s  %s bytes%s%s", buffer.get("index"), buffer.get("koid"),
                buffer.get("size_bytes"), buffer.containsKey("physical_address") ? "  phys " + hex(buffer.get("physical_address")) : "",
                buffer.containsKey("collection") ? "  collection " + buffer.get("collection") : "");
    }

    static String collections(List<Map<String, Object>> all) {
        if (all.isEmpty()) {
            return "no collections";
        }
        List<Map<String, Object>> rows = all.stream().filter(row -> "collection".equals(row.get("kind"))).toList();
        List<Map<String, Object>> negotiations = all.stream().filter(row -> "negotiation".equals(row.get("kind")))
                .toList();
        StringBuilder out = new StringBuilder(String.format("%6s %-50s %7s %12s %14s %-13s %s%n", "ID", "SERVED BY",
                "BUFFERS", "NOT FREED", "VMO SIZE", "HELD BY SHELL", "OWNER"));
        for (Map<String, Object> row : rows) {
            out.append(String.format("%6s %-50s %7s %12s %14s %-13s %s%s%n", row.get("id"), row.get("served_by"),
                    row.get("buffers"), row.get("buffers_not_reclaimed"), row.get("size_bytes"),
                    yesNo(row.get("held_by_shell")), row.get("owner"),
                    Boolean.TRUE.equals(row.get("owner_stopped")) ? " (stopped; memory held back)" : "")
                    + (row.get("buffers_lost") instanceof Integer lost && lost > 0 ? " (" + lost + " lost: the heap "
                            + "never answered deleteVmo)" : ""));
        }
        for (Map<String, Object> negotiation : negotiations) {
            out.append(String.format("shared collection %s%s: %s%s%s%n", negotiation.get("id"),
                    "".equals(negotiation.get("name")) ? "" : " '" + negotiation.get("name") + "'", negotiation.get("state"),
                    "pending".equals(negotiation.get("state")) && negotiation.get("waited_ms") instanceof Number waited
                            ? " for " + waited.longValue() / 1000 + " s" : "",
                    "".equals(negotiation.get("aggregated")) ? "" : ", " + negotiation.get("aggregated")));
            for (Object each : (List<?>) negotiation.get("participants")) {
                Map<String, Object> participant = map(each);
                out.append(String.format("  %-40s %-40s %s%s%n", participant.get("name"), participant.get("bundle"),
                        participant.get("state"), Boolean.TRUE.equals(participant.get("blocking")) ? " (waited for)" : ""));
            }
        }
        return out.toString().stripTrailing();
    }

    static String owners(List<Map<String, Object>> rows) {
        if (rows.isEmpty()) {
            return "no bundle has allocated";
        }
        StringBuilder out = new StringBuilder(String.format("%-40s %-8s %-50s %6s %12s %12s %6s %18s %14s%n", "BUNDLE",
                "STATE", "HEAP", "LIVE", "BYTES", "PEAK", "FAILED", "RECLAIMED AT STOP", "HELD BACK"));
        for (Map<String, Object> row : rows) {
            for (Object each : (List<?>) row.get("heaps")) {
                Map<String, Object> heap = map(each);
                out.append(String.format("%-40s %-8s %-50s %6s %12s %12s %6s %18s %14s%n", row.get("bundle"),
                        Boolean.TRUE.equals(row.get("stopped")) ? "stopped" : "active", heap.get("heap"),
                        heap.get("live_buffers"), heap.get("bytes"), heap.get("peak_bytes"),
                        heap.get("allocations_failed"), heap.get("reclaimed_buffers") + " / " + bytes(heap.get("reclaimed_bytes")),
                        bytes(row.get("held_back_bytes"))));
            }
        }
        return out.toString().stripTrailing();
    }

    static String quotas(List<Map<String, Object>> rows) {
        if (rows.isEmpty()) {
            return "no quota configured (deploy/heap.quota-NAME.cfg sets one)";
        }
        StringBuilder out = new StringBuilder(String.format("%-28s %-28s %-44s %12s %11s  %s%n", "PID", "BUNDLES",
                "HEAP TYPE", "MAX BYTES", "MAX BUFFERS", "BUNDLES LIMITED"));
        for (Map<String, Object> row : rows) {
            List<?> limited = (List<?>) row.get("limited_bundles");
            boolean none = row.get("bundles") == null; // refused, and nothing in force from before
            out.append(String.format("%-28s %-28s %-44s %12s %11s  %s%n", row.get("pid"), none ? "-" : row.get("bundles"),
                    none ? "-" : row.get("heap_type") == null ? "(every heap)" : row.get("heap_type"),
                    limit(row.get("max_bytes")), limit(row.get("max_buffers")), none ? "-" : limited.isEmpty()
                            ? "(no bundle yet)" : String.join(", ", limited.stream().map(String::valueOf).toList())));
            if (Boolean.TRUE.equals(row.get("limits_nothing"))) {
                out.append("  no heap listed now is of type ").append(row.get("heap_type"))
                        .append(" (heap:list shows them): it limits nothing until one is\n");
            }
            if (row.get("refusal") != null) {
                out.append("  its last update was refused: ").append(row.get("refusal")).append(none
                        ? "; no quota is in force for it" : "; the limits above stay in force").append('\n');
            }
        }
        return out.toString().stripTrailing();
    }

    private static String limit(Object value) {
        return ((Number) value).longValue() < 0 ? "-" : String.valueOf(value);
    }

    static String stats(List<Map<String, Object>> rows) {
        StringBuilder out = new StringBuilder();
        for (Map<String, Object> row : rows) {
            out.append(row.get("heap")).append(" (").append(row.get("state")).append(')').append(System.lineSeparator());
            map(row.get("metrics")).forEach((key, value) -> out.append(String.format("  %-34s %s%n", key,
                    key.endsWith("_address") || key.endsWith("_base") ? hex(value) : value)));
            map(row.get("registry")).forEach((key, value) -> out.append(String.format("  registry.%-25s %s%n", key, value)));
        }
        return out.toString().stripTrailing();
    }

    static String check(List<Map<String, Object>> rows) {
        if (rows.isEmpty()) {
            return "no heap offers integrity checks";
        }
        StringBuilder out = new StringBuilder();
        for (Map<String, Object> row : rows) {
            List<String> problems = strings(row.get("problems"));
            out.append(row.get("heap")).append(": ").append(problems.isEmpty() ? "ok" : problems.size() + " problem(s)")
                    .append(System.lineSeparator());
            problems.forEach(problem -> out.append("  ").append(problem).append(System.lineSeparator()));
        }
        return out.toString().stripTrailing();
    }

    /** Addresses in hex in every text output (JSON keeps them as numbers). */
    static String hex(Object value) {
        return value instanceof Number number ? "0x" + Long.toHexString(number.longValue()) : String.valueOf(value);
    }

    static String bytes(Object value) {
        if (!(value instanceof Number number)) {
            return "-";
        }
        long bytes = number.longValue();
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double scaled = bytes;
        int unit = 0;
        while (scaled >= 1024 && unit < units.length - 1) {
            scaled /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format("%.1f %s", scaled, units[unit]);
    }

    private static String yesNo(Object value) {
        return value == null ? "-" : Boolean.TRUE.equals(value) ? "yes" : "no";
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object value) {
        return (List<String>) value;
    }
}
