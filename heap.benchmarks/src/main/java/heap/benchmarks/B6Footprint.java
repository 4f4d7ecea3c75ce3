package heap.benchmarks;

import heap.api.allocator.AllocationRequest;
import heap.api.allocator.BufferCollection;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * B6: Java heap bytes per live buffer, everything the platform keeps for it (registry, VMO objects and handles, leak
 * detection, heap bookkeeping). Buffers come from the secure heap, which keeps no process memory behind them, so a
 * million of them fit on any machine; each is its own collection, the most a buffer can cost.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(jvmArgsAppend = {"-Xmx8g", "--enable-native-access=ALL-UNNAMED", "-XX:+UseCompactObjectHeaders"})
public class B6Footprint {
    @Param({"100000", "1000000"})
    public int liveBuffers;

    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Outcome {
        public double javaHeapBytesPerBuffer;
    }

    @Benchmark
    public long holdLiveBuffers(Outcome outcome) {
        try (Platform platform = new Platform(64L << 20, (long) liveBuffers * Platform.PAGE)) {
            AllocationRequest request = Platform.secure(Platform.PAGE);
            List<BufferCollection> held = new ArrayList<>(liveBuffers);
            long before = usedHeapAfterGc();
            for (int i = 0; i < liveBuffers; i++) {
                held.add(platform.registry.allocate(request));
            }
            long after = usedHeapAfterGc();
            outcome.javaHeapBytesPerBuffer = (double) (after - before) / liveBuffers;
            held.forEach(BufferCollection::close);
            return held.size();
        }
    }

    private static long usedHeapAfterGc() {
        var memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
