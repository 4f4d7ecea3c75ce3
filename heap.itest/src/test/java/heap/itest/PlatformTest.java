package heap.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.CoherencyDomain;
import heap.api.CoherencyDomainSupport;
import heap.api.HeapId;
import heap.api.HeapProperties;
import heap.api.Status;
import heap.api.StatusException;
import heap.api.SysmemError;
import heap.api.SysmemException;
import heap.api.allocator.BufferCollection;
import heap.api.allocator.HeapState;
import heap.api.allocator.HeapStatus;
import heap.api.vmo.Vmo;
import heap.api.vmo.VmoMapping;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The platform resolves, starts, and routes as docs/contract.md says (sysmem's rules), on real memory. */
class PlatformTest extends FrameworkTestSupport {

    @BeforeEach
    void threeHeapsAreActive() {
        awaitActive(HeapId.SYSTEM_RAM);
        awaitActive(HeapId.CONTIGUOUS_SYSTEM_RAM);
        awaitActive(HeapId.SECURE);
    }

    @Test
    void theRegistrySeesTheThreeHeapsWithTheirExactProperties() {
        Map<HeapId, HeapProperties> active = allocator().heaps().stream().filter(s -> s.state() == HeapState.ACTIVE)
                .collect(Collectors.toMap(HeapStatus::id, s -> s.properties().orElseThrow()));
        assertEquals(Map.of(
                HeapId.SYSTEM_RAM, new HeapProperties(CoherencyDomainSupport.ALL, false, false),
                HeapId.CONTIGUOUS_SYSTEM_RAM, new HeapProperties(CoherencyDomainSupport.ALL, true, true),
                HeapId.SECURE, new HeapProperties(CoherencyDomainSupport.INACCESSIBLE_ONLY, false, false)), active);
        assertTrue(awaitActive(HeapId.SYSTEM_RAM).origin().startsWith("heap.system-ram "));
    }

    @Test
    void byDefaultBuffersComeFromSystemRamAndAreReadableAndWritable() {
        try (BufferCollection collection = allocator().allocate(request(2, size(100_000).build(), true))) {
            assertEquals(HeapId.SYSTEM_RAM, collection.settings().bufferSettings().heap());
            assertEquals(CoherencyDomain.CPU, collection.settings().bufferSettings().coherencyDomain());
            for (Vmo buffer : collection.buffers()) {
                assertTrue(buffer.size() >= 100_000);
                try (VmoMapping mapping = buffer.map(0, buffer.size(), true)) {
                    assertEquals(-1, mapping.segment().mismatch(MemorySegment.ofArray(new byte[(int) buffer.size()])));
                    mapping.segment().set(ValueLayout.JAVA_INT, 4, 0x5EED);
                }
                byte[] back = new byte[4];
                buffer.read(4, MemorySegment.ofArray(back));
                assertEquals(0x5EED, MemorySegment.ofArray(back).get(ValueLayout.JAVA_INT_UNALIGNED, 0));
            }
        }
    }

    /** The pool serves SYSTEM_RAM's contiguous requests; as in sysmem, the settings still name SYSTEM_RAM#0. */
    @Test
    void contiguousRequestsComeFromThePoolWithAPhysicalAddress() {
        try (BufferCollection collection = allocator().allocate(request(1, size(1 << 20).physicallyContiguousRequired(true)
                .minPhysicalBaseAlignment(1 << 16).build(), true))) {
            assertEquals(HeapId.SYSTEM_RAM, collection.settings().bufferSettings().heap());
            assertEquals(HeapId.CONTIGUOUS_SYSTEM_RAM, allocator().collections().stream()
                    .filter(c -> c.id() == collection.id()).findFirst().orElseThrow().servedBy());
            Vmo buffer = collection.buffers().get(0);
            assertEquals(0, buffer.physicalAddress().orElseThrow() % (1 << 16));
            try (VmoMapping mapping = buffer.map(0, buffer.size(), true)) {
                assertEquals(-1, mapping.segment().mismatch(MemorySegment.ofArray(new byte[1 << 20])),
                        "the registry cleared the reused region (need_clear)");
                mapping.segment().fill((byte) 0x3C);
            }
        }
    }

    @Test
    void secureRequestsComeFromTheSecureHeapAndRefuseTheCpu() {
        try (BufferCollection collection = allocator().allocate(request(1, size(PAGE).secureRequired(true).build(), false))) {
            assertEquals(HeapId.SECURE, collection.settings().bufferSettings().heap());
            assertEquals(CoherencyDomain.INACCESSIBLE, collection.settings().bufferSettings().coherencyDomain());
            Vmo buffer = collection.buffers().get(0);
            StatusException denied = assertThrows(StatusException.class, () -> buffer.map(0, PAGE, false));
            assertEquals(Status.ACCESS_DENIED, denied.status());
            assertThrows(StatusException.class, () -> buffer.write(0, MemorySegment.ofArray(new byte[1])));
        }
    }

    /** sysmem CheckSanitizeBufferMemoryConstraints refuses it as CONSTRAINTS_INTERSECTION_EMPTY. */
    @Test
    void secureWithCpuUsageIsRefused() {
        SysmemException e = assertThrows(SysmemException.class,
                () -> allocator().allocate(request(1, size(PAGE).secureRequired(true).build(), true)));
        assertEquals(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, e.error());
    }

    @Test
    void permittedHeapsAreHonoured() {
        try (BufferCollection collection = allocator().allocate(request(1, size(PAGE)
                .permittedHeaps(HeapId.CONTIGUOUS_SYSTEM_RAM).build(), true))) {
            assertEquals(HeapId.CONTIGUOUS_SYSTEM_RAM, collection.settings().bufferSettings().heap());
        }
        try (BufferCollection collection = allocator().allocate(request(1, size(PAGE)
                .permittedHeaps(HeapId.SECURE).build(), false))) {
            assertEquals(HeapId.SECURE, collection.settings().bufferSettings().heap());
        }
    }

    /** sysmem TryAllocate: no registered heap fits is CONSTRAINTS_INTERSECTION_EMPTY. */
    @Test
    void whenNoHeapFitsTheClientGetsConstraintsIntersectionEmpty() {
        SysmemException e = assertThrows(SysmemException.class, () -> allocator().allocate(request(1,
                size(PAGE).permittedHeaps(new HeapId("no.such.heap", 0)).build(), false)));
        assertEquals(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, e.error());
        assertTrue(e.getMessage().contains("no heap fits"), e.getMessage());
    }
}
