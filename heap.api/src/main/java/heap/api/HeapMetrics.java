package heap.api;

import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Counters a heap publishes, implemented by the heap object beside {@link Heap}. The registry, the shell and the
 * conformance kit read them; the kit needs {@link #LIVE_BUFFERS}, {@link #USED_SIZE}, {@link #ALLOCATIONS},
 * {@link #RECLAIMED} and, for a bounded heap, {@link #CAPACITY}. Heaps add their own keys (e.g. the contiguous pool's fragmentation counters).
 */
@ConsumerType
public interface HeapMetrics {
    /** Buffers handed out and not yet reclaimed. */
    String LIVE_BUFFERS = "live_buffers";
    /** Bytes of live buffers. */
    String USED_SIZE = "used_size";
    /** The most bytes the heap can hand out in total; absent for an unbounded heap. */
    String CAPACITY = "capacity";
    /** The largest single buffer the heap accepts; absent when only the capacity limits it. */
    String MAX_BUFFER_SIZE = "max_buffer_size";
    /** Successful allocations since the heap started. */
    String ALLOCATIONS = "allocations";
    /** Failed allocations since the heap started. */
    String ALLOCATIONS_FAILED = "allocations_failed";
    /** Buffers reclaimed since the heap started (each exactly once). */
    String RECLAIMED = "reclaimed";

    /** A snapshot of the current values. */
    Map<String, Long> metrics();
}
