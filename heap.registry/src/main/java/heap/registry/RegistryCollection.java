package heap.registry;

import heap.api.SingleBufferSettings;
import heap.api.allocator.CollectionSummary;
import heap.memory.LiveSet;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
    final HeapEntry heap;
    // The counts change without a lock (VarHandle adds); the trackers list only under this object's lock, and a
    // tracker added checks the count again after it is in, so a reclaim racing with it never goes unsignalled.
    private volatile int notReclaimed;
    private int tracked; // written and read only by the allocating thread
    private volatile int lost;
    // Null until someone tracks this collection: no volatile store (a fence) in the constructor.
    private volatile List<Tracker> trackers;

    private static final VarHandle NOT_RECLAIMED;
    private static final VarHandle LOST;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            NOT_RECLAIMED = lookup.findVarHandle(RegistryCollection.class, "notReclaimed", int.class);
            LOST = lookup.findVarHandle(RegistryCollection.class, "lost", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    RegistryCollection(long id, SingleBufferSettings settings, int bufferCount, Account owner, HeapEntry heap) {
        this.id = id;
        this.settings = settings;
        this.bufferCount = bufferCount;
        this.owner = owner;
        this.heap = heap;
        NOT_RECLAIMED.set(this, bufferCount); // a plain store, published with the collection; none of them reclaimed
    }

    /** A buffer's heap never answered deleteVmo: it stays not reclaimed, and is shown as lost. */
    void bufferLost() {
        LOST.getAndAdd(this, 1);
    }

    /** Nothing is left but lost buffers: once their heap is gone, nothing will ever reclaim them. */
    boolean onlyLostLeft() {
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

    /** A heap handed out a buffer for this collection; it counts as not reclaimed from the start. */
    void bufferAllocated() {
        tracked++;
    }

    /**
     * The allocation failed before a heap handed out the last {@code buffers}: they will never be reclaimed. True
     * when none is left.
     */
    boolean neverAllocated(int buffers) {
        int left = (int) NOT_RECLAIMED.getAndAdd(this, -buffers) - buffers;
        if (trackers != null) {
            signalDue();
        }
        return left == 0;
    }

    /** Buffers a heap handed out for this collection so far, deleted or not. */
    int buffersTracked() {
        return tracked;
    }

    /** One buffer's deleteVmo was answered; true when none is left. */
    boolean bufferReclaimed() {
        int left = (int) NOT_RECLAIMED.getAndAdd(this, -1) - 1;
        if (trackers != null) {
            signalDue();
        }
        return left == 0;
    }

    /** Buffers its heap holds for it: neither reclaimed nor lost (while allocating, also those still to come). */
    int outstanding() {
        return notReclaimed - lost;
    }

    CompletionStage<Void> track(int buffersRemaining) {
        if (notReclaimed <= buffersRemaining) {
            return CompletableFuture.completedStage(null);
        }
        CompletableFuture<Void> signal = new CompletableFuture<>();
        synchronized (this) {
            List<Tracker> more = trackers == null ? new ArrayList<>(1) : new ArrayList<>(trackers);
            more.add(new Tracker(buffersRemaining, signal));
            trackers = more;
        }
        signalDue(); // a buffer reclaimed while the tracker was being added
        return signal.minimalCompletionStage();
    }

    /** Completes and drops the trackers whose count is reached. */
    private void signalDue() {
        List<CompletableFuture<Void>> due = new ArrayList<>(1);
        synchronized (this) {
            List<Tracker> tracking = trackers;
            if (tracking == null) {
                return; // another reclaim signalled them all
            }
            int left = notReclaimed;
            List<Tracker> waiting = new ArrayList<>(tracking.size());
            for (Tracker tracker : tracking) {
                if (left <= tracker.buffersRemaining()) {
                    due.add(tracker.signal());
                } else {
                    waiting.add(tracker);
                }
            }
            trackers = waiting.isEmpty() ? null : waiting;
        }
        due.forEach(signal -> signal.complete(null));
    }

    CollectionSummary summary() {
        return new CollectionSummary(id, settings, bufferCount, notReclaimed, owner.name, owner.stopped(), heap.id,
                lost);
    }

    @Override
    public String toString() {
        return "collection " + id;
    }
}
