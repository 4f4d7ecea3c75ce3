package heap.registry;

import heap.api.HeapId;
import heap.api.SysmemError;
import heap.api.SysmemException;
import heap.api.allocator.OwnerHeapUsage;
import heap.api.allocator.OwnerStatus;
import heap.api.spi.VmoOwner;
import heap.api.spi.Vmos;
import heap.memory.Padding;
import heap.memory.Stripes;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
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
     * One heap's share of the account; each buffer points at its usage, so freeing needs no look-up. The live counts
     * are split into one cell per core (a thread adds to the cell its id picks; the totals are the sums), so two
     * threads of one bundle write no common line per buffer. The peak is only ever raised to a sum of the cells:
     * a charge sums them when its own cell and the others as last summed (every {@link #RESUM} charges of the cell)
     * pass the peak, and every read sums them. Exact for one thread; while several threads charge at once it may
     * miss a peak that lasted less than their next few charges, and it never reports more than was held.
     */
    static final class Usage {
        private static final int RESUM = 64;
        private static final VarHandle PEAK_BYTES;
        private static final VarHandle FAILED;
        private static final VarHandle RECLAIMED_BUFFERS;
        private static final VarHandle RECLAIMED_BYTES;
        private static final VarHandle CELL_BUFFERS;
        private static final VarHandle CELL_BYTES;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                PEAK_BYTES = lookup.findVarHandle(Usage.class, "peakBytes", long.class);
                FAILED = lookup.findVarHandle(Usage.class, "failed", long.class);
                RECLAIMED_BUFFERS = lookup.findVarHandle(Usage.class, "reclaimedBuffers", long.class);
                RECLAIMED_BYTES = lookup.findVarHandle(Usage.class, "reclaimedBytes", long.class);
                CELL_BUFFERS = lookup.findVarHandle(CellFields.class, "buffers", long.class);
                CELL_BYTES = lookup.findVarHandle(CellFields.class, "bytes", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** One cell's counts (atomic adds: threads whose ids pick the same cell share it). */
        private static class CellFields extends Padding.Before {
            volatile long buffers;
            volatile long bytes;
            long othersSeen; // the other cells' bytes as this cell's charges last summed them; racy, a hint
            int charges; // racy, only paces the re-summing
        }

        /** A cell padded on both sides (128 bytes here): cells share no cache line. */
        @SuppressWarnings("unused")
        private static final class Cell extends CellFields {
            private long q0, q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15;
        }

        final Account account;
        final HeapId heap;
        private final Cell[] cells = new Cell[Stripes.COUNT];
        volatile long peakBytes;
        volatile long failed;
        volatile long reclaimedBuffers;
        volatile long reclaimedBytes;

        Usage(Account account, HeapId heap) {
            this.account = account;
            this.heap = heap;
            for (int i = 0; i < cells.length; i++) {
                cells[i] = new Cell();
            }
        }

        void add(long buffers, long byteCount) {
            Cell cell = cells[Stripes.ofThisThread()];
            CELL_BUFFERS.getAndAdd(cell, buffers);
            long own = (long) CELL_BYTES.getAndAdd(cell, byteCount) + byteCount;
            if (byteCount > 0) {
                if (cell.charges++ % RESUM == 0) {
                    cell.othersSeen = bytes() - own;
                }
                if (own + cell.othersSeen > peakBytes) { // a new peak, perhaps: the exact sum decides
                    long now = bytes();
                    cell.othersSeen = now - own;
                    raisePeak(now);
                }
            }
        }

        long liveBuffers() {
            long sum = 0;
            for (Cell cell : cells) {
                sum += cell.buffers;
            }
            return sum;
        }

        long bytes() {
            long sum = 0;
            for (Cell cell : cells) {
                sum += cell.bytes;
            }
            return sum;
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

    /** Counts {@code buffers} new buffers of {@code bytesEach} on {@code target}, if every quota allows it. */
    void charge(Usage target, int buffers, long bytesEach, List<Quota> quotas) {
        long bytes = buffers * bytesEach;
        List<Quota> applying = null;
        for (Quota quota : quotas) {
            if (quota.matches(symbolicName, target.heap)) {
                applying = applying == null ? new ArrayList<>(1) : applying;
                applying.add(quota);
            }
        }
        if (applying == null) {
            target.add(buffers, bytes);
            return;
        }
        synchronized (this) {
            for (Quota quota : applying) {
                long heldBytes = 0;
                long heldBuffers = 0;
                for (Usage each : usage.values()) {
                    if (quota.heapType().isEmpty() || each.heap.heapType().equals(quota.heapType().get())) {
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
            target.add(buffers, bytes);
        }
    }

    /** Takes back buffers that were charged but never allocated, and counts the failure. */
    void refund(Usage target, int buffers, long bytesEach) {
        target.add(-buffers, -buffers * bytesEach);
        target.failed();
    }

    /** One buffer went back to its heap; after the bundle stopped, that is a reclaim. */
    void freed(Usage target, long bytes) {
        target.add(-1, -bytes);
        if (stopped) {
            target.reclaimed(bytes);
        }
    }

    /** One buffer changes hands without being allocated or freed (an adoption). */
    void adopted(Usage target, long bytes) {
        target.add(1, bytes);
    }

    void handedOver(Usage target, long bytes) {
        target.add(-1, -bytes);
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
