package heap.itest;

import heap.api.Heap;
import heap.tck.HeapConformance;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.TestFactory;
import org.osgi.framework.ServiceReference;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.service.ServiceAware;

/** The conformance kit against every Heap service in the framework, each heap's bundle update included. */
class ConformanceInFrameworkTest extends FrameworkTestSupport {

    /** Waits for the three platform heaps. */
    @InjectService(cardinality = 3, timeout = 15_000)
    ServiceAware<Heap> heaps;

    @TestFactory
    Stream<DynamicContainer> everyHeapServiceHonoursTheContract() {
        // Taken before the first container runs: each one's first check replaces its heap's service.
        List<ServiceReference<Heap>> references = List.copyOf(heaps.getServiceReferences());
        return references.stream().map(reference -> HeapConformance.container(context, reference));
    }
}
