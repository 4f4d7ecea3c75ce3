package heap.webconsole;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.HeapId;
import heap.api.allocator.HeapState;
import heap.api.allocator.HeapStatus;
import heap.api.allocator.OwnerHeapUsage;
import heap.api.allocator.OwnerStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
    private static HeapStatus heap(String type, long live, Map<String, Long> metrics) {
        return new HeapStatus(new HeapId(type, 0), "bundle 1.0", 42, 0, HeapState.ACTIVE, Optional.empty(), "", live, 0, 0,
                0, 0, metrics);
    }

    @Test
    void countersAreTypedAsCountersWithTotalAndEveryFamilyIsDeclaredOnceBeforeItsSamples() {
        Map<String, Long> metrics = new LinkedHashMap<>();
        metrics.put("allocations", 7L);
        metrics.put("used_size", 8192L);
        String text = PrometheusText.write(List.of(heap("a.HEAP", 2, metrics), heap("b.HEAP", 0, metrics)), List.of(),
                List.of());
        assertTrue(text.contains("# TYPE heap_allocations_total counter\n"), text);
        assertTrue(text.contains("# TYPE heap_used_size gauge\n"), text);
        assertTrue(text.contains("heap_allocations_total{heap=\"a.HEAP\",id=\"0\",service_id=\"42\"} 7\n"), text);
        assertTrue(text.contains("heap_registry_live_buffers{heap=\"a.HEAP\",id=\"0\",service_id=\"42\"} 2\n"), text);
        assertEquals(1, text.split("# TYPE heap_used_size ", -1).length - 1, "one declaration for two heaps");
        int declared = text.indexOf("# TYPE heap_used_size");
        assertTrue(declared < text.indexOf("heap_used_size{heap=\"a.HEAP\"")
                && text.indexOf("heap_used_size{heap=\"b.HEAP\"") < text.indexOf("# TYPE", declared + 1),
                "a family's samples follow its declaration together");
        assertTrue(text.contains("heap_collections 0\n"));
    }

    @Test
    void labelValuesEscapeQuotesBackslashesAndLineFeeds() {
        assertEquals("a\\\"b\\\\c\\nd", PrometheusText.escape("a\"b\\c\nd"));
        String text = PrometheusText.write(List.of(), List.of(new OwnerStatus(9, "odd \"name\"", true, 4096, 1,
                List.of(new OwnerHeapUsage(HeapId.SYSTEM_RAM, 1, 4096, 4096, 0, 0, 0)))), List.of());
        assertTrue(text.contains("heap_owner_held_back_bytes{bundle=\"odd \\\"name\\\"\",bundle_id=\"9\"} 4096\n"), text);
    }
}
