package heap.itest.lateclasses;

import heap.api.CoherencyDomainSupport;
import heap.api.Heap;
import heap.api.HeapBinding;
import heap.api.HeapEventListener;
import heap.api.HeapMetrics;
import heap.api.HeapProperties;
import heap.api.SingleBufferSettings;
import heap.api.Sizes;
import heap.api.spi.Vmos;
import heap.api.vmo.Vmo;
import java.lang.foreign.Arena;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * A fault to inject, packed into a bundle of its own by the test: a heap whose free path needs a class it loads
 * only then, and which does not call {@code BundleClasses.loadAll}. After an update of its bundle its old instance
 * cannot free what it gave out.
 */
public final class LateClassesHeap implements Heap, HeapMetrics, BundleActivator {
    public static final String TYPE = "itest.heap.LATE_CLASSES";

    private final AtomicLong used = new AtomicLong();
    private final AtomicLong live = new AtomicLong();
    private final AtomicLong reclaimed = new AtomicLong();

    /** Loaded first when a buffer is freed. */
    private record Freed(long bytes) {
    }

    @Override
    public void start(BundleContext context) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(HEAP_TYPE, TYPE);
        properties.put(HEAP_ID, 0L);
        context.registerService(new String[] {Heap.class.getName(), HeapMetrics.class.getName()}, this, properties);
    }

    @Override
    public void stop(BundleContext context) {
    }

    @Override
    public HeapBinding bind(HeapEventListener listener) {
        listener.onRegister(new HeapProperties(new CoherencyDomainSupport(true, true, false), false, false));
        return () -> { };
    }

    @Override
    public Vmo allocateVmo(long size, SingleBufferSettings settings, long collectionId, long index) {
        Arena arena = Arena.ofShared();
        CompletableFuture<Void> freed = new CompletableFuture<>();
        used.addAndGet(size);
        live.incrementAndGet();
        Vmo root = Vmos.root(arena.allocate(size, Sizes.PAGE_SIZE), () -> {
            used.addAndGet(-new Freed(size).bytes());
            live.decrementAndGet();
            reclaimed.incrementAndGet();
            arena.close();
            freed.complete(null);
        });
        Vmo child = root.createReference();
        Vmos.attach(child, this, freed);
        root.onZeroChildren(root::close);
        return child;
    }

    @Override
    @SuppressWarnings("unchecked")
    public CompletionStage<Void> deleteVmo(long collectionId, long index, Vmo vmo) {
        CompletableFuture<Void> freed = (CompletableFuture<Void>) Vmos.attachment(vmo, this);
        vmo.close();
        return freed;
    }

    @Override
    public Map<String, Long> metrics() {
        return Map.of(USED_SIZE, used.get(), LIVE_BUFFERS, live.get(), RECLAIMED, reclaimed.get(), ALLOCATIONS, 0L,
                ALLOCATIONS_FAILED, 0L);
    }
}
