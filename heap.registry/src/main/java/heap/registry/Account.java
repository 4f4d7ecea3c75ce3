package heap.registry;

import heap.api.HeapId;
import heap.api.SysmemError;
import heap.api.SysmemException;
import heap.api.allocator.OwnerHeapUsage;
import heap.api.allocator.OwnerStatus;
import heap.api.spi.VmoOwner;
import heap.api.spi.Vmos;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One client bundle: the owner of its handles, what it holds on each heap, and whether it has stopped. The counts
 * are atomic fields, changed without a lock when no quota applies; a charge a quota applies to is checked and made
 * under this account's lock, so a quota check and the charge it allows are one step.
 */
final class Account {
    /** One heap's share of the account; each buffer points at its usage, so freeing needs no look-up. */
    static final class Usage {
        private static final VarHandle LIVE_BUFFERS;
        private static final VarHandle BYTES;
        private static final VarHandle PEAK_BYTES;
        private static final VarHandle FAILED;
        private static final VarHandle RECLAIMED_BUFFERS;
        private static final VarHandle RECLAIMED_BYTES;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                LIVE_BUFFERS = lookup.findVarHandle(Usage.class, "liveBuffers", long.class);
                BYTES = lookup.findVarHandle(Usage.class, "bytes", long.class);
                PEAK_BYTES = lookup.findVarHandle(Usage.class, "peakBytes", long.class);
                FAILED = lookup.findVarHandle(Usage.class, "failed", long.class);
                RECLAIMED_BUFFERS = lookup.findVarHandle(Usage.class, "reclaimedBuffers", long.class);
                RECLAIMED_BYTES = lookup.findVarHandle(Usage.class, "reclaimedBytes", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Account account;
        final HeapId heap;
        volatile long liveBuffers;
        volatile long bytes;
        volatile long peakBytes;
        volatile long failed;
        volatile long reclaimedBuffers;
        volatile long reclaimedBytes;

        Usage(Account account, HeapId heap) {
            this.account = account;
            this.heap = heap;
        }

        void add(long buffers, long byteCount) {
            LIVE_BUFFERS.getAndAdd(this, buffers);
            long now = (long) BYTES.getAndAdd(this, byteCount) + byteCount;
            for (long peak = peakBytes; now > peak; peak = peakBytes) {
                if (PEAK_BYTES.compareAndSet(this, peak, now)) {
                    break;
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
                        heldBytes += each.bytes;
                        heldBuffers += each.liveBuffers;
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
        return usage.values().stream().mapToLong(each -> each.liveBuffers).sum();
    }

    synchronized long bytes() {
        return usage.values().stream().mapToLong(each -> each.bytes).sum();
    }

    /** After a stop, what is still live was not the owner's to close: memory held back by confined mappings. */
    synchronized OwnerStatus status() {
        List<OwnerHeapUsage> heaps = new ArrayList<>();
        for (Usage each : usage.values()) {
            heaps.add(new OwnerHeapUsage(each.heap, each.liveBuffers, each.bytes, each.peakBytes, each.failed,
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
