package heap.registry;

import heap.api.vmo.Vmo;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** One buffer: the VMO its heap returned (the registry's layer), where it belongs, and whom it is counted against. */
final class RegistryBuffer implements Runnable {
    private final HeapRegistry registry;
    final HeapEntry heap;
    final RegistryCollection collection;
    final int index;
    final Vmo heapVmo;
    private volatile boolean deleting; // set once, by DELETING's compare-and-set: no AtomicBoolean per buffer
    private volatile Account.Usage usage; // swapped by USAGE's atomic operations, no lock; null once deleted

    RegistryBuffer(HeapRegistry registry, HeapEntry heap, RegistryCollection collection, int index, Vmo heapVmo,
            Account.Usage usage) {
        this.registry = registry;
        this.heap = heap;
        this.collection = collection;
        this.index = index;
        this.heapVmo = heapVmo;
        USAGE.set(this, usage); // a plain store: no fence per buffer; attaching the buffer publishes it
    }

    private static final VarHandle DELETING;
    private static final VarHandle USAGE;

    static {
        try {
            DELETING = MethodHandles.lookup().findVarHandle(RegistryBuffer.class, "deleting", boolean.class);
            USAGE = MethodHandles.lookup().findVarHandle(RegistryBuffer.class, "usage", Account.Usage.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** ZERO_CHILDREN on the heap's VMO: no client handle is left. The buffer is its own listener: no lambda per buffer. */
    @Override
    public void run() {
        registry.deleteOnce(this);
    }

    /** True for the one caller that starts deleting the buffer; false for every later one. */
    boolean startDeleting() {
        return DELETING.compareAndSet(this, false, true);
    }

    boolean isDeleting() {
        return deleting;
    }

    /** The buffer went back to its heap (or was lost): it no longer counts against anyone. */
    void uncharge() {
        Account.Usage was = (Account.Usage) USAGE.getAndSet(this, null);
        if (was != null) {
            was.account.freed(was, heapVmo.size());
        }
    }

    /** Another bundle adopted a handle of the buffer: it counts against that bundle from now on. */
    void chargeTo(Account.Usage next) {
        while (true) {
            Account.Usage current = usage;
            if (current == null || current == next) {
                return;
            }
            if (USAGE.compareAndSet(this, current, next)) {
                current.account.handedOver(current, heapVmo.size());
                next.account.adopted(next, heapVmo.size());
                return;
            }
        }
    }
}
