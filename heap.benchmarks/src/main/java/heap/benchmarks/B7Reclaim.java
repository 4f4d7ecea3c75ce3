package heap.benchmarks;

import heap.api.HeapId;
import heap.api.allocator.AllocationRequest;
import heap.api.allocator.BufferAllocator;
import heap.api.allocator.BufferCollection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * B7: reclaiming what a stopped bundle still held: the time from "the bundle let go of the service" until every
 * one of its buffers is back in its heap, per buffer; and draining a heap whose service went while a bundle held
 * its buffers, as the bundle closes them. The buffers come from the secure heap (no process memory
 * behind them, as in B6), so the figure is the platform's own cost: closing handles, ZERO_CHILDREN, deleteVmo.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(jvmArgsAppend = {"-Xmx8g", "--enable-native-access=ALL-UNNAMED", "-XX:+UseCompactObjectHeaders"})
public class B7Reclaim {
    @Param({"100000"})
    public int liveBuffers;

    private Platform platform;
    private BufferAllocator bundleView;
    private List<BufferCollection> held; // what the bundle never closed: reachable, so only its stop reclaims it

    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Outcome {
        public double nanosPerBuffer;
    }

    @Setup(Level.Invocation)
    public void allocateAsABundle() {
        platform = new Platform(64L << 20, (long) liveBuffers * Platform.PAGE);
        bundleView = platform.registry.view(42, "benchmark.client", "1.0.0");
        AllocationRequest request = Platform.secure(Platform.PAGE);
        held = new ArrayList<>(liveBuffers);
        for (int i = 0; i < liveBuffers; i++) {
            held.add(bundleView.allocate(request));
        }
    }

    @Benchmark
    public long stopTheBundle(Outcome outcome) {
        long start = System.nanoTime();
        platform.registry.release(bundleView);
        long elapsed = System.nanoTime() - start;
        long left = platform.secure.metrics().get(heap.api.HeapMetrics.LIVE_BUFFERS);
        if (left != 0) {
            throw new IllegalStateException(left + " buffers were not reclaimed");
        }
        outcome.nanosPerBuffer = (double) elapsed / liveBuffers;
        return elapsed;
    }

    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Drained {
        public double nanosPerDrainedBuffer;
    }

    /**
     * The heap's service goes (its bundle updated or uninstalled) while the bundle holds every buffer, which stay
     * valid; then the bundle closes them, and with the last one the heap is forgotten. Per buffer closed.
     */
    @Benchmark
    public long drainAGoneHeap(Drained outcome) {
        platform.registry.removeHeap(platform.secure);
        long start = System.nanoTime();
        for (BufferCollection collection : held) {
            collection.close();
        }
        long elapsed = System.nanoTime() - start;
        if (platform.registry.heaps().stream().anyMatch(status -> status.id().equals(HeapId.SECURE))) {
            throw new IllegalStateException("the secure heap is still listed after its last buffer was closed");
        }
        outcome.nanosPerDrainedBuffer = (double) elapsed / liveBuffers;
        return elapsed;
    }

    @TearDown(Level.Invocation)
    public void close() {
        held = null;
        platform.close();
    }
}
