package heap.registry;

import heap.api.HeapId;
import heap.api.Sizes;
import heap.api.SysmemError;
import heap.api.SysmemException;
import heap.api.allocator.OwnerHeapUsage;
import heap.api.allocator.OwnerStatus;
import heap.api.spi.VmoOwner;
import heap.api.spi.Vmos;
import heap.memory.LiveSet;
import heap.memory.Stripes;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One client bundle: the owner of its handles, what it holds on each heap, and whether it has stopped. The counts
 * are striped atomic cells, changed without a lock when no quota applies; a charge a quota applies to is checked
 * and made under this account's lock, so a quota check and the charge it allows are one step.
 */
final class Account {
    /**
     * One heap's share of the account; each buffer points at its usage, so freeing needs no look-up. The live count
     * and pages are one packed number ({@link #BUFFER_SHIFT}), split into one cell per core (a thread changes the
     * cell its id picks; the totals are the sums), so two threads of one bundle write no common line per buffer.
     * The cells are the stripes of the set of the collections this share paid for: a collection charged or gone is
     * its count and its listing changed in one locked section of one cell, not an atomic add and a lock each. Sums
     * of packed numbers are exact: a cell alone may hold a negative part (freed on another thread), the total never
     * does. The peak is only ever raised to a sum of the cells: a charge sums them when its own cell and the others
     * as last summed (every {@link #RESUM} charges of the cell) pass the peak, and every read sums them. Exact for
     * one thread; while several threads charge at once it may miss a peak that lasted less than their next few
     * charges, and it never reports more than was held.
     */
    static final class Usage {
        private static final int RESUM = 64;
        /** Pages below this bit (up to 2^36 pages, 256 TiB per bundle and heap), live buffers above it. */
        private static final int BUFFER_SHIFT = 36;
        private static final long PAGES = (1L << BUFFER_SHIFT) - 1;
        private static final VarHandle PEAK_BYTES;
        private static final VarHandle FAILED;
        private static final VarHandle RECLAIMED_BUFFERS;
        private static final VarHandle RECLAIMED_BYTES;
        private static final VarHandle CELL_COUNTS;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                PEAK_BYTES = lookup.findVarHandle(Usage.class, "peakBytes", long.class);
                FAILED = lookup.findVarHandle(Usage.class, "failed", long.class);
                RECLAIMED_BUFFERS = lookup.findVarHandle(Usage.class, "reclaimedBuffers", long.class);
                RECLAIMED_BYTES = lookup.findVarHandle(Usage.class, "reclaimedBytes", long.class);
                CELL_COUNTS = lookup.findVarHandle(CellFields.class, "counts", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** One cell: its packed counts, written under its lock and read without it. */
        private static class CellFields extends LiveSet.Stripe {
            volatile long counts;
            long othersSeen; // the other cells' packed counts as this cell's charges last summed them; a hint
            int charges; // only paces the re-summing
        }

        /** A cell padded on both sides (128 bytes here): cells share no cache line. */
        @SuppressWarnings("unused")
        private static final class Cell extends CellFields {
            private long q0, q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15;
        }

        final Account account;
        final HeapId heap;
        /** The collections this share paid for that are not reclaimed yet; its stripes are the count cells. */
        final LiveSet<RegistryCollection> collections = new LiveSet<>(Cell::new);
        volatile long peakBytes;
        volatile long failed;
        volatile long reclaimedBuffers;
        volatile long reclaimedBytes;

        Usage(Account account, HeapId heap) {
            this.account = account;
            this.heap = heap;
        }

        /** Counts {@code buffers} (negative: gone) of {@code bytesEach}, whole pages each. */
        void add(long buffers, long bytesEach) {
            Cell cell = (Cell) collections.stripeOfThisThread();
            cell.lock();
            try {
                count(cell, buffers, bytesEach);
            } finally {
                cell.unlock();
            }
        }

        /** Counts {@code buffers} new buffers of {@code bytesEach} for {@code collection}, and lists it. */
        void charge(RegistryCollection collection, int buffers, long bytesEach) {
            Cell cell = (Cell) collections.stripeOfThisThread();
            cell.lock();
            try {
                count(cell, buffers, bytesEach);
                collections.linkLocked(collection, cell);
            } finally {
                cell.unlock();
            }
        }

        /**
         * The last buffer of {@code collection}, charged here, is reclaimed: counted gone and unlisted at once when
         * it is listed here too (it was not adopted away from its payer); false when it is not listed here.
         */
        boolean freedLast(RegistryCollection collection, long bytes) {
            LiveSet.Stripe stripe = collections.lockStripeOf(collection);
            if (stripe == null) {
                return false;
            }
            try {
                count((Cell) stripe, -1, bytes);
                collections.unlinkLocked(collection, stripe);
                return true;
            } finally {
                stripe.unlock();
            }
        }

        /** Under the cell's lock. */
        private void count(Cell cell, long buffers, long bytesEach) {
            long delta = buffers * ((1L << BUFFER_SHIFT) + Sizes.pageRoundUp(bytesEach) / Sizes.PAGE_SIZE);
            long own = cell.counts + delta;
            CELL_COUNTS.setRelease(cell, own); // the lock orders writers; readers sum without it
            if (buffers > 0) {
                if (cell.charges++ % RESUM == 0) {
                    cell.othersSeen = sum() - own;
                }
                if (bytesOf(own + cell.othersSeen) > peakBytes) { // a new peak, perhaps: the exact sum decides
                    long now = sum();
                    cell.othersSeen = now - own;
                    raisePeak(bytesOf(now));
                }
            }
        }

        private long sum() {
            long sum = 0;
            for (int i = 0; i < Stripes.COUNT; i++) {
                sum += ((Cell) collections.stripe(i)).counts;
            }
            return sum;
        }

        private static long bytesOf(long packed) {
            return (packed & PAGES) * Sizes.PAGE_SIZE;
        }

        long liveBuffers() {
            return sum() >> BUFFER_SHIFT;
        }

        long bytes() {
            return bytesOf(sum());
        }

        /** The peak, raised first to the bytes held now. */
        long peakBytes() {
            raisePeak(bytes());
            return peakBytes;
        }

        private void raisePeak(long now) {
            for (long peak = peakBytes; now > peak; peak = peakBytes) {
                if (PEAK_BYTES.compareAndSet(this, peak, now)) {
                    return;
                }
            }
        }

        void failed() {
            FAILED.getAndAdd(this, 1L);
        }

        void reclaimed(long byteCount) {
            RECLAIMED_BUFFERS.getAndAdd(this, 1L);
            RECLAIMED_BYTES.getAndAdd(this, byteCount);
        }
    }

    final long bundleId;
    final String symbolicName;
    final String name;
    private final Map<HeapId, Usage> usage = new ConcurrentHashMap<>();
    private volatile Usage lastUsage;
    private volatile VmoOwner owner; // replaced under this account's lock, read without it
    private final java.util.Set<AutoCloseable> negotiating = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean stopped; // changed under this account's lock, read without it on every allocation

    Account(long bundleId, String symbolicName, String version) {
        this.bundleId = bundleId;
        this.symbolicName = symbolicName;
        this.name = symbolicName + " " + version + " [" + bundleId + "]";
        this.owner = Vmos.owner(name);
    }

    /** Tokens and shared collections this bundle holds: closed (without release) when it stops. */
    void track(AutoCloseable tokenOrCollection) {
        negotiating.add(tokenOrCollection);
    }

    void untrack(AutoCloseable tokenOrCollection) {
        negotiating.remove(tokenOrCollection);
    }

    List<AutoCloseable> negotiating() {
        return List.copyOf(negotiating);
    }

    Usage usage(HeapId heap) {
        Usage last = lastUsage; // a bundle mostly allocates from one heap: no map look-up then
        if (last != null && last.heap == heap) {
            return last;
        }
        Usage known = usage.get(heap);
        last = known != null ? known : usage.computeIfAbsent(heap, id -> new Usage(this, id));
        lastUsage = last;
        return last;
    }

    /** Its share on each heap it ever used. */
    Collection<Usage> usages() {
        return usage.values();
    }

    VmoOwner owner() {
        return owner;
    }

    boolean stopped() {
        return stopped;
    }

    /** The bundle is back (started again, or updated): a fresh owner; the history stays. */
    synchronized void resume() {
        if (stopped) {
            stopped = false;
            owner = Vmos.owner(name);
        }
    }

    /** Marks the account stopped; returns the owner whose handles the caller now closes. */
    synchronized VmoOwner stop() {
        stopped = true;
        return owner;
    }

    /**
     * Counts {@code buffers} new buffers of {@code bytesEach} for {@code collection} on {@code target}, and lists
     * it there, if every quota allows it.
     */
    void charge(Usage target, RegistryCollection collection, int buffers, long bytesEach, List<Quota> quotas) {
        long bytes = buffers * Sizes.pageRoundUp(bytesEach);
        List<Quota> applying = null;
        for (Quota quota : quotas) {
            if (quota.matches(symbolicName, target.heap)) {
                applying = applying == null ? new ArrayList<>(1) : applying;
                applying.add(quota);
            }
        }
        if (applying == null) {
            target.charge(collection, buffers, bytesEach);
            return;
        }
        synchronized (this) {
            for (Quota quota : applying) {
                long heldBytes = 0;
                long heldBuffers = 0;
                for (Usage each : usage.values()) {
                    if (quota.covers(each.heap)) {
                        heldBytes += each.bytes();
                        heldBuffers += each.liveBuffers();
                    }
                }
                String refusal = quota.refusal(heldBytes, heldBuffers, bytes, buffers);
                if (refusal != null) {
                    target.failed();
                    throw new SysmemException(SysmemError.NO_MEMORY, refusal + " (bundle " + name + ")");
                }
            }
            target.charge(collection, buffers, bytesEach);
        }
    }

    /** Takes back buffers that were charged but never allocated, and counts the failure. */
    void refund(Usage target, int buffers, long bytesEach) {
        target.add(-buffers, bytesEach);
        target.failed();
    }

    /** One buffer went back to its heap; after the bundle stopped, that is a reclaim. */
    void freed(Usage target, long bytes) {
        target.add(-1, bytes);
        if (stopped) {
            target.reclaimed(bytes);
        }
    }

    /** The last buffer of {@code collection} went back, charged to its payer: uncounted and unlisted in one step. */
    void freedLast(Usage target, RegistryCollection collection, long bytes) {
        if (!target.freedLast(collection, bytes)) {
            target.add(-1, bytes); // not listed any more (a drain dropped it): the count alone
        }
        if (stopped) {
            target.reclaimed(bytes);
        }
    }

    /** One buffer changes hands without being allocated or freed (an adoption). */
    void adopted(Usage target, long bytes) {
        target.add(1, bytes);
    }

    void handedOver(Usage target, long bytes) {
        target.add(-1, bytes);
    }

    synchronized long liveBuffers() {
        return usage.values().stream().mapToLong(Usage::liveBuffers).sum();
    }

    synchronized long bytes() {
        return usage.values().stream().mapToLong(Usage::bytes).sum();
    }

    /** After a stop, what is still live was not the owner's to close: memory held back by confined mappings. */
    synchronized OwnerStatus status() {
        List<OwnerHeapUsage> heaps = new ArrayList<>();
        for (Usage each : usage.values()) {
            heaps.add(new OwnerHeapUsage(each.heap, each.liveBuffers(), each.bytes(), each.peakBytes(), each.failed,
                    each.reclaimedBuffers, each.reclaimedBytes));
        }
        heaps.sort(Comparator.comparing((OwnerHeapUsage each) -> each.heap().toString()));
        return new OwnerStatus(bundleId, name, stopped, stopped ? bytes() : 0, stopped ? liveBuffers() : 0, heaps);
    }

    @Override
    public String toString() {
        return "bundle " + name;
    }
}
