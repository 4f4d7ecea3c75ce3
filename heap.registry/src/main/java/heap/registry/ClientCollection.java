package heap.registry;

import heap.api.SingleBufferSettings;
import heap.api.allocator.BufferCollection;
import heap.api.spi.Vmos;
import heap.api.vmo.Vmo;
import java.lang.ref.Cleaner;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What a client holds: its handles to the collection's buffers. A {@link Watched} one (as the leak detection level
 * picks) is reported when dropped without close.
 */
sealed class ClientCollection implements BufferCollection permits ClientCollection.Watched {
    final RegistryCollection record;
    private final Object buffers; // the one buffer's handle, or the list of them: no list kept for one buffer

    /** {@code buffers}: the one buffer's handle, or a list of handles. */
    static ClientCollection of(RegistryCollection record, Object buffers) {
        Object stored = buffers instanceof List<?> list && list.size() == 1 ? list.getFirst()
                : buffers instanceof List<?> list ? List.copyOf(list) : buffers; // an unmodifiable list: no copy
        return Vmos.watchForLeak() ? new Watched(record, stored) : new ClientCollection(record, stored);
    }

    private ClientCollection(RegistryCollection record, Object buffers) {
        this.record = record;
        this.buffers = buffers;
    }

    /** A collection the leak detector watches; the fields for it only here. */
    static final class Watched extends ClientCollection {
        private final AtomicBoolean closed = new AtomicBoolean(); // the leak report reads it
        private final Cleaner.Cleanable cleanable;

        private Watched(RegistryCollection record, Object buffers) {
            super(record, buffers);
            this.cleanable = Vmos.watch(this, leakReport(closed, record, buffers instanceof List<?> list ? list.size() : 1));
        }

        @Override
        public void close() {
            super.close();
            closed.set(true);
            cleanable.clean();
        }
    }

    /** What runs if the collection is dropped open; it must not reach the collection. */
    private static Runnable leakReport(AtomicBoolean closed, RegistryCollection record, int count) {
        HeapEntry heap = record.heap; // named only if the collection leaks: no string built per allocation
        long id = record.id();
        long bytes = record.settings().bufferSettings().sizeBytes();
        return () -> {
            if (!closed.get()) {
                HeapRegistry.LOG.log(System.Logger.Level.WARNING, "collection " + id + " (" + count + " x " + bytes
                        + " bytes on " + heap + ") was dropped without close; its buffers go back as the garbage "
                        + "collector closes their handles");
            }
        };
    }

    @Override
    public long id() {
        return record.id();
    }

    @Override
    public SingleBufferSettings settings() {
        return record.settings();
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<Vmo> buffers() {
        return buffers instanceof Vmo only ? List.of(only) : (List<Vmo>) buffers;
    }

    @Override
    public void close() {
        if (buffers instanceof Vmo only) {
            only.close();
        } else {
            for (Vmo buffer : buffers()) {
                buffer.close();
            }
        }
    }

    @Override
    public String toString() {
        return "collection " + record.id();
    }
}
