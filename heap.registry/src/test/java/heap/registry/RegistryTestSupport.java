package heap.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import heap.api.BufferMemoryConstraints;
import heap.api.CoherencyDomainSupport;
import heap.api.HeapId;
import heap.api.HeapProperties;
import heap.api.SysmemError;
import heap.api.SysmemException;
import heap.api.allocator.AllocationRequest;
import heap.api.allocator.HeapStatus;
import heap.registry.FakeHeap.Fault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.function.Executable;

/** A registry with fake heaps, and the leak check every test ends with. */
abstract class RegistryTestSupport {
    static final long PAGE = 4096;
    static final HeapId OTHER = new HeapId("test.heap.OTHER", 0);
    static final HeapId SECURE_A = new HeapId("a.secure", 0);
    static final HeapId SECURE_B = new HeapId("b.secure", 0);
    static final HeapProperties ALL_DOMAINS = new HeapProperties(CoherencyDomainSupport.ALL, false, false);
    static final HeapProperties SECURE = new HeapProperties(CoherencyDomainSupport.INACCESSIBLE_ONLY, false, false);

    final HeapRegistry registry = new HeapRegistry(new HeapRegistry.Limits(256L << 20, 1L << 30, 128,
            Duration.ofMillis(300), Duration.ofMillis(300), Duration.ZERO));
    private final List<FakeHeap> fakes = new ArrayList<>();
    private long nextServiceId = 1;

    FakeHeap add(HeapId id, HeapProperties properties, Fault fault) {
        return add(new FakeHeap(id, properties, fault), 0);
    }

    FakeHeap add(FakeHeap heap, int ranking) {
        fakes.add(heap);
        registry.addHeap(heap, heap.serviceProperties(nextServiceId++, ranking), "test-bundle " + heap.id);
        return heap;
    }

    HeapStatus status(FakeHeap heap) {
        return registry.heaps().stream().filter(status -> status.origin().equals("test-bundle " + heap.id)
                && status.serviceId() == serviceIdOf(heap)).findFirst().orElseThrow();
    }

    long serviceIdOf(FakeHeap heap) {
        return fakes.indexOf(heap) + 1;
    }

    static AllocationRequest request(int count, BufferMemoryConstraints constraints, boolean cpuUsage) {
        return AllocationRequest.of(count, constraints, cpuUsage);
    }

    static BufferMemoryConstraints.Builder size(long bytes) {
        return BufferMemoryConstraints.builder().minSizeBytes(bytes);
    }

    static SysmemException assertError(SysmemError expected, Executable executable) {
        SysmemException e = assertThrows(SysmemException.class, executable);
        assertEquals(expected, e.error(), e.getMessage());
        return e;
    }

    @AfterEach
    void noFakeHeapLeaksABuffer() throws InterruptedException {
        for (FakeHeap fake : fakes) {
            fake.releaseWhatAFaultKept();
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (fake.outstandingBytes.get() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(0, fake.outstandingBytes.get(), "bytes leaked in fake heap " + fake.id + " (" + fake.fault + ")");
        }
        registry.stop();
    }

    /**
     * Closes what a test opened, in the order listed, a shared collection released first as sysmem asks (one not
     * chosen, or of a failed collection, can only be closed).
     */
    static void releaseAndClose(List<AutoCloseable> open) throws Exception {
        for (AutoCloseable each : open) {
            if (each instanceof heap.api.allocator.SharedCollection shared) {
                try {
                    shared.release();
                } catch (SysmemException failedAlready) {
                    // close is all that is left
                }
            }
            each.close();
        }
    }

    /**
     * What the registry logged at INFO and above (to java.util.logging, in unit tests) during {@code action}, but for
     * leak reports of collections an earlier test dropped, which the garbage collector may find at any time.
     */
    static List<java.util.logging.LogRecord> loggedDuring(Runnable action) {
        List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                if (!String.valueOf(record.getMessage()).contains("was dropped without close")) {
                    records.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger("heap.registry");
        logger.addHandler(capture);
        try {
            action.run();
        } finally {
            logger.removeHandler(capture);
        }
        return List.copyOf(records);
    }
}
