package heap.registry;

import heap.api.spi.Vmos;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Before an allocation answers NO_MEMORY, the garbage collector gets one chance to find handles their clients
 * dropped, so a careless client does not starve careful ones (the JDK does the same for direct buffers). Callers
 * that fail together share one collection.
 */
final class LeakReclaim {
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final LongSupplier leaksClosed;
    private long lastRunEndNanos = System.nanoTime() - MAX_WAIT_NANOS;

    LeakReclaim() {
        this(Vmos::leakedHandles);
    }

    LeakReclaim(LongSupplier leaksClosed) {
        this.leaksClosed = leaksClosed;
    }

    /**
     * Runs the collector and waits until the leak detector has gone quiet; true when it closed anything, or when
     * another caller ran a reclaim after {@code sinceNanos} (the caller's memory may be back either way).
     */
    synchronized boolean reclaimSince(long sinceNanos) throws InterruptedException {
        if (lastRunEndNanos - sinceNanos > 0) {
            return true;
        }
        long before = leaksClosed.getAsLong();
        System.gc();
        long seen = before;
        long start = System.nanoTime();
        long quietSince = start;
        while (System.nanoTime() - quietSince < QUIET_NANOS && System.nanoTime() - start < MAX_WAIT_NANOS) {
            Thread.sleep(2);
            long now = leaksClosed.getAsLong();
            if (now != seen) {
                seen = now;
                quietSince = System.nanoTime();
            }
        }
        lastRunEndNanos = System.nanoTime();
        return seen != before;
    }
}
