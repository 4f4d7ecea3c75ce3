package heap.example;

import heap.api.HeapId;
import heap.tck.HeapConformance;
import heap.tck.HeapUnderTest;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

class ExampleHeapConformanceTest {

    @TestFactory
    Stream<DynamicTest> exampleHeapHonoursTheContract() {
        return HeapConformance.tests(HeapUnderTest.of(new HeapId(ExampleHeap.HEAP_TYPE, 0), new ExampleHeap(16L << 20)));
    }
}
