package heap.registry;

import heap.api.SingleBufferSettings;
import heap.api.allocator.BufferCollection;
import heap.api.spi.Vmos;
import heap.api.vmo.Vmo;
import java.lang.ref.Cleaner;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/** What a client holds: its handles to the collection's buffers. Dropped without close, it is reported. */
final class ClientCollection implements BufferCollection {
    final HeapRegistry registry;
    final RegistryCollection record;
    private final Object buffers; // the one buffer's handle, or the list of them: no list kept for one buffer
    private final AtomicBoolean closed; // only for a watched collection: the leak report reads it
    private final Cleaner.Cleanable cleanable; // null when the leak detection level does not watch this one

    ClientCollection(HeapRegistry registry, RegistryCollection record, List<Vmo> buffers) {
        this.registry = registry;
        this.record = record;
        this.buffers = buffers.size() == 1 ? buffers.getFirst() : List.copyOf(buffers); // an unmodifiable list: no copy
        if (Vmos.watchForLeak()) {
            this.closed = new AtomicBoolean();
            this.cleanable = Vmos.watch(this, leakReport(closed, record, buffers.size()));
        } else {
            this.closed = null;
            this.cleanable = null;
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
        if (cleanable != null) {
            closed.set(true);
            cleanable.clean();
        }
    }

    @Override
    public String toString() {
        return "collection " + record.id();
    }
}
