package heap.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.BufferMemoryConstraints;
import heap.api.CoherencyDomain;
import heap.api.CoherencyDomainSupport;
import heap.api.HeapId;
import heap.api.HeapProperties;
import heap.api.SysmemError;
import heap.api.allocator.BufferCollection;
import heap.api.allocator.Participant;
import heap.api.allocator.AllocationRequest;
import heap.registry.FakeHeap.Fault;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** SEMANTICS.md's routing matrix, end to end through the registry, against fake heaps of every kind. */
class RoutingTest extends RegistryTestSupport {
    private FakeHeap systemRam;
    private FakeHeap contiguous;
    private FakeHeap secureA;
    private FakeHeap other;

    @BeforeEach
    void heaps() {
        systemRam = add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NONE);
        contiguous = add(HeapId.CONTIGUOUS_SYSTEM_RAM, new HeapProperties(CoherencyDomainSupport.ALL, true, true), Fault.NONE);
        add(SECURE_B, SECURE, Fault.NONE);
        secureA = add(SECURE_A, SECURE, Fault.NONE);
        other = add(OTHER, new HeapProperties(new CoherencyDomainSupport(false, true, false), false, false), Fault.NONE);
    }

    private BufferCollection allocate(BufferMemoryConstraints constraints, boolean cpuUsage) {
        return registry.allocate(request(1, constraints, cpuUsage));
    }

    @Test
    void byDefaultBuffersComeFromSystemRamInTheCpuDomain() {
        try (BufferCollection collection = allocate(size(100).build(), true)) {
            assertEquals(HeapId.SYSTEM_RAM, collection.settings().bufferSettings().heap());
            assertEquals(CoherencyDomain.CPU, collection.settings().bufferSettings().coherencyDomain());
            assertEquals(100, collection.settings().bufferSettings().sizeBytes());
            assertEquals(PAGE, collection.settings().bufferSettings().rawVmoSize());
            assertEquals(1, systemRam.allocations.get());
        }
    }

    @Test
    void physicallyContiguousRequestsGoToTheContiguousPool() {
        try (BufferCollection collection = allocate(size(PAGE).physicallyContiguousRequired(true)
                .minPhysicalBaseAlignment(64 * 1024).build(), true)) {
            assertEquals(HeapId.CONTIGUOUS_SYSTEM_RAM, collection.settings().bufferSettings().heap());
            assertTrue(collection.settings().bufferSettings().physicallyContiguous());
            assertEquals(64 * 1024, collection.settings().bufferSettings().minPhysicalBaseAlignment());
            assertEquals(1, contiguous.allocations.get());
        }
    }

    @Test
    void secureRequestsGoToTheSecureHeapWithTheLowestHeapType() {
        try (BufferCollection collection = allocate(size(PAGE).secureRequired(true).build(), false)) {
            assertEquals(SECURE_A, collection.settings().bufferSettings().heap());
            assertEquals(CoherencyDomain.INACCESSIBLE, collection.settings().bufferSettings().coherencyDomain());
            assertTrue(collection.settings().bufferSettings().secure());
            assertEquals(1, secureA.allocations.get());
        }
    }

    @Test
    void secureWithCpuUsageOrCpuDomainIsAProtocolDeviation() {
        assertError(SysmemError.PROTOCOL_DEVIATION, () -> allocate(size(PAGE).secureRequired(true).build(), true));
        assertError(SysmemError.PROTOCOL_DEVIATION,
                () -> allocate(size(PAGE).secureRequired(true).cpuDomainSupported(true).build(), false));
        assertError(SysmemError.PROTOCOL_DEVIATION,
                () -> allocate(size(PAGE).secureRequired(true).ramDomainSupported(true).build(), false));
    }

    @Test
    void permittedHeapsAreHonouredInTheirOrder() {
        try (BufferCollection collection = allocate(size(PAGE).permittedHeaps(OTHER, HeapId.SYSTEM_RAM).build(), false)) {
            assertEquals(HeapId.SYSTEM_RAM, collection.settings().bufferSettings().heap(), "SYSTEM_RAM wins when permitted");
        }
        try (BufferCollection collection = allocate(size(PAGE).permittedHeaps(OTHER, SECURE_A).build(), false)) {
            assertEquals(OTHER, collection.settings().bufferSettings().heap());
            assertEquals(CoherencyDomain.RAM, collection.settings().bufferSettings().coherencyDomain());
            assertEquals(1, other.allocations.get());
        }
    }

    @Test
    void noHeapThatFitsIsNotFoundNeverAHang() {
        assertError(SysmemError.NOT_FOUND, () -> allocate(size(PAGE).permittedHeaps(new HeapId("absent", 0)).build(), false));
        assertError(SysmemError.NOT_FOUND, () -> allocate(size(PAGE).secureRequired(true)
                .permittedHeaps(HeapId.SYSTEM_RAM).build(), false));
        assertError(SysmemError.NOT_FOUND, () -> allocate(size(PAGE).physicallyContiguousRequired(true)
                .permittedHeaps(OTHER).build(), false));
    }

    @Test
    void participantsAreAggregatedLargestMinSmallestMaxAndAllFlags() {
        AllocationRequest twoParticipants = new AllocationRequest(2, List.of(
                new Participant(size(8 * PAGE).maxSizeBytes(64 * PAGE).build(), true),
                new Participant(size(16 * PAGE + 1).physicallyContiguousRequired(true).build(), false)));
        try (BufferCollection collection = registry.allocate(twoParticipants)) {
            assertEquals(16 * PAGE + 1, collection.settings().bufferSettings().sizeBytes());
            assertEquals(17 * PAGE, collection.settings().bufferSettings().rawVmoSize());
            assertEquals(HeapId.CONTIGUOUS_SYSTEM_RAM, collection.settings().bufferSettings().heap());
            assertEquals(2, collection.buffers().size());
        }
    }

    @Test
    void emptyIntersectionsAreReported() {
        assertError(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, () -> registry.allocate(new AllocationRequest(1, List.of(
                new Participant(size(PAGE).permittedHeaps(OTHER).build(), false),
                new Participant(size(PAGE).permittedHeaps(HeapId.SYSTEM_RAM).build(), false)))));
        assertError(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, () -> registry.allocate(new AllocationRequest(1, List.of(
                new Participant(size(8 * PAGE).build(), false),
                new Participant(size(PAGE).maxSizeBytes(4 * PAGE).build(), false)))));
        assertError(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, () -> allocate(size(PAGE).cpuDomainSupported(false)
                .ramDomainSupported(false).inaccessibleDomainSupported(false).build(), false));
        assertError(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, () -> registry.allocate(new AllocationRequest(1, List.of(
                new Participant(size(PAGE).secureRequired(true).build(), false),
                new Participant(size(PAGE).build(), true)))));
    }

    @Test
    void domainDefaultsFollowCpuUsage() {
        try (BufferCollection ram = allocate(size(PAGE).cpuDomainSupported(false).build(), false)) {
            assertEquals(CoherencyDomain.RAM, ram.settings().bufferSettings().coherencyDomain());
        }
        try (BufferCollection inaccessible = allocate(size(PAGE).cpuDomainSupported(false).ramDomainSupported(false).build(), false)) {
            assertEquals(CoherencyDomain.INACCESSIBLE, inaccessible.settings().bufferSettings().coherencyDomain());
        }
        assertError(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY,
                () -> allocate(size(PAGE).cpuDomainSupported(false).build(), true));
    }

    @Test
    void alignmentWithoutContiguousIsAProtocolDeviation() {
        assertError(SysmemError.PROTOCOL_DEVIATION, () -> allocate(size(PAGE).minPhysicalBaseAlignment(8192).build(), false));
    }
}
