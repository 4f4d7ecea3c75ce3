package heap.registry;

import heap.api.vmo.Vmo;
import java.util.concurrent.atomic.AtomicBoolean;

/** One buffer: the VMO its heap returned (the registry's layer) and where it belongs. */
final class RegistryBuffer {
    final HeapEntry heap;
    final RegistryCollection collection;
    final int index;
    final Vmo heapVmo;
    final AtomicBoolean deleting = new AtomicBoolean();
    volatile long clientKoid;

    RegistryBuffer(HeapEntry heap, RegistryCollection collection, int index, Vmo heapVmo) {
        this.heap = heap;
        this.collection = collection;
        this.index = index;
        this.heapVmo = heapVmo;
    }
}
