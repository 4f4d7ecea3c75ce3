package heap.api.vmo;

import heap.api.StatusException;
import java.lang.foreign.MemorySegment;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A handle to a virtual memory object. Handles are thread safe; every operation on a closed handle fails with
 * BAD_HANDLE, and {@link #close()} is idempotent. An object lives while it has a handle, a mapping or a child;
 * when a child goes away and its parent has no children left, ZERO_CHILDREN is raised on the parent.
 * Objects created by a CPU-inaccessible heap have an official size but no pages: every map, read and write on
 * them, their children and duplicates fails with ACCESS_DENIED.
 *
 * <p>Failures are {@link StatusException}s: BAD_HANDLE (closed handle), ACCESS_DENIED (missing right or
 * inaccessible memory), OUT_OF_RANGE (offset or length outside the object, negative, or overflowing),
 * INVALID_ARGS (other malformed arguments).
 */
@ProviderType
public interface Vmo extends AutoCloseable {

    /** The process-unique id of the object; duplicates share it, children have their own. */
    long koid();

    /** The koid of the parent object, or 0 for a root. */
    long parentKoid();

    /** The official size in bytes. */
    long size();

    Set<VmoRight> rights();

    /** True for objects with no CPU-reachable pages (and all their children). */
    boolean isInaccessible();

    /** The "physical address" of byte 0, where the object's creator gave one (contiguous and secure pools). */
    OptionalLong physicalAddress();

    boolean isClosed();

    /** A new handle with the same rights. Needs DUPLICATE. */
    Vmo duplicate();

    /** A new handle with {@code rights}, which must be a subset of this handle's (ACCESS_DENIED otherwise). */
    Vmo duplicate(Set<VmoRight> rights);

    /** A SLICE child of {@code size} bytes at {@code offset}. Needs DUPLICATE and READ. */
    Vmo createSlice(long offset, long size);

    /** A REFERENCE child covering the whole object. Needs DUPLICATE and READ. */
    Vmo createReference();

    /**
     * Maps {@code length} bytes at {@code offset} for the calling thread only (its segment is confined to it, and
     * closing the mapping is cheap). Needs MAP and READ, and WRITE when {@code writable}.
     */
    VmoMapping map(long offset, long length, boolean writable);

    /** As {@link #map}, but usable from any thread; closing it costs a handshake with every thread (tens of µs). */
    VmoMapping mapShared(long offset, long length, boolean writable);

    /** Copies bytes at {@code offset} into {@code destination}. Needs READ. */
    void read(long offset, MemorySegment destination);

    /** Copies {@code source} into the object at {@code offset}. Needs WRITE. */
    void write(long offset, MemorySegment source);

    /** Fills {@code length} bytes at {@code offset} with zero. Needs WRITE. */
    void zero(long offset, long length);

    /** How many child objects exist right now. */
    int childCount();

    /** How many open handles refer to the object (this one included). */
    int handleCount();

    /** How many open mappings the object has. */
    int mappingCount();

    /**
     * Calls {@code listener} on every transition of this object to zero children (never for the initial state),
     * on the thread that closed the last child.
     */
    Registration onZeroChildren(Runnable listener);

    /** Completes the next time the object has zero children: at once if it has none now. */
    CompletionStage<Void> whenZeroChildren();

    @Override
    void close();
}
