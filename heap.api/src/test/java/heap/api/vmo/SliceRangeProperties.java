package heap.api.vmo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import heap.api.Status;
import heap.api.StatusException;
import heap.api.spi.Vmos;
import java.lang.foreign.Arena;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

class SliceRangeProperties {

    @Property(tries = 300)
    void aSliceIsCreatedExactlyWhenItsRangeFitsTheParent(@ForAll @LongRange(min = 1, max = 1 << 16) long parentSize,
            @ForAll long offset, @ForAll long size) {
        AtomicInteger releases = new AtomicInteger();
        try (Vmo parent = Vmos.root(Arena.ofAuto().allocate(parentSize), releases::incrementAndGet)) {
            boolean fits = offset >= 0 && size >= 0 && offset <= parentSize && size <= parentSize - offset;
            if (fits) {
                try (Vmo slice = parent.createSlice(offset, size)) {
                    assertEquals(size, slice.size());
                }
            } else {
                StatusException e = assertThrows(StatusException.class, () -> parent.createSlice(offset, size));
                assertEquals(Status.OUT_OF_RANGE, e.status());
            }
            assertEquals(0, parent.childCount());
        }
        assertEquals(1, releases.get());
    }
}
