package heap.registry;

import heap.api.HeapId;
import heap.api.SingleBufferSettings;
import heap.api.allocator.CollectionSummary;
import heap.memory.LiveSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The registry's record of a collection: reclamation counts and lifetime tracking. It never holds the client's
 * handles, so a collection its client drops is found by the leak detector like any dropped handle.
 */
final class RegistryCollection extends LiveSet.Member {
    private record Tracker(int buffersRemaining, CompletableFuture<Void> signal) {
    }

    private final long id;
    private final SingleBufferSettings settings;
    private final int bufferCount;
    private final Account owner;
    private final HeapId servedBy;
    final HeapEntry heap;
    private int lost;
    private int tracked;
    private List<Tracker> trackers = List.of(); // a real list only once someone tracks this collection
    private int notReclaimed;

    RegistryCollection(long id, SingleBufferSettings settings, int bufferCount, Account owner, HeapEntry heap) {
        this.id = id;
        this.settings = settings;
        this.bufferCount = bufferCount;
        this.owner = owner;
        this.servedBy = heap.id;
        this.heap = heap;
    }

    /** A buffer's heap never answered deleteVmo: it stays not reclaimed, and is shown as lost. */
    synchronized void bufferLost() {
        lost++;
    }

    /** Nothing is left but lost buffers: once their heap is gone, nothing will ever reclaim them. */
    synchronized boolean onlyLostLeft() {
        return notReclaimed == lost;
    }

    long id() {
        return id;
    }

    SingleBufferSettings settings() {
        return settings;
    }

    int bufferCount() {
        return bufferCount;
    }

    synchronized void bufferAllocated() {
        notReclaimed++;
        tracked++;
    }

    /** Buffers a heap handed out for this collection so far, deleted or not. */
    synchronized int buffersTracked() {
        return tracked;
    }

    /** One buffer's deleteVmo was answered; true when none is left. */
    boolean bufferReclaimed() {
        List<CompletableFuture<Void>> due = null; // made only when a tracker is due: most collections have none
        boolean none;
        synchronized (this) {
            notReclaimed--;
            for (var iterator = trackers.iterator(); iterator.hasNext(); ) {
                Tracker tracker = iterator.next();
                if (notReclaimed <= tracker.buffersRemaining()) {
                    if (due == null) {
                        due = new ArrayList<>(1);
                    }
                    due.add(tracker.signal());
                    iterator.remove();
                }
            }
            none = notReclaimed == 0;
        }
        if (due != null) {
            due.forEach(signal -> signal.complete(null));
        }
        return none;
    }

    synchronized boolean allReclaimed() {
        return notReclaimed == 0;
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
        return new CollectionSummary(id, settings, bufferCount, notReclaimed, owner.name, owner.stopped(), servedBy,
                lost);
    }

    @Override
    public String toString() {
        return "collection " + id;
    }
}
