package heap.registry;

import heap.api.vmo.Vmo;
import java.util.concurrent.atomic.AtomicBoolean;

/** One buffer: the VMO its heap returned (the registry's layer), where it belongs, and whom it is counted against. */
final class RegistryBuffer {
    final HeapEntry heap;
    final RegistryCollection collection;
    final int index;
    final Vmo heapVmo;
    final AtomicBoolean deleting = new AtomicBoolean();
    private Account.Usage usage; // guarded by this; null once the buffer is deleted

    RegistryBuffer(HeapEntry heap, RegistryCollection collection, int index, Vmo heapVmo, Account.Usage usage) {
        this.heap = heap;
        this.collection = collection;
        this.index = index;
        this.heapVmo = heapVmo;
        this.usage = usage;
    }

    /** The buffer went back to its heap (or was lost): it no longer counts against anyone. */
    synchronized void uncharge() {
        if (usage != null) {
            usage.account.freed(usage, heapVmo.size());
            usage = null;
        }
    }

    /** Another bundle adopted a handle of the buffer: it counts against that bundle from now on. */
    synchronized void chargeTo(Account.Usage next) {
        if (usage != null && usage != next) {
            usage.account.handedOver(usage, heapVmo.size());
            next.account.adopted(next, heapVmo.size());
            usage = next;
        }
    }
}
