package heap.itest;

import heap.api.Heap;
import heap.tck.HeapConformance;
import heap.tck.HeapUnderTest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.TestFactory;
import org.osgi.framework.ServiceReference;

/** The conformance kit against every Heap service in the framework. */
class ConformanceInFrameworkTest extends FrameworkTestSupport {

    @TestFactory
    Stream<DynamicContainer> everyHeapServiceHonoursTheContract() throws Exception {
        ServiceReference<?>[] references = awaitValue("three heap services", () -> {
            try {
                ServiceReference<?>[] found = context.getServiceReferences(Heap.class.getName(), null);
                return found != null && found.length >= 3 ? found : null;
            } catch (org.osgi.framework.InvalidSyntaxException e) {
                throw new AssertionError(e);
            }
        });
        return Arrays.stream(references).map(reference -> {
            Map<String, Object> properties = new HashMap<>();
            for (String key : reference.getPropertyKeys()) {
                properties.put(key, reference.getProperty(key));
            }
            Heap heap = (Heap) context.getService(reference);
            return HeapConformance.container(HeapUnderTest.of(properties, heap));
        });
    }
}
