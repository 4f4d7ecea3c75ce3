package heap.registry;

import heap.api.vmo.Vmo;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One buffer the registry handed out: the VMO its heap returned (the registry's layer), where it belongs, and whom
 * it is counted against. It is the ZERO_CHILDREN listener on the heap's VMO and what is attached to the client's
 * handles. A collection is its own buffer 0 (a collection of one buffer is one record); {@link Further} is each
 * buffer after it.
 */
sealed interface RegistryBuffer extends Runnable permits RegistryCollection, RegistryBuffer.Further {
    RegistryCollection collection();

    int index();

    Vmo heapVmo();

    /**
     * Takes the buffer's charge: a {@code usage} field swapped by atomic operations (each class its own, through a
     * constant VarHandle), no lock, taken (null) once. Returns the share it was charged to for the one caller that
     * starts deleting the buffer, which ends the charge as the buffer goes back (no flag needed); null for every
     * later caller.
     */
    Account.Usage startDeleting();

    boolean isDeleting();

    /** Another bundle adopted a handle of the buffer: it counts against that bundle from now on. */
    void chargeTo(Account.Usage next);

    default HeapEntry heap() {
        return collection().heap;
    }

    /** ZERO_CHILDREN on the heap's VMO: no client handle is left. The buffer is its own listener: no lambda per buffer. */
    @Override
    default void run() {
        heap().registry.deleteOnce(this);
    }

    /** What a buffer is charged at: its collection's VMO size, not the heap's VMO's (a heap may round it up). */
    static long chargedBytes(RegistryBuffer buffer) {
        return buffer.collection().settings().bufferSettings().rawVmoSize();
    }

    /**
     * Moves the buffer's charge to {@code next} (an adoption) through its record's {@code usage} field. Adoptions are
     * rare: a VarHandle passed as an argument costs nothing that matters here, where the delete path's must be constant.
     */
    static void moveCharge(VarHandle usage, RegistryBuffer buffer, Account.Usage next) {
        for (Account.Usage current = (Account.Usage) usage.getVolatile(buffer); current != null && current != next;
                current = (Account.Usage) usage.getVolatile(buffer)) {
            if (usage.compareAndSet(buffer, current, next)) {
                current.account.handedOver(current, chargedBytes(buffer));
                next.account.adopted(next, chargedBytes(buffer));
                return;
            }
        }
    }

    /** Buffer 1 and after of a collection. */
    final class Further implements RegistryBuffer {
        private final RegistryCollection collection;
        private final int index;
        private final Vmo heapVmo;
        private volatile Account.Usage usage;

        private static final VarHandle USAGE;

        static {
            try {
                USAGE = MethodHandles.lookup().findVarHandle(Further.class, "usage", Account.Usage.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        Further(RegistryCollection collection, int index, Vmo heapVmo, Account.Usage usage) {
            this.collection = collection;
            this.index = index;
            this.heapVmo = heapVmo;
            USAGE.set(this, usage); // a plain store: no fence per buffer; attaching the buffer publishes it
        }

        @Override
        public RegistryCollection collection() {
            return collection;
        }

        @Override
        public int index() {
            return index;
        }

        @Override
        public Vmo heapVmo() {
            return heapVmo;
        }

        @Override
        public Account.Usage startDeleting() {
            return (Account.Usage) USAGE.getAndSet(this, null);
        }

        @Override
        public boolean isDeleting() {
            return usage == null;
        }

        @Override
        public void chargeTo(Account.Usage next) {
            moveCharge(USAGE, this, next);
        }
    }
}
