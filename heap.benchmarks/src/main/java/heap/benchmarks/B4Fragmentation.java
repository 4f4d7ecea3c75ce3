package heap.benchmarks;

import heap.memory.RegionAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * B4: a fixed-seed churn of 4 KiB - 4 MiB requests (log-uniform) that holds a 256 MiB pool near 80% occupancy,
 * on the contiguous heap's region allocator. Reports the share of requests that failed for fragmentation (enough
 * free space in total, no region large enough) and, at the end, the largest free region against all free space.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class B4Fragmentation {
    static final long POOL = 256L << 20;
    static final int STEPS = 200_000;

    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Outcome {
        public double failedForFragmentationPercent;
        public double largestFreeOfTotalFreePercent;
        public double occupancyPercent;
    }

    @Benchmark
    public long churn(Outcome outcome) {
        Random random = new Random(42);
        RegionAllocator pool = new RegionAllocator(POOL, Platform.PAGE, Platform.PAGE);
        List<long[]> live = new ArrayList<>();
        long requests = 0;
        for (int step = 0; step < STEPS; step++) {
            if (pool.used() < POOL * 0.8 || live.isEmpty()) {
                long pages = Math.max(1, Math.round(Math.pow(2, random.nextDouble() * 10))); // 1..1024 pages
                requests++;
                long offset = pool.allocate(pages * Platform.PAGE, 0);
                if (offset >= 0) {
                    live.add(new long[] {offset, pages * Platform.PAGE});
                }
            } else {
                long[] victim = live.remove(random.nextInt(live.size()));
                pool.free(victim[0], victim[1]);
            }
        }
        var metrics = pool.metrics();
        long free = POOL - pool.used();
        outcome.failedForFragmentationPercent = 100.0 * metrics.get("allocations_failed_fragmentation") / requests;
        outcome.largestFreeOfTotalFreePercent = free == 0 ? 0 : 100.0 * metrics.get("largest_free_region") / free;
        outcome.occupancyPercent = 100.0 * pool.used() / POOL;
        return requests;
    }
}
