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
 * same for Netty's pooled allocator (allocate, zero, touch, release) as the baseline of how a good pool scales, and
 * for plain allocation of about a round trip's garbage, the ceiling for code that allocates as much.
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

    @Benchmark
    @Threads(1)
    public Object allocatingOneThread() {
        return allocateOneKibibyte();
    }

    @Benchmark
    @Threads(2)
    public Object allocatingTwoThreads() {
        return allocateOneKibibyte();
    }

    /**
     * No memory platform at all: a dozen small objects, about what one registry round trip allocates. How this
     * scales from one thread to two is the ceiling for any code that allocates that much per operation here.
     */
    private static Object allocateOneKibibyte() {
        Object[] objects = new Object[12];
        for (int i = 0; i < objects.length; i++) {
            objects[i] = new long[8];
        }
        return objects;
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
