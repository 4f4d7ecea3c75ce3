package heap.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ApiTypesTest {

    /** A heap written against 1.1 implements only the three-argument form; the registry calls the 1.3 one. */
    @Test
    void theClientHandleCallWithTheHeapsVmoReachesAHeapThatKnowsOnlyTheOlderOne() {
        long[] told = new long[3];
        HeapDiagnostics olderHeap = new HeapDiagnostics() {
            @Override
            public java.util.List<String> checkIntegrity() {
                return java.util.List.of();
            }

            @Override
            public void clientHandle(long bufferCollectionId, long bufferIndex, long clientKoid) {
                told[0] = bufferCollectionId;
                told[1] = bufferIndex;
                told[2] = clientKoid;
            }
        };
        olderHeap.clientHandle(null, 7, 3, 4242);
        assertArrayEquals(new long[] {7, 3, 4242}, told);
    }

    @Test
    void heapTypeIsLimitedTo128Characters() {
        new HeapId("x".repeat(128), 0);
        StatusException e = assertThrows(StatusException.class, () -> new HeapId("x".repeat(129), 0));
        assertEquals(Status.INVALID_ARGS, e.status());
        assertTrue(e.getMessage().contains("129"), e.getMessage());
        assertThrows(StatusException.class, () -> new HeapId("", 0));
    }

    @Test
    void heapIdIsUnsigned() {
        HeapId id = new HeapId("t", -1L);
        assertEquals("t#18446744073709551615", id.toString());
        assertEquals(id, HeapId.fromServiceProperties(Map.of(Heap.HEAP_TYPE, "t", Heap.HEAP_ID, "18446744073709551615")));
        assertEquals(new HeapId("t", 0), HeapId.fromServiceProperties(Map.of(Heap.HEAP_TYPE, "t")));
        assertEquals(new HeapId("t", 7), HeapId.fromServiceProperties(Map.of(Heap.HEAP_TYPE, "t", Heap.HEAP_ID, 7L)));
    }

    @Test
    void heapIdFromMalformedServicePropertiesNamesTheProperty() {
        StatusException missing = assertThrows(StatusException.class, () -> HeapId.fromServiceProperties(Map.of()));
        assertTrue(missing.getMessage().contains(Heap.HEAP_TYPE), missing.getMessage());
        StatusException bad = assertThrows(StatusException.class,
                () -> HeapId.fromServiceProperties(Map.of(Heap.HEAP_TYPE, "t", Heap.HEAP_ID, "-3")));
        assertTrue(bad.getMessage().contains("-3"), bad.getMessage());
        assertThrows(StatusException.class,
                () -> HeapId.fromServiceProperties(Map.of(Heap.HEAP_TYPE, "t", Heap.HEAP_ID, List.of())));
    }

    /** One reading of heap.id for the registry, the configuration checks and a heap's log name. */
    @Test
    void aHeapIdPropertyIsReadAloneAsTheRegistryReadsIt() {
        assertEquals(0, HeapId.idOf(null));
        assertEquals(2, HeapId.idOf(" 2 "));
        assertEquals(-1L, HeapId.idOf("18446744073709551615"), "unsigned: 2^64 - 1");
        assertEquals(7, HeapId.idOf(7));
        assertTrue(assertThrows(StatusException.class, () -> HeapId.idOf("abc")).getMessage().contains("abc"));
        assertThrows(StatusException.class, () -> HeapId.idOf(true));
    }

    @Test
    void aNegotiationsStateCarriesWhyOnceFailed() {
        assertEquals("pending", new heap.api.allocator.NegotiationStatus(1, "n", "pending", "", List.of(), "").stateAndFailure());
        assertEquals("failed: no heap fits", new heap.api.allocator.NegotiationStatus(1, "n", "failed", "no heap fits",
                List.of(), "").stateAndFailure());
        assertEquals("pending", new heap.api.allocator.NegotiationStatus(1, "n", "pending", null, List.of(), "")
                .stateAndFailure());
    }

    @Test
    void pageRoundingIsHonestAboutUnsignedOverflow() {
        assertEquals(0, Sizes.pageRoundUp(0));
        assertEquals(4096, Sizes.pageRoundUp(1));
        assertEquals(4096, Sizes.pageRoundUp(4096));
        assertEquals(Sizes.MAX_PAGE_ROUNDABLE, Sizes.pageRoundUp(Sizes.MAX_PAGE_ROUNDABLE));
        StatusException overflow = assertThrows(StatusException.class, () -> Sizes.pageRoundUp(Sizes.MAX_PAGE_ROUNDABLE + 1));
        assertEquals(Status.OUT_OF_RANGE, overflow.status());
        StatusException unsigned = assertThrows(StatusException.class, () -> Sizes.pageRoundUp(-1));
        assertTrue(unsigned.getMessage().contains("18446744073709551615"), unsigned.getMessage());
        assertTrue(Sizes.isPageAligned(8192));
        assertFalse(Sizes.isPageAligned(8193));
    }

    @Test
    void heapPropertiesDefaultEveryFieldAndRejectNull() {
        HeapProperties defaults = HeapProperties.builder().build();
        assertEquals(new CoherencyDomainSupport(false, false, false), defaults.coherencyDomainSupport());
        assertFalse(defaults.needClear());
        assertFalse(defaults.needFlush());
        assertEquals(Status.INVALID_ARGS, assertThrows(StatusException.class,
                () -> new HeapProperties(null, false, false)).status());
        assertTrue(HeapProperties.builder().needClear(true).build().flushRequired(), "clearing implies flushing");
        assertTrue(HeapProperties.builder().needFlush(true).build().flushRequired());
        assertEquals("cpu,ram,inaccessible need_clear=true need_flush=false",
                new HeapProperties(CoherencyDomainSupport.ALL, true, false).toString());
        assertEquals("no domain need_clear=false need_flush=false", defaults.toString());
    }

    @Test
    void coherencyDomainSupportKnowsSecureHeaps() {
        assertTrue(CoherencyDomainSupport.INACCESSIBLE_ONLY.onlyInaccessible());
        assertFalse(CoherencyDomainSupport.ALL.onlyInaccessible());
        assertTrue(CoherencyDomainSupport.ALL.supports(CoherencyDomain.RAM));
        assertFalse(CoherencyDomainSupport.INACCESSIBLE_ONLY.supports(CoherencyDomain.CPU));
        assertEquals(java.util.List.of("cpu", "ram", "inaccessible"), CoherencyDomainSupport.ALL.names());
        assertEquals(java.util.List.of("ram"), new CoherencyDomainSupport(false, true, false).names());
    }

    @Test
    void constraintsDefaultAsSysmemDoes() {
        BufferMemoryConstraints none = BufferMemoryConstraints.none();
        assertEquals(0, none.minSizeBytes(), "unset: another participant must ask for a size");
        assertEquals(BufferMemoryConstraints.UNBOUNDED, none.maxSizeBytes());
        assertTrue(none.cpuDomainSupported().isEmpty());
        assertTrue(none.permittedHeaps().isEmpty());
        assertEquals(0, none.minPhysicalBaseAlignment());
    }

    @Test
    void constraintsSysmemRefusesAreConstraintsIntersectionEmpty() {
        SysmemException empty = assertThrows(SysmemException.class,
                () -> BufferMemoryConstraints.builder().permittedHeaps(List.of()).build());
        assertEquals(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, empty.error());
        List<HeapId> tooMany = Collections.nCopies(65, HeapId.SYSTEM_RAM);
        SysmemException many = assertThrows(SysmemException.class,
                () -> BufferMemoryConstraints.builder().permittedHeaps(tooMany).build());
        assertTrue(many.getMessage().contains("65"), many.getMessage());
        assertEquals(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, many.error());
        SysmemException alignment = assertThrows(SysmemException.class,
                () -> BufferMemoryConstraints.builder().minPhysicalBaseAlignment(3 * 4096).build());
        assertTrue(alignment.getMessage().contains("12288"), alignment.getMessage());
        assertEquals(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, alignment.error());
        SysmemException unsetFlag = assertThrows(SysmemException.class, () -> new BufferMemoryConstraints(1, -1,
                false, false, null, Optional.empty(), Optional.empty(), Optional.empty(), 0));
        assertEquals(SysmemError.PROTOCOL_DEVIATION, unsetFlag.error());
    }

    @Test
    void bufferSettingsRejectInconsistentValues() {
        assertThrows(StatusException.class, () -> new BufferMemorySettings(100, false, true, CoherencyDomain.CPU,
                HeapId.SYSTEM_RAM, 4096, 0));
        assertThrows(StatusException.class, () -> new BufferMemorySettings(8192, false, false, CoherencyDomain.CPU,
                HeapId.SYSTEM_RAM, 4096, 0));
        assertThrows(StatusException.class, () -> BufferMemorySettings.of(-5, HeapId.SYSTEM_RAM));
        assertThrows(StatusException.class, () -> new BufferMemorySettings(100, true, false, CoherencyDomain.CPU,
                HeapId.SYSTEM_RAM, 4096, 3000));
        BufferMemorySettings settings = BufferMemorySettings.of(100, HeapId.SYSTEM_RAM);
        assertEquals(4096, settings.rawVmoSize());
        assertEquals(Map.of(), new SingleBufferSettings(settings).imageFormatConstraints());
    }

    @Test
    void errorsCarryTheirCode() {
        assertEquals(-4, Status.NO_MEMORY.code());
        assertEquals(Status.NOT_FOUND, new StatusException(Status.NOT_FOUND, "x").status());
        assertTrue(new SysmemException(SysmemError.NOT_FOUND, "no heap").getMessage().startsWith("NOT_FOUND: "));
    }

    /** A quota limits nothing while in force on a heap type no heap listed has; on every heap, or refused, it does not. */
    @Test
    void aQuotaLimitsNothingOnlyWhileInForceOnAHeapTypeNoListedHeapHas() {
        assertTrue(new heap.api.allocator.QuotaStatus("q", "a.*", "secur", -1, 1, List.of(), null, List.of())
                .limitsNothing());
        assertFalse(new heap.api.allocator.QuotaStatus("q", "a.*", "secure", -1, 1, List.of(), null,
                List.of(HeapId.SECURE.toString())).limitsNothing(), "it covers a heap");
        assertFalse(new heap.api.allocator.QuotaStatus("q", "a.*", null, -1, 1, List.of(), null, List.of())
                .limitsNothing(), "on every heap, whatever is listed");
        assertFalse(new heap.api.allocator.QuotaStatus("q", null, null, -1, -1, List.of(), "refused", List.of())
                .limitsNothing(), "refused with nothing in force: no limits to speak of");
    }
}
