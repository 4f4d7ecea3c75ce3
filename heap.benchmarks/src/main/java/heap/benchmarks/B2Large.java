package heap.benchmarks;

import heap.api.allocator.AllocationRequest;
import heap.api.allocator.BufferCollection;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * B2: large buffers, allocate + clear + release through the registry. The contiguous pool needs clearing (its
 * regions are reused), so the registry zeroes each buffer; system RAM hands out fresh zero pages and is not cleared.
 * Compared with {@code MemorySegment.fill} of the same size, this machine's zeroing limit.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class B2Large {
    @Param({"1", "8", "32"})
    public int mebibytes;

    private Platform platform;
    private AllocationRequest plain;
    private AllocationRequest contiguous;
    private Arena arena;
    private MemorySegment fillTarget;

    @Setup
    public void setUp() {
        long bytes = (long) mebibytes << 20;
        platform = new Platform(256L << 20, 64L << 20);
        plain = Platform.plain(bytes);
        contiguous = Platform.contiguous(bytes);
        arena = Arena.ofShared();
        fillTarget = arena.allocate(bytes, Platform.PAGE);
        fillTarget.fill((byte) 1);
    }

    @TearDown
    public void tearDown() {
        platform.close();
        arena.close();
    }

    @Benchmark
    public long registrySystemRam() {
        try (BufferCollection collection = platform.registry.allocate(plain)) {
            return collection.buffers().get(0).koid();
        }
    }

    @Benchmark
    public long registryContiguousCleared() {
        try (BufferCollection collection = platform.registry.allocate(contiguous)) {
            return collection.buffers().get(0).koid();
        }
    }

    @Benchmark
    public MemorySegment segmentFill() {
        return fillTarget.fill((byte) 0);
    }
}
