package heap.api;

/**
 * One stretch of a heap's pool, as {@link HeapDiagnostics#layout()} draws it: a buffer (with the collection, index
 * and client koid it was handed out as; 0 until known), a guard page around one, or free space. Offsets are from
 * the start of the pool's usable part.
 *
 * @since 1.2
 */
public record PoolRegion(long offset, long size, Kind kind, long collectionId, long index, long koid) {
    public enum Kind { BUFFER, GUARD, FREE }

    public PoolRegion {
        if (offset < 0 || size <= 0 || kind == null) {
            throw new IllegalArgumentException("a pool region needs offset >= 0, size > 0 and a kind: offset " + offset
                    + ", size " + size + ", kind " + kind);
        }
    }

    public long end() {
        return offset + size;
    }
}
