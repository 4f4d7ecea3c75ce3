package heap.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.allocator.AllocationRequest;
import heap.api.allocator.Participant;
import heap.api.spi.Vmos;
import heap.api.vmo.Vmo;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import heap.api.vmo.VmoRight;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** A null or malformed argument fails with the error its API documents, naming the argument, and changes nothing. */
class BadArgumentsTest {

    private static void assertStatus(Status expected, String named, Executable executable) {
        StatusException e = assertThrows(StatusException.class, executable);
        assertEquals(expected, e.status(), e.getMessage());
        assertTrue(e.getMessage().contains(named), e.getMessage() + " names " + named);
    }

    private static void assertProtocolDeviation(String named, Executable executable) {
        SysmemException e = assertThrows(SysmemException.class, executable);
        assertEquals(SysmemError.PROTOCOL_DEVIATION, e.error(), e.getMessage());
        assertTrue(e.getMessage().contains(named), e.getMessage() + " names " + named);
    }

    @Test
    void vmoOperationsRefuseNullWithInvalidArgsAndTheHandleStaysUsable() {
        try (Vmo vmo = Vmos.root(Arena.ofAuto().allocate(4096), () -> { })) {
            assertStatus(Status.INVALID_ARGS, "rights", () -> vmo.duplicate(null));
            Set<VmoRight> withNull = new HashSet<>(Arrays.asList(VmoRight.READ, null));
            assertStatus(Status.INVALID_ARGS, "rights", () -> vmo.duplicate(withNull));
            assertStatus(Status.INVALID_ARGS, "destination", () -> vmo.read(0, null));
            assertStatus(Status.INVALID_ARGS, "source", () -> vmo.write(0, null));
            assertStatus(Status.INVALID_ARGS, "listener", () -> vmo.onZeroChildren(null));
            assertEquals(1, vmo.handleCount(), "no handle was made or lost");
            vmo.write(0, MemorySegment.ofArray(new byte[] {9}));
            byte[] back = new byte[1];
            vmo.read(0, MemorySegment.ofArray(back));
            assertEquals(9, back[0]);
        }
    }

    @Test
    void readIntoAReadOnlySegmentIsInvalidArgs() {
        try (Vmo vmo = Vmos.root(Arena.ofAuto().allocate(4096), () -> { })) {
            MemorySegment readOnly = MemorySegment.ofArray(new byte[16]).asReadOnly();
            assertStatus(Status.INVALID_ARGS, "read-only", () -> vmo.read(0, readOnly));
        }
    }

    @Test
    void vmoCreationRefusesNullWithInvalidArgs() {
        MemorySegment memory = Arena.ofAuto().allocate(4096);
        assertStatus(Status.INVALID_ARGS, "memory", () -> Vmos.root(null, () -> { }));
        assertStatus(Status.INVALID_ARGS, "onRelease", () -> Vmos.root(memory, null));
        assertStatus(Status.INVALID_ARGS, "physicalAddress", () -> Vmos.root(memory, null, () -> { }));
        assertStatus(Status.INVALID_ARGS, "physicalAddress", () -> Vmos.inaccessible(4096, null, () -> { }));
        assertStatus(Status.INVALID_ARGS, "onRelease", () -> Vmos.inaccessible(4096, OptionalLong.empty(), null));
        assertStatus(Status.INVALID_ARGS, "heap_type", () -> new HeapId(null, 0));
        assertStatus(Status.INVALID_ARGS, "bundle", () -> heap.api.spi.BundleClasses.loadAll(null));
        assertStatus(Status.INVALID_ARGS, "memory", () -> Vmos.childOfNewRoot(null, OptionalLong.empty(), () -> { }));
        assertStatus(Status.INVALID_ARGS, "physicalAddress", () -> Vmos.childOfNewRoot(memory, null, () -> { }));
        assertStatus(Status.INVALID_ARGS, "onRelease", () -> Vmos.childOfNewRoot(memory, OptionalLong.empty(), null));
        assertStatus(Status.INVALID_ARGS, "at least one byte",
                () -> Vmos.childOfNewRoot(memory.asSlice(0, 0), OptionalLong.empty(), () -> { }));
        assertStatus(Status.INVALID_ARGS, "positive size",
                () -> Vmos.inaccessibleChildOfNewRoot(0, OptionalLong.empty(), () -> { }));
        assertStatus(Status.INVALID_ARGS, "onRelease",
                () -> Vmos.inaccessibleChildOfNewRoot(4096, OptionalLong.empty(), null));
    }

    @Test
    void requestsAndConstraintsRefuseNullWithProtocolDeviation() {
        BufferMemoryConstraints none = BufferMemoryConstraints.none();
        assertProtocolDeviation("participants", () -> new AllocationRequest(1, null));
        assertProtocolDeviation("participants", () -> new AllocationRequest(1, Arrays.asList(
                new Participant(none, true), null)));
        assertProtocolDeviation("constraints", () -> new Participant(null, true));
        assertProtocolDeviation("permitted_heaps", () -> BufferMemoryConstraints.builder()
                .permittedHeaps((List<HeapId>) null).build());
        assertProtocolDeviation("permitted_heaps", () -> BufferMemoryConstraints.builder()
                .permittedHeaps(Arrays.asList(HeapId.SYSTEM_RAM, null)).build());
        assertProtocolDeviation("cpu_domain_supported", () -> new BufferMemoryConstraints(1, -1, false, false, null,
                Optional.empty(), Optional.empty(), Optional.empty(), 0));
    }
}
