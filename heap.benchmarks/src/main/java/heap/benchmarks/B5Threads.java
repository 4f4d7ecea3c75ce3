package heap.benchmarks;

import heap.api.allocator.AllocationRequest;
import heap.api.allocator.BufferCollection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * B5: registry round trips of 4 KiB system-RAM buffers, 2 threads against 1 (throughput, both threads summed); the
 * same for Netty's pooled allocator (allocate, zero, touch, release) as the baseline of how a good pool scales.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class B5Threads {
    private Platform platform;
    private AllocationRequest request;

    @Setup
    public void setUp() {
        platform = new Platform(64L << 20, 64L << 20);
        request = Platform.plain(Platform.PAGE);
    }

    @TearDown
    public void tearDown() {
        platform.close();
    }

    @Benchmark
    @Threads(1)
    public long oneThread() {
        return roundTrip();
    }

    @Benchmark
    @Threads(2)
    public long twoThreads() {
        return roundTrip();
    }

    @Benchmark
    @Threads(1)
    public long nettyOneThread() {
        return nettyRoundTrip();
    }

    @Benchmark
    @Threads(2)
    public long nettyTwoThreads() {
        return nettyRoundTrip();
    }

    private static long nettyRoundTrip() {
        ByteBuf buffer = PooledByteBufAllocator.DEFAULT.directBuffer((int) Platform.PAGE, (int) Platform.PAGE);
        try {
            buffer.setZero(0, (int) Platform.PAGE);
            buffer.setByte(0, 1);
            return buffer.capacity();
        } finally {
            buffer.release();
        }
    }

    private long roundTrip() {
        try (BufferCollection collection = platform.registry.allocate(request)) {
            return Platform.touch(collection.buffers().get(0));
        }
    }
}
