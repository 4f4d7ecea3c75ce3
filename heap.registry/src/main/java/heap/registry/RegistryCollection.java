package heap.registry;

import heap.api.SingleBufferSettings;
import heap.api.allocator.CollectionSummary;
import heap.api.vmo.Vmo;
import heap.memory.LiveSet;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The registry's record of a collection: reclamation counts and lifetime tracking; and the record of its buffer 0
 * (a collection of one buffer is one object). It never holds the client's handles, so a collection its client
 * drops is found by the leak detector like any dropped handle.
 */
final class RegistryCollection extends LiveSet.Member implements RegistryBuffer {
    private record Tracker(int buffersRemaining, CompletableFuture<Void> signal) {
    }

    /** What few collections need: lost buffers and lifetime trackers, kept out of every collection's fields. */
    private static final class Rare {
        volatile int lost; // changed under the collection's lock, read without it
        List<Tracker> trackers; // copied on write under the collection's lock
    }

    private final long id;
    private final SingleBufferSettings settings;
    private final int bufferCount;
    /** The share that paid for the collection, which lists it until every buffer is reclaimed. */
    final Account.Usage payer;
    final HeapEntry heap;
    // The count changes without a lock (VarHandle adds); the rare part only under this object's lock, and a tracker
    // added checks the count again after it is in, so a reclaim racing with it never goes unsignalled.
    private volatile int notReclaimed;
    private int tracked; // written and read only by the allocating thread
    // Null until a buffer is lost or someone tracks this collection: no volatile store (a fence) in the constructor.
    private volatile Rare rare;
    // Buffer 0: set by the allocating thread before its first handle is made, which publishes them.
    private Vmo heapVmo;
    private volatile Account.Usage usage;

    private static final VarHandle NOT_RECLAIMED;
    private static final VarHandle USAGE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            NOT_RECLAIMED = lookup.findVarHandle(RegistryCollection.class, "notReclaimed", int.class);
            USAGE = lookup.findVarHandle(RegistryCollection.class, "usage", Account.Usage.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    RegistryCollection(long id, SingleBufferSettings settings, int bufferCount, Account.Usage payer, HeapEntry heap) {
        this.id = id;
        this.settings = settings;
        this.bufferCount = bufferCount;
        this.payer = payer;
        this.heap = heap;
        NOT_RECLAIMED.set(this, bufferCount); // a plain store, published with the collection; none of them reclaimed
    }

    /**
     * A heap handed out buffer {@code index} for this collection; it counts as not reclaimed from the start. Buffer
     * 0 is this record.
     */
    RegistryBuffer bufferAllocated(int index, Vmo vmo, Account.Usage chargedTo) {
        tracked++;
        if (index != 0) {
            return new RegistryBuffer.Further(this, index, vmo, chargedTo);
        }
        heapVmo = vmo;
        USAGE.set(this, chargedTo); // a plain store: making the first handle publishes it
        return this;
    }

    @Override
    public RegistryCollection collection() {
        return this;
    }

    @Override
    public int index() {
        return 0;
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
        RegistryBuffer.moveCharge(USAGE, this, next);
    }

    /** A buffer's heap never answered deleteVmo: it stays not reclaimed, and is shown as lost. */
    synchronized void bufferLost() {
        rare().lost++;
    }

    /** Under this object's lock. */
    private Rare rare() {
        Rare now = rare;
        if (now == null) {
            now = new Rare();
            rare = now;
        }
        return now;
    }

    private int lost() {
        Rare now = rare;
        return now == null ? 0 : now.lost;
    }

    /** Nothing is left but lost buffers: once their heap is gone, nothing will ever reclaim them. */
    boolean onlyLostLeft() {
        return notReclaimed == lost();
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

    /**
     * The allocation failed before a heap handed out the last {@code buffers}: they will never be reclaimed. True
     * when none is left.
     */
    boolean neverAllocated(int buffers) {
        int left = (int) NOT_RECLAIMED.getAndAdd(this, -buffers) - buffers;
        if (rare != null) {
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
        if (rare != null) {
            signalDue();
        }
        return left == 0;
    }

    /** Buffers its heap holds for it: neither reclaimed nor lost (while allocating, also those still to come). */
    int outstanding() {
        return notReclaimed - lost();
    }

    CompletionStage<Void> track(int buffersRemaining) {
        if (notReclaimed <= buffersRemaining) {
            return CompletableFuture.completedStage(null);
        }
        CompletableFuture<Void> signal = new CompletableFuture<>();
        synchronized (this) {
            Rare tracking = rare();
            List<Tracker> more = tracking.trackers == null ? new ArrayList<>(1) : new ArrayList<>(tracking.trackers);
            more.add(new Tracker(buffersRemaining, signal));
            tracking.trackers = more;
        }
        signalDue(); // a buffer reclaimed while the tracker was being added
        return signal.minimalCompletionStage();
    }

    /** Completes and drops the trackers whose count is reached. */
    private void signalDue() {
        List<CompletableFuture<Void>> due = new ArrayList<>(1);
        synchronized (this) {
            List<Tracker> tracking = rare.trackers;
            if (tracking == null) {
                return; // another reclaim signalled them all, or only a buffer was lost
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
            rare.trackers = waiting.isEmpty() ? null : waiting;
        }
        due.forEach(signal -> signal.complete(null));
    }

    CollectionSummary summary() {
        Account owner = payer.account;
        return new CollectionSummary(id, settings, bufferCount, notReclaimed, owner.name, owner.stopped(), heap.id,
                lost());
    }

    @Override
    public String toString() {
        return "collection " + id;
    }
}
