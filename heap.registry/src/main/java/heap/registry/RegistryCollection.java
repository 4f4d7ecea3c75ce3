package heap.registry;

import heap.api.SingleBufferSettings;
import heap.api.allocator.BufferCollection;
import heap.api.allocator.CollectionSummary;
import heap.api.vmo.Vmo;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A collection handed to a client, and the lifetime tracking attached to it. */
final class RegistryCollection implements BufferCollection {
    private record Tracker(int buffersRemaining, CompletableFuture<Void> signal) {
    }

    private final long id;
    private final SingleBufferSettings settings;
    private final int bufferCount;
    private List<Tracker> trackers = List.of(); // a real list only once someone tracks this collection
    private List<Vmo> buffers = List.of();
    private int notReclaimed;

    RegistryCollection(long id, SingleBufferSettings settings, int bufferCount) {
        this.id = id;
        this.settings = settings;
        this.bufferCount = bufferCount;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public SingleBufferSettings settings() {
        return settings;
    }

    @Override
    public synchronized List<Vmo> buffers() {
        return buffers;
    }

    @Override
    public void close() {
        buffers().forEach(Vmo::close);
    }

    synchronized void handOut(List<Vmo> clientVmos) {
        buffers = List.copyOf(clientVmos);
    }

    synchronized void bufferAllocated() {
        notReclaimed++;
    }

    /** One buffer's deleteVmo was answered; true when none is left. */
    boolean bufferReclaimed() {
        List<CompletableFuture<Void>> due = new ArrayList<>(0);
        boolean none;
        synchronized (this) {
            notReclaimed--;
            for (var iterator = trackers.iterator(); iterator.hasNext(); ) {
                Tracker tracker = iterator.next();
                if (notReclaimed <= tracker.buffersRemaining()) {
                    due.add(tracker.signal());
                    iterator.remove();
                }
            }
            none = notReclaimed == 0;
        }
        due.forEach(signal -> signal.complete(null));
        return none;
    }

    synchronized CompletionStage<Void> track(int buffersRemaining) {
        if (notReclaimed <= buffersRemaining) {
            return CompletableFuture.completedStage(null);
        }
        CompletableFuture<Void> signal = new CompletableFuture<>();
        if (trackers.isEmpty()) {
            trackers = new ArrayList<>(1);
        }
        trackers.add(new Tracker(buffersRemaining, signal));
        return signal.minimalCompletionStage();
    }

    synchronized CollectionSummary summary() {
        return new CollectionSummary(id, settings, bufferCount, notReclaimed);
    }

    @Override
    public String toString() {
        return "collection " + id;
    }
}
