package heap.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.Status;
import heap.api.StatusException;
import org.junit.jupiter.api.Test;

/** Address space reserved with no access: unique numbers, given back, and a clear error when the kernel refuses. */
class NativeMemoryTest {
    private static final long MIB = 1L << 20;

    @Test
    void twoReservationsNeverOverlapAndCommitNothing() {
        long first = NativeMemory.reserve(64 * MIB);
        long second = NativeMemory.reserve(64 * MIB);
        try {
            assertTrue(first + 64 * MIB <= second || second + 64 * MIB <= first,
                    "0x" + Long.toHexString(first) + " and 0x" + Long.toHexString(second));
            assertEquals(0, first % 4096);
            assertEquals(0, NativeMemory.residentBytes(java.lang.foreign.MemorySegment.ofAddress(first)
                    .reinterpret(64 * MIB)), "no page of a reservation is in memory");
        } finally {
            NativeMemory.unreserve(first, 64 * MIB);
            NativeMemory.unreserve(second, 64 * MIB);
        }
    }

    @Test
    void aReservationTheKernelRefusesIsNoMemoryNamingItsSize() {
        StatusException refused = assertThrows(StatusException.class, () -> NativeMemory.reserve(1L << 62));
        assertEquals(Status.NO_MEMORY, refused.status());
        assertTrue(refused.getMessage().contains("reserve " + (1L << 62) + " bytes of address space"), refused.getMessage());
    }
}
