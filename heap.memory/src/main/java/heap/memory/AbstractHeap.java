package heap.memory;

import heap.api.Heap;
import heap.api.HeapBinding;
import heap.api.HeapEventListener;
import heap.api.HeapId;
import heap.api.HeapMetrics;
import heap.api.HeapProperties;
import heap.api.SingleBufferSettings;
import heap.api.Sizes;
import heap.api.Status;
import heap.api.StatusException;
import heap.api.spi.HeapBuffer;
import heap.api.vmo.Vmo;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;

/**
 * The bookkeeping every heap of this platform shares: argument checks, OnRegister, the parent/child layering
 * (the heap returns a REFERENCE child of a root no handle reaches, and reclaims when that child is released: one
 * {@link HeapBuffer} per buffer, which is also the heap's record), deleteVmo's checks and fence, and the standard
 * {@link HeapMetrics}. A subclass only reserves and frees memory.
 */
public abstract class AbstractHeap implements Heap, HeapMetrics {
    private final String name;
    private final HeapProperties properties;
    private final System.Logger log;
    // Counted per stripe and summed when read. Live buffers and their pages are one packed number, so a free is one
    // atomic add; reclaimed is what was allocated and is not live. Sums of packed numbers are exact (a stripe alone
    // may hold a negative part: a buffer allocated on one thread and freed on another).
    private static final int COUNT_LIVE = 0;
    private static final int COUNT_ALLOCATED = 1;
    private static final int LIVE_SHIFT = 36; // pages below (256 TiB), live buffers above
    private final Counters counters = new Counters(2);
    private final LongAdder allocationsFailed = new LongAdder();

    /**
     * Memory a subclass reserved for one buffer: {@code memory} is null for a CPU-inaccessible buffer of
     * {@code size} bytes. {@link #free()} gives it back and runs exactly once, when the buffer is reclaimed. It is
     * also the heap's record of the buffer and the memory object behind the VMO handed out (a {@link HeapBuffer}):
     * one object per buffer, with no list links (a heap that lists some of its buffers keeps them in a set of its
     * own), found again in deleteVmo from the VMO itself, not in a map.
     */
    protected abstract static class Reservation extends HeapBuffer {
        // Set by hand() before the first handle is made, which publishes them. The heap and the buffer's state in one
        // field, changed by compare-and-set (no lock): the heap while live; a Waiting (the heap and the future
        // deleteVmo returned) while deleteVmo waits for the last use to go; the heap's Reclaimed once freed.
        private volatile Object heapAndState;
        private long collectionId;
        private long index;

        /** INVALID_ARGS unless whole pages, at most {@link HeapBuffer#MAX_BYTES}, and {@code memory} of that size. */
        protected Reservation(MemorySegment memory, long size, OptionalLong physicalAddress) {
            super(memory, size, physicalAddress);
        }

        protected abstract void free();

        /** Called once the buffer is handed out, with the names an operator knows it by. */
        protected void handedOut(long collectionId, long index, long koid) {
        }

        /** The heap that handed it out (set before the buffer is handed out, so always set in {@link #free()}). */
        protected final AbstractHeap heap() {
            Object now = heapAndState;
            return now instanceof AbstractHeap heap ? heap
                    : now instanceof Waiting waiting ? waiting.heap : ((Reclaimed) now).heap;
        }

        /** Released: no handle, mapping or child of the buffer is left; frees the memory. */
        @Override
        protected final void released() {
            free();
            AbstractHeap heap = heap();
            heap.counters.add(COUNT_LIVE, -live(pages()));
            if (STATE.getAndSet(this, heap.reclaimed) instanceof Waiting waiting) {
                waiting.future.complete(null);
            }
            System.Logger log = heap.log;
            if (log.isLoggable(System.Logger.Level.DEBUG)) { // checked first: a message supplier is an object per free
                log.log(System.Logger.Level.DEBUG, "heap " + heap.name + ": reclaimed collection "
                        + Long.toUnsignedString(collectionId) + " index " + Long.toUnsignedString(index) + " ("
                        + size() + " bytes)");
            }
        }

        private CompletionStage<Void> reclaimed() {
            while (true) {
                Object now = heapAndState;
                if (now instanceof Reclaimed) {
                    return RECLAIMED_STAGE;
                }
                if (now instanceof Waiting waiting) {
                    return waiting.future.minimalCompletionStage();
                }
                Waiting waiting = new Waiting((AbstractHeap) now, new CompletableFuture<>());
                if (STATE.compareAndSet(this, now, waiting)) {
                    return waiting.future.minimalCompletionStage();
                }
            }
        }

        /** The reservation behind {@code vmo}, or null. */
        private static Reservation reservationOf(Vmo vmo) {
            return HeapBuffer.of(vmo) instanceof Reservation reservation ? reservation : null;
        }

        private Vmo firstHandleOfBuffer() {
            return handOut();
        }
    }

    /** A buffer's state while deleteVmo waits for its last use to go: rare, so an object of its own. */
    private record Waiting(AbstractHeap heap, CompletableFuture<Void> future) {
    }

    /** A freed buffer's state: one per heap, naming it. */
    private record Reclaimed(AbstractHeap heap) {
    }

    private final Reclaimed reclaimed = new Reclaimed(this);
    private static final java.lang.invoke.VarHandle STATE;

    static {
        try {
            STATE = java.lang.invoke.MethodHandles.lookup().findVarHandle(Reservation.class, "heapAndState",
                    Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final CompletionStage<Void> RECLAIMED_STAGE = CompletableFuture.completedStage(null);

    protected AbstractHeap(String name, HeapProperties properties) {
        this.name = Objects.requireNonNull(name, "name");
        this.properties = Objects.requireNonNull(properties, "properties");
        this.log = System.getLogger("heap." + name);
    }

    /**
     * What a heap component calls itself in its log lines: {@code name}, with {@code #id} after it when its
     * {@link Heap#HEAP_ID} property (set by a factory configuration, one instance per file) is not 0, so the lines
     * of two instances can be told apart.
     */
    protected static String instanceName(String name, Map<String, ?> componentProperties) {
        Object id = componentProperties.get(Heap.HEAP_ID);
        try {
            long number = HeapId.idOf(id);
            return number == 0 ? name : name + "#" + Long.toUnsignedString(number);
        } catch (StatusException e) {
            return name + "#" + id; // the registry refuses such a heap, and says why
        }
    }

    /**
     * Reserves {@code size} bytes (positive, page aligned, already checked).
     *
     * @throws StatusException NO_MEMORY (naming the limit), BAD_STATE, NOT_SUPPORTED…; nothing reserved then
     */
    protected abstract Reservation reserve(long size, SingleBufferSettings settings);

    /** Adds heap-specific metrics to a snapshot. */
    protected void addMetrics(Map<String, Long> metrics) {
    }

    public final String name() {
        return name;
    }

    public final HeapProperties properties() {
        return properties;
    }

    protected final System.Logger log() {
        return log;
    }

    @Override
    public HeapBinding bind(HeapEventListener listener) {
        Objects.requireNonNull(listener, "listener");
        listener.onRegister(properties);
        // The channel closing frees nothing: buffers are reclaimed by ZERO_CHILDREN alone.
        return () -> { };
    }

    @Override
    public final Vmo allocateVmo(long size, SingleBufferSettings settings, long bufferCollectionId, long bufferIndex) {
        try {
            checkAllocation(size, settings);
            return hand(reserve(size, settings), bufferCollectionId, bufferIndex);
        } catch (StatusException e) {
            allocationsFailed.increment();
            log.log(System.Logger.Level.WARNING, () -> "heap " + name + ": allocation of " + Long.toUnsignedString(size)
                    + " bytes for collection " + Long.toUnsignedString(bufferCollectionId) + " index "
                    + Long.toUnsignedString(bufferIndex) + " failed: " + e.getMessage());
            throw e;
        }
    }

    private Vmo hand(Reservation reservation, long collectionId, long index) {
        STATE.set(reservation, this); // a plain store: making the first handle publishes it
        reservation.collectionId = collectionId;
        reservation.index = index;
        // The reservation is the VMO's object: its release (when no handle, mapping or child is left) frees it.
        Vmo child;
        try {
            child = reservation.firstHandleOfBuffer();
        } catch (RuntimeException | Error e) {
            reservation.free(); // no VMO reaches it: give it back now
            throw e;
        }
        counters.add(COUNT_LIVE, live(reservation.pages()), COUNT_ALLOCATED, 1);
        try {
            reservation.handedOut(collectionId, index, child.koid());
        } catch (RuntimeException | Error e) {
            child.close(); // the root goes with its only child: the reservation's callback frees it, once
            throw e;
        }
        return child;
    }

    @Override
    public final CompletionStage<Void> deleteVmo(long bufferCollectionId, long bufferIndex, Vmo vmo) {
        if (vmo == null) {
            throw new StatusException(Status.INVALID_ARGS, "deleteVmo needs the VMO, got null");
        }
        if (vmo.isClosed()) {
            throw new StatusException(Status.BAD_HANDLE, "deleteVmo got a closed handle to VMO koid " + vmo.koid());
        }
        // An open handle to the child keeps the root alive: a buffer found here is not reclaimed yet.
        Reservation buffer = Reservation.reservationOf(vmo);
        if (buffer == null || buffer.heap() != this) {
            throw new StatusException(Status.NOT_FOUND, "VMO koid " + vmo.koid() + " was not allocated by heap " + name
                    + " (or is already reclaimed)");
        }
        if (buffer.collectionId != bufferCollectionId || buffer.index != bufferIndex) {
            throw new StatusException(Status.INVALID_ARGS, "VMO koid " + vmo.koid() + " is collection "
                    + Long.toUnsignedString(buffer.collectionId) + " index " + Long.toUnsignedString(buffer.index)
                    + ", not collection " + Long.toUnsignedString(bufferCollectionId) + " index "
                    + Long.toUnsignedString(bufferIndex));
        }
        vmo.close();
        return buffer.reclaimed();
    }

    @Override
    public Map<String, Long> metrics() {
        Map<String, Long> metrics = new LinkedHashMap<>();
        // Allocations first: one made between the two reads shows as live and holds reclaimed back a moment, where
        // the other order would show it reclaimed before it was.
        long allocated = counters.sum(COUNT_ALLOCATED);
        long live = counters.sum(COUNT_LIVE);
        long liveBuffers = live >>> LIVE_SHIFT;
        long reclaimed = Math.max(0, allocated - liveBuffers);
        metrics.put(LIVE_BUFFERS, liveBuffers);
        metrics.put(USED_SIZE, (live & ((1L << LIVE_SHIFT) - 1)) * Sizes.PAGE_SIZE);
        metrics.put(ALLOCATIONS, allocated);
        metrics.put(ALLOCATIONS_FAILED, allocationsFailed.sum());
        metrics.put(RECLAIMED, reclaimed);
        addMetrics(metrics);
        return metrics;
    }

    /** One live buffer of {@code pages} pages as a packed count. */
    private static long live(int pages) {
        return (1L << LIVE_SHIFT) | pages;
    }

    private static void checkAllocation(long size, SingleBufferSettings settings) {
        if (settings == null) {
            throw new StatusException(Status.INVALID_ARGS, "settings are null");
        }
        Sizes.requireNonNegative("size", size);
        if (size == 0) {
            throw new StatusException(Status.INVALID_ARGS, "size is 0");
        }
        if (!Sizes.isPageAligned(size)) {
            throw new StatusException(Status.INVALID_ARGS, "size " + size + " is not a multiple of the page size "
                    + Sizes.PAGE_SIZE + " (the caller rounds up)");
        }
        if (size > HeapBuffer.MAX_BYTES) { // a buffer's pages are counted in an int
            throw new StatusException(Status.OUT_OF_RANGE, "size " + size + " is above " + HeapBuffer.MAX_BYTES
                    + " bytes, the largest buffer a heap of this platform hands out");
        }
    }

    @Override
    public String toString() {
        return "heap " + name;
    }
}
