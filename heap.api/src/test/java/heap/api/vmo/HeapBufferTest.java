package heap.api.vmo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.Status;
import heap.api.StatusException;
import heap.api.spi.HeapBuffer;
import heap.api.spi.Vmos;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A heap's buffer that is its own record and its VMO's object (heap.api.spi.HeapBuffer). */
class HeapBufferTest {
    /** A heap's record: what a heap would keep per buffer, here a count of its releases. */
    private static final class Buffer extends HeapBuffer {
        final AtomicInteger releases = new AtomicInteger();

        Buffer(MemorySegment memory, long size, OptionalLong physicalAddress) {
            super(memory, size, physicalAddress);
        }

        @Override
        protected void released() {
            releases.incrementAndGet();
        }

        Vmo first() {
            return handOut();
        }

        static HeapBuffer behind(Vmo vmo) {
            return of(vmo);
        }
    }

    @Test
    void theBufferIsTheChildOfAHiddenRootAndIsReleasedOnceWithItsLastHandleMappingAndChild() {
        Buffer buffer = new Buffer(Arena.ofAuto().allocate(8192), 8192, OptionalLong.of(0x10000));
        Vmo vmo = buffer.first();
        assertEquals(8192, vmo.size());
        assertEquals(vmo.koid() - 1, vmo.parentKoid(), "its parent is a root no handle reaches");
        assertEquals(OptionalLong.of(0x10000), vmo.physicalAddress());
        Vmo child = vmo.createReference();
        VmoMapping mapping = child.map(0, 8192, true);
        mapping.segment().set(ValueLayout.JAVA_BYTE, 8191, (byte) 7);
        vmo.close();
        child.close();
        assertEquals(0, buffer.releases.get(), "the mapping keeps it");
        mapping.close();
        assertEquals(1, buffer.releases.get());
    }

    @Test
    void theHeapFindsItsBufferFromTheVmoAndFromNothingElse() {
        Buffer buffer = new Buffer(null, 4096, OptionalLong.empty());
        try (Vmo vmo = buffer.first(); Vmo duplicate = vmo.duplicate(); Vmo child = vmo.createReference();
                Vmo root = Vmos.root(Arena.ofAuto().allocate(4096), () -> { })) {
            assertSame(buffer, Buffer.behind(vmo));
            assertSame(buffer, Buffer.behind(duplicate), "a duplicate is a handle to the same object");
            assertNull(Buffer.behind(child), "a child is an object of its own");
            assertNull(Buffer.behind(root));
            assertNull(Buffer.behind(null));
            assertTrue(vmo.isInaccessible());
        }
        assertEquals(1, buffer.releases.get());
    }

    @Test
    void aSecondFirstHandleIsRefusedAndChangesNothing() {
        Buffer buffer = new Buffer(null, 4096, OptionalLong.empty());
        Vmo vmo = buffer.first();
        StatusException refused = assertThrows(StatusException.class, buffer::first);
        assertEquals(Status.BAD_STATE, refused.status());
        assertTrue(refused.getMessage().contains("already has its first handle"), refused.getMessage());
        assertEquals(1, vmo.handleCount());
        vmo.close();
        assertEquals(1, buffer.releases.get(), "released once, with its one handle");
        assertEquals(Status.BAD_STATE, assertThrows(StatusException.class, buffer::first).status(),
                "nor after its release");
    }

    @Test
    void aHeapsBufferTakesNoAttachmentItIsItsOwnRecord() {
        Buffer buffer = new Buffer(Arena.ofAuto().allocate(4096), 4096, OptionalLong.empty());
        try (Vmo vmo = buffer.first()) {
            StatusException refused = assertThrows(StatusException.class, () -> Vmos.attach(vmo, this, "record"));
            assertEquals(Status.BAD_STATE, refused.status());
            assertNull(Vmos.attachment(vmo, this));
        }
    }

    @Test
    void aHeapsOwnHandleToItsBufferCannotBeAdoptedButADuplicateCan() {
        // The heap's handle keeps no owner links (12 bytes less per buffer): it goes to the registry, never to a bundle.
        Buffer buffer = new Buffer(null, 4096, OptionalLong.empty());
        heap.api.spi.VmoOwner owner = Vmos.owner("bundle");
        try (Vmo vmo = buffer.first()) {
            StatusException refused = assertThrows(StatusException.class, () -> owner.adopt(vmo));
            assertEquals(Status.BAD_STATE, refused.status());
            assertTrue(refused.getMessage().contains("belongs to no bundle and cannot be adopted"), refused.getMessage());
            assertTrue(!owner.owns(vmo) && !vmo.isClosed() && owner.openLeases() == 0, "nothing changed");
            Vmo duplicate = vmo.duplicate();
            owner.adopt(duplicate);
            assertTrue(owner.owns(duplicate));
            assertEquals(new heap.api.spi.VmoOwner.Release(1, 0), owner.release());
            assertTrue(duplicate.isClosed());
        }
        assertEquals(1, buffer.releases.get());
    }

    @Test
    void badSizesAndMemoryAreRefusedNamingWhatWasWrong() {
        assertEquals(Status.INVALID_ARGS, assertThrows(StatusException.class,
                () -> new Buffer(null, 0, OptionalLong.empty())).status());
        assertEquals(Status.INVALID_ARGS, assertThrows(StatusException.class,
                () -> new Buffer(null, HeapBuffer.MAX_BYTES + 4096, OptionalLong.empty())).status());
        assertEquals(Status.INVALID_ARGS, assertThrows(StatusException.class,
                () -> new Buffer(null, 4096, null)).status());
        StatusException otherSize = assertThrows(StatusException.class,
                () -> new Buffer(Arena.ofAuto().allocate(4096), 8192, OptionalLong.empty()));
        assertTrue(otherSize.getMessage().contains("a buffer of 8192 bytes over memory of 4096 bytes"));
    }
}
