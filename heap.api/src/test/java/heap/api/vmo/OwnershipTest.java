package heap.api.vmo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.Status;
import heap.api.StatusException;
import heap.api.spi.VmoOwner;
import heap.api.spi.Vmos;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** A bundle's handles die with it, as a process's do in Zircon; a confined mapping holds its memory back. */
class OwnershipTest {
    private static final int SIZE = 8192;
    final AtomicInteger releases = new AtomicInteger();
    final Vmo root = Vmos.root(Arena.ofAuto().allocate(SIZE), releases::incrementAndGet);

    private static void assertStatus(Status expected, Executable executable) {
        StatusException e = assertThrows(StatusException.class, executable);
        assertEquals(expected, e.status(), e.getMessage());
    }

    @Test
    void everythingMadeFromAnOwnedHandleBelongsToItsOwnerAndReleaseClosesItButHoldsConfinedMappingsBack() {
        VmoOwner owner = Vmos.owner("client 1.0.0");
        Vmo handle = owner.createReference(root);
        Vmo duplicate = handle.duplicate();
        Vmo slice = handle.createSlice(0, 4096);
        VmoMapping shared = handle.mapShared(0, SIZE, true);
        VmoMapping confined = slice.map(0, 4096, true);
        MemorySegment sharedSegment = shared.segment();
        assertTrue(owner.owns(handle) && owner.owns(duplicate) && owner.owns(slice));
        assertFalse(owner.owns(root), "the heap's own handle belongs to nobody");
        assertEquals(4, owner.openLeases(), "three handles and the shared mapping; the confined one is its thread's");
        root.close();

        VmoOwner.Release release = owner.release();

        assertEquals(new VmoOwner.Release(3, 1), release);
        assertTrue(handle.isClosed() && duplicate.isClosed() && slice.isClosed() && shared.isClosed());
        assertThrows(IllegalStateException.class, () -> sharedSegment.get(ValueLayout.JAVA_BYTE, 0));
        assertFalse(confined.isClosed(), "only its own thread can close a confined mapping");
        confined.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 7);
        assertEquals(0, releases.get(), "the memory under the confined mapping is held back");
        confined.close();
        assertEquals(1, releases.get());
        assertEquals(new VmoOwner.Release(0, 0), owner.release(), "a second release finds nothing");
    }

    @Test
    void anAdoptedHandleSurvivesItsFirstOwnersRelease() {
        VmoOwner producer = Vmos.owner("producer");
        VmoOwner consumer = Vmos.owner("consumer");
        Vmo handle = producer.createReference(root);
        Vmo passed = handle.duplicate(java.util.EnumSet.of(VmoRight.READ, VmoRight.MAP));
        consumer.adopt(passed);
        assertTrue(consumer.owns(passed));
        assertFalse(producer.owns(passed));
        root.close();
        producer.release();
        assertTrue(handle.isClosed());
        assertFalse(passed.isClosed(), "the consumer's handle survives");
        assertEquals(0, releases.get());
        consumer.release();
        assertEquals(1, releases.get());
    }

    @Test
    void anOwnersReleaseRacingWithTheHandlesOwnCloseEndsItOnce() throws Exception {
        // Which of the two ends the handle is decided under the tree lock that drops the count: never both.
        AtomicInteger zeroChildren = new AtomicInteger();
        root.onZeroChildren(zeroChildren::incrementAndGet);
        int rounds = 20_000;
        int releasedByOwner = 0;
        java.util.concurrent.CyclicBarrier barrier = new java.util.concurrent.CyclicBarrier(2);
        for (int round = 0; round < rounds; round++) {
            VmoOwner owner = Vmos.owner("bundle " + round);
            Vmo handle = owner.createReference(root);
            int pause = round % 64;
            Thread closer = Thread.ofPlatform().start(() -> {
                await(barrier);
                spin(pause);
                handle.close();
            });
            await(barrier);
            spin(63 - pause);
            VmoOwner.Release release = owner.release();
            closer.join();
            assertTrue(release.handles() <= 1, "round " + round + ": " + release);
            releasedByOwner += release.handles();
            assertEquals(round + 1, zeroChildren.get(), "round " + round + ": ZERO_CHILDREN once per child");
            assertEquals(0, root.childCount());
        }
        assertTrue(releasedByOwner > 0 && releasedByOwner < rounds, "both won some rounds: " + releasedByOwner);
    }

    private static void await(java.util.concurrent.CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aHandleClosedWhileItIsAdoptedEndsUpInNoOwnersList() throws Exception {
        // The move links the lease without a fence of its own; closing must still unlink it from whichever owner won.
        VmoOwner first = Vmos.owner("first");
        VmoOwner second = Vmos.owner("second");
        java.util.concurrent.atomic.AtomicReference<Vmo> toClose = new java.util.concurrent.atomic.AtomicReference<>();
        AtomicInteger closes = new AtomicInteger();
        Thread closer = Thread.ofPlatform().daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                Vmo handle = toClose.getAndSet(null);
                if (handle != null) {
                    spin(handle.koid() % 64); // the two threads meet at varying points of adopt and close
                    handle.close();
                    closes.incrementAndGet();
                }
            }
        });
        try {
            for (int round = 0; round < 50_000; round++) {
                Vmo handle = first.createReference(root);
                toClose.set(handle);
                spin(round % 64);
                try {
                    second.adopt(handle);
                } catch (StatusException closedFirst) {
                    assertEquals(Status.BAD_HANDLE, closedFirst.status(), closedFirst.getMessage());
                }
                while (closes.get() <= round) {
                    Thread.onSpinWait(); // until close() returned, not just marked the handle closed
                }
                assertEquals(0, first.openLeases() + second.openLeases(), "round " + round);
            }
        } finally {
            closer.interrupt();
        }
        assertEquals(0, root.childCount(), "every child was released");
    }

    private static void spin(long times) {
        for (long i = 0; i < times; i++) {
            Thread.onSpinWait();
        }
    }

    @Test
    void aReleasedOwnerGetsNothingNewAndNothingLeaks() {
        VmoOwner owner = Vmos.owner("stopped");
        owner.release();
        assertStatus(Status.BAD_STATE, () -> owner.createReference(root));
        Vmo other = Vmos.owner("alive").createReference(root);
        assertStatus(Status.BAD_STATE, () -> owner.adopt(other));
        assertFalse(other.isClosed(), "a refused adoption changes nothing");
        assertEquals(1, root.childCount(), "the refused reference was given back");
        other.close();
        assertStatus(Status.BAD_HANDLE, () -> Vmos.owner("x").adopt(other));
        assertStatus(Status.INVALID_ARGS, () -> Vmos.owner("x").adopt(null));
        assertStatus(Status.INVALID_ARGS, () -> Vmos.owner(null));
        root.close();
        assertEquals(1, releases.get());
    }

    @Test
    void aDroppedOwnedHandleLeavesItsOwnerWhenCollected() throws Exception {
        VmoOwner owner = Vmos.owner("careless");
        dropReference(owner);
        for (int i = 0; i < 250 && owner.openLeases() != 0; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(0, owner.openLeases());
        root.close();
        assertEquals(1, releases.get());
    }

    private void dropReference(VmoOwner owner) {
        owner.createReference(root);
    }
}
