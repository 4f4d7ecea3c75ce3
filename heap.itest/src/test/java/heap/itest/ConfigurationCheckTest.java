package heap.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.HeapId;
import heap.api.HeapMetrics;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;

/**
 * The configuration check (heap.config) is its own bundle, wired to nothing a heap or registry update refreshes: a
 * refresh restarts bundles in no fixed order, and a heap that started before a check living in another refreshed
 * bundle read its configuration unchecked (a hexadecimal protected.range.base failed the secure heap's activation
 * for good after `update` + `refresh` of heap.api).
 */
class ConfigurationCheckTest extends FrameworkTestSupport {

    @Test
    void theCheckHandsAHeapItsHexadecimalBaseWhileTheRegistryIsStopped() throws Exception {
        Bundle registry = bundle("heap.registry");
        registry.stop();
        try {
            Dictionary<String, Object> properties = new Hashtable<>();
            properties.put("protected.range.base", "0x48000000");
            properties.put("capacity.bytes", "banana"); // refused: the default capacity
            configurationAdmin().getConfiguration("heap.secure", "?").update(properties);
            HeapMetrics secure = awaitValue("the secure heap over 0x48000000", () -> metricsServices.getServiceReferences()
                    .stream().filter(reference -> HeapId.SECURE.heapType().equals(reference.getProperty("heap.type")))
                    .map(metricsServices::getService).filter(metrics -> metrics != null
                            && Long.valueOf(0x4800_0000L).equals(metrics.metrics().get("protected_range_base")))
                    .findFirst().orElse(null));
            assertEquals(256L << 20, secure.metrics().get(HeapMetrics.CAPACITY), "banana refused: the default capacity");
        } finally {
            configurationAdmin().getConfiguration("heap.secure", "?").delete();
            registry.start();
        }
        awaitTrue("the default secure heap back in the registry", () -> allocator().heaps().stream().anyMatch(status ->
                status.id().equals(HeapId.SECURE) && status.state() == heap.api.allocator.HeapState.ACTIVE
                        && !Long.valueOf(0x4800_0000L).equals(status.metrics().get("protected_range_base"))));
    }

    @Test
    void theCheckIsWiredToNoBundleOfThePlatformSoUpdatingOneLeavesItInPlace() {
        List<BundleWire> wires = bundle("heap.config").adapt(BundleWiring.class).getRequiredWires(null);
        List<String> platformBundles = wires.stream().map(wire -> wire.getProvider().getSymbolicName())
                .filter(name -> name.startsWith("heap.")).distinct().toList();
        assertTrue(platformBundles.isEmpty(), "heap.config is wired to " + platformBundles);
    }
}
