package heap.api.internal;

import heap.api.Sizes;
import heap.api.Status;
import heap.api.StatusException;
import heap.api.vmo.Vmo;
import java.lang.foreign.MemorySegment;
import java.util.OptionalLong;

/**
 * A heap's buffer as one object: the root of its tree, which no handle reaches (it is its own only child, koid and
 * parent koid as a REFERENCE child of a hidden root), and the heap's record of the buffer (the subclass's fields).
 * It takes no attachment: a heap finds its record by the object itself. Released once, when no handle, mapping,
 * pin or child is left; then {@link #released()} runs, on the closing thread, after the tree's lock is let go.
 */
public abstract non-sealed class BufferObject extends VmoObject {
    /** The largest buffer: its pages are counted in an int. */
    public static final long MAX_BYTES = Integer.MAX_VALUE * Sizes.PAGE_SIZE;

    private final MemorySegment memory; // null: inaccessible
    private final int pages; // an int, not the size in a long: 4 bytes less per buffer
    private final long address;

    /**
     * {@code memory} null for an inaccessible buffer of {@code size} bytes; otherwise its size is
     * {@code memory.byteSize()}. Whole pages, at most {@link #MAX_BYTES}; INVALID_ARGS naming what was wrong.
     */
    protected BufferObject(MemorySegment memory, long size, OptionalLong physicalAddress) {
        super(true, nextKoids(2) + 1);
        Require.argument(physicalAddress, "physicalAddress");
        if (size <= 0 || !Sizes.isPageAligned(size) || size > MAX_BYTES) {
            throw new StatusException(Status.INVALID_ARGS, "a heap's buffer is whole pages, at most " + MAX_BYTES
                    + " bytes, not " + size + " bytes");
        }
        if (memory != null && memory.byteSize() != size) {
            throw new StatusException(Status.INVALID_ARGS, "a buffer of " + size + " bytes over memory of "
                    + memory.byteSize() + " bytes");
        }
        this.memory = memory;
        this.pages = (int) (size / Sizes.PAGE_SIZE);
        this.address = physicalAddress.isPresent() ? physicalAddress.getAsLong() : NO_ADDRESS;
    }

    /** Runs once, when the buffer is released: the heap frees its memory. */
    protected abstract void released();

    /** The buffer's first handle, which counts as its one use: once, before anything else can reach the buffer. */
    protected final Vmo firstHandle() {
        return firstHandle(this);
    }

    /** The buffer behind {@code vmo}, or null (another object, or not a VMO of this platform). */
    protected static BufferObject bufferOf(Vmo vmo) {
        return vmo == null ? null : objectOf(vmo) instanceof BufferObject buffer ? buffer : null;
    }

    public final long size() {
        return pages * Sizes.PAGE_SIZE;
    }

    /** Its pages, or null when inaccessible. */
    public final MemorySegment memory() {
        return memory;
    }

    /** The physical address of byte 0, or {@code Long.MIN_VALUE} for none. */
    public final long address() {
        return address;
    }

    /** Its size in pages. */
    public final int pages() {
        return pages;
    }

    @Override
    final void runRelease() {
        released();
    }
}
