package heap.itest;

import heap.api.Heap;
import heap.tck.HeapConformance;
import heap.tck.HeapUnderTest;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.TestFactory;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.service.ServiceAware;

/** The conformance kit against every Heap service in the framework. */
class ConformanceInFrameworkTest extends FrameworkTestSupport {

    /** Every heap service, tracked for the length of the dynamic tests and ungot after them. */
    @InjectService(cardinality = 3, timeout = 15_000)
    ServiceAware<Heap> heaps;

    @TestFactory
    Stream<DynamicContainer> everyHeapServiceHonoursTheContract() {
        return heaps.getServiceReferences().stream().map(reference -> {
            Map<String, Object> properties = new HashMap<>();
            for (String key : reference.getPropertyKeys()) {
                properties.put(key, reference.getProperty(key));
            }
            return HeapConformance.container(HeapUnderTest.of(properties, heaps.getService(reference)));
        });
    }
}
