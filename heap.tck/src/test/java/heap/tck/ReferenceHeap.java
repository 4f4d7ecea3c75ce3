package heap.tck;

import heap.api.CoherencyDomainSupport;
import heap.api.Heap;
import heap.api.HeapBinding;
import heap.api.HeapEventListener;
import heap.api.HeapMetrics;
import heap.api.HeapProperties;
import heap.api.SingleBufferSettings;
import heap.api.Sizes;
import heap.api.Status;
import heap.api.StatusException;
import heap.api.spi.Vmos;
import heap.api.vmo.Vmo;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small bounded heap that follows the contract, or breaks exactly one rule of it, so the kit's own tests can
 * show that every check bites. Memory comes from a recycled list of segments (zeroed on reuse when honest).
 */
final class ReferenceHeap implements Heap, HeapMetrics {
    enum Breakage {
        NONE, SENDS_ON_REGISTER_TWICE, RETURNS_DIRTY_MEMORY, RETURNS_SHORT_VMO, TRUNCATES_INDEX,
        COMPLETES_DELETE_EARLY, KEEPS_A_HANDLE, FREES_ON_UNBIND, IGNORES_IDS_ON_DELETE,
        CARVES_FROM_A_LARGER_LIVE_BUFFER, REPORTS_ONE_PHYSICAL_ADDRESS
    }

    private static final long ONE_ADDRESS = 0x1000_0000L;

    private record Buffer(long collectionId, long index, long childKoid, long size, MemorySegment memory, Vmo root,
            Vmo retained, CompletableFuture<Void> reclaimed) {
    }

    private final Breakage breakage;
    private final long capacity;
    private final Arena arena = Arena.ofShared();
    private final Deque<MemorySegment> recycled = new ArrayDeque<>();
    private final Map<Long, Buffer> buffers = new ConcurrentHashMap<>();
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong allocations = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong reclaimed = new AtomicLong();

    ReferenceHeap(Breakage breakage, long capacity) {
        this.breakage = breakage;
        this.capacity = capacity;
    }

    @Override
    public HeapBinding bind(HeapEventListener listener) {
        HeapProperties properties = new HeapProperties(CoherencyDomainSupport.ALL, false, false);
        listener.onRegister(properties);
        if (breakage == Breakage.SENDS_ON_REGISTER_TWICE) {
            listener.onRegister(properties);
        }
        return () -> {
            if (breakage == Breakage.FREES_ON_UNBIND) {
                buffers.values().forEach(buffer -> release(buffer.size(), null, buffer));
            }
        };
    }

    @Override
    public Vmo allocateVmo(long size, SingleBufferSettings settings, long collectionId, long index) {
        if (settings == null) {
            throw fail(Status.INVALID_ARGS, "settings are null");
        }
        if (size < 0) {
            throw fail(Status.OUT_OF_RANGE, "size " + Long.toUnsignedString(size) + " is above Long.MAX_VALUE");
        }
        if (size == 0 || !Sizes.isPageAligned(size)) {
            throw fail(Status.INVALID_ARGS, "size " + size + " is zero or not page aligned");
        }
        if (size > capacity - used.get()) {
            throw fail(Status.NO_MEMORY, size + " bytes do not fit: " + (capacity - used.get()) + " of " + capacity + " free");
        }
        used.addAndGet(size);
        MemorySegment memory = take(size);
        // What the VMO shows: its own memory, or (broken) a part of a larger buffer still live; the address of it.
        MemorySegment shown = breakage == Breakage.CARVES_FROM_A_LARGER_LIVE_BUFFER ? buffers.values().stream()
                .filter(live -> live.size() > size).findFirst().map(live -> live.memory().asSlice(0, size)).orElse(memory)
                : memory;
        OptionalLong address = OptionalLong.of(breakage == Breakage.REPORTS_ONE_PHYSICAL_ADDRESS ? ONE_ADDRESS
                : shown.address());
        CompletableFuture<Void> done = new CompletableFuture<>();
        Buffer[] self = new Buffer[1];
        Vmo root = Vmos.root(shown, address, () -> release(size, memory, self[0]));
        Vmo child = breakage == Breakage.RETURNS_SHORT_VMO && size > Sizes.PAGE_SIZE
                ? root.createSlice(0, size - Sizes.PAGE_SIZE) : root.createReference();
        long keptIndex = breakage == Breakage.TRUNCATES_INDEX ? (int) index : index;
        Vmo retained = breakage == Breakage.KEEPS_A_HANDLE ? child.duplicate() : null;
        self[0] = new Buffer(collectionId, keptIndex, child.koid(), size, memory, root, retained, done);
        buffers.put(root.koid(), self[0]);
        root.onZeroChildren(root::close);
        allocations.incrementAndGet();
        return child;
    }

    @Override
    public CompletionStage<Void> deleteVmo(long collectionId, long index, Vmo vmo) {
        if (vmo == null) {
            throw new StatusException(Status.INVALID_ARGS, "vmo is null");
        }
        if (vmo.isClosed()) {
            throw new StatusException(Status.BAD_HANDLE, "handle to koid " + vmo.koid() + " is closed");
        }
        Buffer buffer = buffers.get(vmo.parentKoid());
        if (buffer == null || buffer.childKoid() != vmo.koid()) {
            throw new StatusException(Status.NOT_FOUND, "VMO koid " + vmo.koid() + " is not from this heap");
        }
        if (breakage != Breakage.IGNORES_IDS_ON_DELETE
                && (buffer.collectionId() != collectionId || buffer.index() != index)) {
            throw new StatusException(Status.INVALID_ARGS, "VMO koid " + vmo.koid() + " is not collection "
                    + collectionId + " index " + index);
        }
        if (breakage == Breakage.COMPLETES_DELETE_EARLY) {
            CompletableFuture.delayedExecutor(5, java.util.concurrent.TimeUnit.MILLISECONDS).execute(() -> {
                vmo.close();
                if (buffer.retained() != null) {
                    buffer.retained().close();
                }
            });
            return CompletableFuture.completedFuture(null);
        }
        vmo.close();
        if (buffer.retained() != null) {
            buffer.retained().close();
        }
        return buffer.reclaimed();
    }

    @Override
    public Map<String, Long> metrics() {
        return Map.of(LIVE_BUFFERS, (long) buffers.size(), USED_SIZE, used.get(), CAPACITY, capacity,
                ALLOCATIONS, allocations.get(), ALLOCATIONS_FAILED, failed.get(), RECLAIMED, reclaimed.get());
    }

    private StatusException fail(Status status, String message) {
        failed.incrementAndGet();
        return new StatusException(status, message);
    }

    private synchronized MemorySegment take(long size) {
        for (MemorySegment candidate : recycled) {
            if (candidate.byteSize() == size) {
                recycled.remove(candidate);
                return breakage == Breakage.RETURNS_DIRTY_MEMORY ? candidate : candidate.fill((byte) 0);
            }
        }
        return arena.allocate(size, Sizes.PAGE_SIZE);
    }

    private void release(long size, MemorySegment memory, Buffer buffer) {
        if (buffer == null || buffers.remove(buffer.root().koid()) == null) {
            return; // already freed on unbind (the broken heap): the memory was already given back
        }
        used.addAndGet(-size);
        reclaimed.incrementAndGet();
        synchronized (this) {
            if (memory != null) {
                recycled.push(memory);
            }
        }
        buffer.reclaimed().complete(null);
    }
}
