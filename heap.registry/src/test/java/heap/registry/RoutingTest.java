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

/** Sysmem's routing matrix (docs/contract.md, "Routing and errors"), end to end through the registry, against fake heaps of every kind. */
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

    /** sysmem GetHeap: the pool is the allocator for SYSTEM_RAM when contiguity is required; settings say SYSTEM_RAM#0. */
    @Test
    void physicallyContiguousRequestsGoToTheContiguousPoolAndTheirSettingsNameSystemRam() {
        try (BufferCollection collection = allocate(size(PAGE).physicallyContiguousRequired(true)
                .minPhysicalBaseAlignment(64 * 1024).build(), true)) {
            assertEquals(HeapId.SYSTEM_RAM, collection.settings().bufferSettings().heap());
            assertTrue(collection.settings().bufferSettings().physicallyContiguous());
            assertEquals(64 * 1024, collection.settings().bufferSettings().minPhysicalBaseAlignment());
            assertEquals(1, contiguous.allocations.get());
        }
    }

    /** Pools run as factory instances 2 and 1, none as 0: the lowest id is the one pool sysmem has. */
    @Test
    void withoutPoolZeroTheContiguousPoolWithTheLowestIdServesSystemRamContiguity() {
        registry.removeHeap(contiguous);
        FakeHeap second = add(new HeapId(HeapId.CONTIGUOUS_SYSTEM_RAM.heapType(), 2),
                new HeapProperties(CoherencyDomainSupport.ALL, true, true), Fault.NONE);
        FakeHeap first = add(new HeapId(HeapId.CONTIGUOUS_SYSTEM_RAM.heapType(), 1),
                new HeapProperties(CoherencyDomainSupport.ALL, true, true), Fault.NONE);
        try (BufferCollection collection = allocate(size(PAGE).physicallyContiguousRequired(true).build(), true)) {
            assertEquals(HeapId.SYSTEM_RAM, collection.settings().bufferSettings().heap());
            assertEquals(1, first.allocations.get());
            assertEquals(0, second.allocations.get());
        }
        try (BufferCollection plain = allocate(size(PAGE).build(), true)) {
            assertEquals(1, systemRam.allocations.get(), "without contiguity SYSTEM_RAM#0 itself, as before");
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

    /** sysmem CheckSanitizeBufferMemoryConstraints: secure with CPU usage or CPU/RAM support is refused. */
    @Test
    void secureWithCpuUsageOrCpuDomainIsConstraintsIntersectionEmpty() {
        assertError(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, () -> allocate(size(PAGE).secureRequired(true).build(), true));
        assertError(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY,
                () -> allocate(size(PAGE).secureRequired(true).cpuDomainSupported(true).build(), false));
        assertTrue(assertError(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY,
                () -> allocate(size(PAGE).secureRequired(true).ramDomainSupported(true).build(), false))
                .getMessage().contains("participant 0 asks for secure_required together with CPU/RAM domain support"));
    }

    /** sysmem GetHeap: secure_required goes only to heaps sysmem knows as secure, never to a merely inaccessible one. */
    @Test
    void secureBuffersGoOnlyToHeapsThatDeclareThemselvesSecure() {
        FakeHeap deviceLocal = new FakeHeap(new HeapId("0.device.local", 0), SECURE, Fault.NONE);
        deviceLocal.declaresSecure = false;
        add(deviceLocal, 0);
        try (BufferCollection collection = allocate(size(PAGE).secureRequired(true).build(), false)) {
            assertEquals(SECURE_A, collection.settings().bufferSettings().heap(), "not the device-local heap");
        }
        assertError(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, () -> allocate(size(PAGE).secureRequired(true)
                .permittedHeaps(deviceLocal.id).build(), false));
        assertEquals(0, deviceLocal.allocations.get());
        try (BufferCollection plain = allocate(size(PAGE).permittedHeaps(deviceLocal.id).build(), false)) {
            assertEquals(deviceLocal.id, plain.settings().bufferSettings().heap(), "non-secure requests may use it");
        }
    }

    /** sysmem CheckSanitizeBufferMemoryConstraints: a CPU user never gets memory it may not touch. */
    @Test
    void aCpuUserWhoseConstraintsRuleOutCpuAndRamIsRefused() {
        assertTrue(assertError(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, () -> allocate(size(PAGE)
                .cpuDomainSupported(false).ramDomainSupported(false).inaccessibleDomainSupported(true).build(), true))
                .getMessage().contains("participant 0 uses the CPU"));
        assertEquals(0, systemRam.allocations.get() + contiguous.allocations.get());
    }

    /** sysmem IsMinBufferSizeSpecifiedByAnyParticipant: someone must ask for a size. */
    @Test
    void atLeastOneParticipantMustSetASize() {
        assertTrue(assertError(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, () -> registry.allocate(new AllocationRequest(1,
                List.of(new Participant(BufferMemoryConstraints.none(), true),
                        new Participant(BufferMemoryConstraints.none(), false))))).getMessage().contains("min_size_bytes"));
        try (BufferCollection collection = registry.allocate(new AllocationRequest(1, List.of(
                new Participant(BufferMemoryConstraints.none(), true), new Participant(size(100).build(), false))))) {
            assertEquals(100, collection.settings().bufferSettings().sizeBytes());
        }
    }

    /** sysmem GetHeap step 3: a contiguous request with only a custom heap permitted goes there, told to be contiguous. */
    @Test
    void aContiguousRequestWithOnlyACustomHeapPermittedGoesToThatHeap() {
        try (BufferCollection collection = allocate(size(PAGE).physicallyContiguousRequired(true)
                .permittedHeaps(OTHER).build(), false)) {
            assertEquals(OTHER, collection.settings().bufferSettings().heap());
            assertTrue(collection.settings().bufferSettings().physicallyContiguous());
            assertEquals(1, other.allocations.get());
        }
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

    /** sysmem TryAllocate: no heap that fits is CONSTRAINTS_INTERSECTION_EMPTY, never a hang. */
    @Test
    void noHeapThatFitsIsConstraintsIntersectionEmptyNeverAHang() {
        assertError(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY,
                () -> allocate(size(PAGE).permittedHeaps(new HeapId("absent", 0)).build(), false));
        assertError(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, () -> allocate(size(PAGE).secureRequired(true)
                .permittedHeaps(HeapId.SYSTEM_RAM).build(), false));
        assertError(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, () -> allocate(size(PAGE).physicallyContiguousRequired(true)
                .permittedHeaps(OTHER).cpuDomainSupported(true).ramDomainSupported(false).build(), true));
    }

    /** Every client, not only the shell, hears why no heap fit: what is not there, or what the heaps there lack. */
    @Test
    void noHeapFitsSaysWhichPermittedHeapIsNotThereOrWhatTheHeapsThereLack() {
        HeapId absent = new HeapId("absent", 0);
        assertTrue(assertError(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, () -> allocate(size(PAGE)
                .permittedHeaps(absent, new HeapId("absent", 2)).build(), false)).getMessage()
                .endsWith("): no permitted heap is registered and taking new buffers (absent#0, absent#2)"));
        String lacking = assertError(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, () -> allocate(size(PAGE)
                .permittedHeaps(SECURE_A, absent).cpuDomainSupported(true).ramDomainSupported(false)
                .inaccessibleDomainSupported(false).build(), true)).getMessage();
        assertTrue(lacking.endsWith("): the permitted heaps taking new buffers support none of the domains [CPU] "
                + "(absent#0 not registered or not taking new buffers)"), lacking);
        registry.removeHeap(contiguous);
        String noPool = assertError(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, () -> allocate(size(PAGE)
                .physicallyContiguousRequired(true).build(), false)).getMessage();
        assertTrue(noPool.endsWith("): contiguous SYSTEM_RAM comes from the contiguous pool "
                + "(heap.platform.HEAP_TYPE.CONTIGUOUS_SYSTEM_RAM), and none is registered and taking new buffers"), noPool);
    }

    @Test
    void participantsAreAggregatedLargestMinSmallestMaxAndAllFlags() {
        AllocationRequest twoParticipants = new AllocationRequest(2, List.of(
                new Participant(size(8 * PAGE).maxSizeBytes(64 * PAGE).build(), true),
                new Participant(size(16 * PAGE + 1).physicallyContiguousRequired(true).build(), false)));
        try (BufferCollection collection = registry.allocate(twoParticipants)) {
            assertEquals(16 * PAGE + 1, collection.settings().bufferSettings().sizeBytes());
            assertEquals(17 * PAGE, collection.settings().bufferSettings().rawVmoSize());
            assertEquals(HeapId.SYSTEM_RAM, collection.settings().bufferSettings().heap());
            assertEquals(2, contiguous.allocations.get());
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

    /** sysmem CheckSanitizeBufferMemoryConstraints: the alignment is valid only from a participant requiring contiguity. */
    @Test
    void alignmentFromAParticipantNotRequiringContiguityIsRefused() {
        assertError(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY,
                () -> allocate(size(PAGE).minPhysicalBaseAlignment(8192).build(), false));
        assertTrue(assertError(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, () -> registry.allocate(new AllocationRequest(1,
                List.of(new Participant(size(PAGE).physicallyContiguousRequired(true).build(), false),
                        new Participant(size(PAGE).minPhysicalBaseAlignment(8192).build(), false)))))
                .getMessage().contains("participant 1 sets min_physical_base_alignment 8192 without requiring"));
        assertEquals(0, contiguous.allocations.get());
    }
}
