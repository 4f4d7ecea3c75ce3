package heap.example;

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
import heap.api.spi.BundleClasses;
import heap.api.spi.Vmos;
import heap.api.vmo.Vmo;
import java.lang.foreign.Arena;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** A bounded heap of zeroed off-heap memory, written against heap.api alone. */
@Component(configurationPid = "heap.example", service = {Heap.class, HeapMetrics.class},
        property = {Heap.HEAP_TYPE + "=" + ExampleHeap.HEAP_TYPE, Heap.HEAP_ID + ":Long=0"})
@Designate(ocd = ExampleHeap.Config.class)
public class ExampleHeap implements Heap, HeapMetrics {
    public static final String HEAP_TYPE = "example.heap.BOUNDED";
    static final HeapProperties PROPERTIES = new HeapProperties(new CoherencyDomainSupport(true, true, false), false, false);

    @ObjectClassDefinition(name = "Example heap")
    public @interface Config {
        long capacity_bytes() default 16L << 20;
    }

    private record Buffer(long collectionId, long index, long childKoid, CompletableFuture<Void> reclaimed) {
    }

    private final long capacity;
    private final Map<Long, Buffer> buffersByParentKoid = new ConcurrentHashMap<>();
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong allocations = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong reclaimed = new AtomicLong();

    @Activate
    public ExampleHeap(Config config, BundleContext context) {
        this(config.capacity_bytes());
        BundleClasses.loadAll(context.getBundle()); // after an update, this instance still frees with them
        System.getLogger("example.heap").log(System.Logger.Level.INFO, "example heap: " + capacity + " bytes, ready");
    }

    public ExampleHeap(long capacity) {
        if (capacity <= 0 || !Sizes.isPageAligned(capacity)) {
            throw new IllegalArgumentException("capacity.bytes " + capacity + " is not a positive multiple of "
                    + Sizes.PAGE_SIZE);
        }
        this.capacity = capacity;
    }

    @Override
    public HeapBinding bind(HeapEventListener listener) {
        listener.onRegister(PROPERTIES); // exactly once, before bind returns
        return () -> { }; // the channel closing frees nothing
    }

    @Override
    public Vmo allocateVmo(long size, SingleBufferSettings settings, long collectionId, long index) {
        if (settings == null || size == 0 || (size > 0 && !Sizes.isPageAligned(size))) {
            throw refuse(Status.INVALID_ARGS, "size " + size + " must be a positive multiple of a page, settings set");
        }
        Sizes.requireNonNegative("size", size);
        if (used.addAndGet(size) > capacity) {
            used.addAndGet(-size);
            throw refuse(Status.NO_MEMORY, size + " bytes do not fit in the " + capacity + " bytes of " + HEAP_TYPE);
        }
        Arena arena = Arena.ofShared(); // simple, not fast: closing it handshakes every thread
        CompletableFuture<Void> done = new CompletableFuture<>();
        long[] parentKoid = new long[1];
        Vmo parent = Vmos.root(arena.allocate(size, Sizes.PAGE_SIZE), () -> {
            arena.close();
            buffersByParentKoid.remove(parentKoid[0]);
            used.addAndGet(-size);
            reclaimed.incrementAndGet();
            done.complete(null);
        });
        parentKoid[0] = parent.koid();
        Vmo child = parent.createReference();
        buffersByParentKoid.put(parent.koid(), new Buffer(collectionId, index, child.koid(), done));
        parent.onZeroChildren(parent::close); // reclaim when every client handle is gone
        allocations.incrementAndGet();
        return child;
    }

    @Override
    public CompletionStage<Void> deleteVmo(long collectionId, long index, Vmo vmo) {
        if (vmo == null || vmo.isClosed()) {
            throw new StatusException(vmo == null ? Status.INVALID_ARGS : Status.BAD_HANDLE, "deleteVmo needs an open VMO");
        }
        Buffer buffer = buffersByParentKoid.get(vmo.parentKoid());
        if (buffer == null || buffer.childKoid() != vmo.koid()) {
            throw new StatusException(Status.NOT_FOUND, "VMO koid " + vmo.koid() + " is not from " + HEAP_TYPE);
        }
        if (buffer.collectionId() != collectionId || buffer.index() != index) {
            throw new StatusException(Status.INVALID_ARGS, "VMO koid " + vmo.koid() + " is not collection "
                    + Long.toUnsignedString(collectionId) + " index " + Long.toUnsignedString(index));
        }
        vmo.close();
        return buffer.reclaimed();
    }

    @Override
    public Map<String, Long> metrics() {
        return Map.of(LIVE_BUFFERS, (long) buffersByParentKoid.size(), USED_SIZE, used.get(), CAPACITY, capacity,
                ALLOCATIONS, allocations.get(), ALLOCATIONS_FAILED, failed.get(), RECLAIMED, reclaimed.get());
    }

    private StatusException refuse(Status status, String message) {
        failed.incrementAndGet();
        return new StatusException(status, message);
    }
}
