package heap.api.spi;

import heap.api.internal.BufferObject;
import heap.api.vmo.Vmo;
import java.lang.foreign.MemorySegment;
import java.util.OptionalLong;

/**
 * A heap's record of one buffer that is also the memory object behind the VMO the heap hands out: extend it with
 * the fields the heap keeps per buffer, and one object per buffer is all the heap and the VMO layering cost (where
 * {@link Vmos#childOfNewRoot(MemorySegment, OptionalLong, Runnable, Object, Object)} makes a record, an object and
 * an attachment). As a child of a new root: its koid's parent is a root no handle reaches, and when its last
 * handle, mapping or child goes it is released and {@link #released()} runs, once, on the closing thread: that is
 * when the heap frees the memory, never left to the garbage collector.
 *
 * @since 1.4
 */
public abstract class HeapBuffer extends BufferObject {
    /**
     * A buffer over {@code memory} (its size is {@code memory.byteSize()}), or, with {@code memory} null, an
     * inaccessible one of {@code size} bytes: map, read and write fail with ACCESS_DENIED on it, its children and
     * duplicates. Whole pages, at most {@link #MAX_BYTES}: INVALID_ARGS naming what was wrong.
     */
    protected HeapBuffer(MemorySegment memory, long size, OptionalLong physicalAddress) {
        super(memory, size, physicalAddress);
    }

    /** The first handle to this buffer, with all rights and no owner (what allocateVmo returns): once. */
    protected final Vmo handOut() {
        return firstHandle();
    }

    /** The buffer behind {@code vmo}, or null (another kind of VMO, or not one of this platform). */
    protected static HeapBuffer of(Vmo vmo) {
        return bufferOf(vmo) instanceof HeapBuffer buffer ? buffer : null;
    }
}
