package heap.api;

import heap.api.vmo.Vmo;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/** Integrity checks a heap can run on demand (e.g. the contiguous pool's guard pages), beside {@link Heap}. */
@ConsumerType
public interface HeapDiagnostics {
    /** Runs every check now; returns one line per problem found (empty when all is well). */
    List<String> checkIntegrity();

    /**
     * The registry tells the heap which koid its client holds for a buffer, so reports name the handle a person
     * can look up ({@code heap:info KOID}) rather than the heap's own layer. Heaps that report nothing ignore it.
     *
     * @since 1.1
     */
    default void clientHandle(long bufferCollectionId, long bufferIndex, long clientKoid) {
    }

    /**
     * As {@link #clientHandle(long, long, long)}, with the heap's own VMO of the buffer (the one its
     * {@code allocateVmo} returned), so the heap finds its record from it ({@code HeapBuffer.of}) instead of keeping
     * a map by collection and index for this alone. The registry calls this one; by default it calls that one.
     *
     * @since 1.3
     */
    default void clientHandle(Vmo heapVmo, long bufferCollectionId, long bufferIndex, long clientKoid) {
        clientHandle(bufferCollectionId, bufferIndex, clientKoid);
    }

    /**
     * The pool as it is now, in offset order and without gaps: buffers, their guard pages, free space. Empty for a
     * heap without a fixed pool (system RAM maps each buffer on its own).
     *
     * @since 1.2
     */
    default List<PoolRegion> layout() {
        return List.of();
    }
}
