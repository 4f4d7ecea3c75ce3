package heap.api.vmo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import heap.api.spi.LeakDetection;
import heap.api.spi.VmoOwner;
import heap.api.spi.Vmos;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The model's and ownership's rules again with leak detection off, where a handle is its own lease (the default
 * level watches one handle in 128, so most handles in production take this path; the other tests run paranoid).
 */
class UnwatchedHandlesTest {
    private LeakDetection before;

    @BeforeEach
    void unwatched() {
        before = Vmos.leakDetection();
        Vmos.setLeakDetection(LeakDetection.OFF);
    }

    @AfterEach
    void restore() {
        Vmos.setLeakDetection(before);
    }

    @Nested
    class TheObjectModel extends VmoObjectModelTest {
        @Override
        @Test
        void aLeakedHandleIsClosedByTheGarbageCollectorAndCounted() {
            // Off watches nothing: a dropped handle is not collected (its owner's release closes it, below).
            try (Vmo parent = Vmos.root(Arena.ofAuto().allocate(4096), () -> { })) {
                long leakedBefore = Vmos.leakedHandles();
                parent.createReference(); // dropped at once
                System.gc();
                assertEquals(1, parent.childCount(), "nothing watches the dropped child, so nothing closes it");
                assertEquals(leakedBefore, Vmos.leakedHandles());
            }
        }
    }

    @Nested
    class HeapBuffers extends HeapBufferTest {
    }

    @Nested
    class Ownership extends OwnershipTest {
        @Override
        @Test
        void aDroppedOwnedHandleLeavesItsOwnerWhenCollected() {
            // Unwatched, a dropped handle stays with its owner until the owner is released, which closes it.
            VmoOwner owner = Vmos.owner("careless");
            owner.createReference(root); // dropped at once
            System.gc();
            assertEquals(1, owner.openLeases(), "nothing watches it, so nothing collects it");
            assertEquals(1, owner.release().handles());
            assertEquals(0, owner.openLeases());
            root.close();
            assertEquals(1, releases.get());
        }
    }
}
