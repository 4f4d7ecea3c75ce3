package heap.registry;

import heap.api.SingleBufferSettings;
import heap.api.allocator.BufferCollection;
import heap.api.vmo.Vmo;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A weak participant's buffers, with their close_weak_asap signals. */
record WeakCollection(BufferCollection handles, CompletableFuture<Void>[] signals) implements BufferCollection {
    /** What a weak VMO carries for the registry: its buffer, and the buffer's close_weak_asap for getVmoInfo. */
    record Handout(RegistryBuffer buffer, CompletableFuture<Void> closeWeakAsap) {
    }

    @Override
    public long id() {
        return handles.id();
    }

    @Override
    public SingleBufferSettings settings() {
        return handles.settings();
    }

    @Override
    public List<Vmo> buffers() {
        return handles.buffers();
    }

    @Override
    public Optional<CompletionStage<Void>> closeWeakAsap(int index) {
        Objects.checkIndex(index, signals.length);
        return Optional.of(signals[index].minimalCompletionStage());
    }

    @Override
    public void close() {
        handles.close();
    }

    @Override
    public String toString() {
        return handles + " (weak)";
    }
}
