package heap.registry;

import heap.api.vmo.Vmo;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** One buffer: the VMO its heap returned (the registry's layer), where it belongs, and whom it is counted against. */
final class RegistryBuffer implements Runnable {
    private final HeapRegistry registry;
    final RegistryCollection collection;
    final int index;
    final Vmo heapVmo;
    // Whom the buffer is charged to; swapped by USAGE's atomic operations, no lock. Taken (null) once, by the one
    // caller that starts deleting it: the charge ends as the buffer goes back, and no second flag is needed.
    private volatile Account.Usage usage;

    RegistryBuffer(HeapRegistry registry, RegistryCollection collection, int index, Vmo heapVmo, Account.Usage usage) {
        this.registry = registry;
        this.collection = collection;
        this.index = index;
        this.heapVmo = heapVmo;
        USAGE.set(this, usage); // a plain store: no fence per buffer; attaching the buffer publishes it
    }

    private static final VarHandle USAGE;

    static {
        try {
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

    HeapEntry heap() {
        return collection.heap;
    }

    /**
     * True for the one caller that starts deleting the buffer, which also ends its charge (it no longer counts
     * against anyone); false for every later one.
     */
    boolean startDeleting() {
        Account.Usage was = (Account.Usage) USAGE.getAndSet(this, null);
        if (was == null) {
            return false;
        }
        was.account.freed(was, chargedBytes());
        return true;
    }

    boolean isDeleting() {
        return usage == null;
    }

    /** What the buffer was charged at: its collection's VMO size, not the heap's VMO's (a heap may round it up). */
    private long chargedBytes() {
        return collection.settings().bufferSettings().rawVmoSize();
    }

    /** Another bundle adopted a handle of the buffer: it counts against that bundle from now on. */
    void chargeTo(Account.Usage next) {
        while (true) {
            Account.Usage current = usage;
            if (current == null || current == next) {
                return;
            }
            if (USAGE.compareAndSet(this, current, next)) {
                current.account.handedOver(current, chargedBytes());
                next.account.adopted(next, chargedBytes());
                return;
            }
        }
    }
}
