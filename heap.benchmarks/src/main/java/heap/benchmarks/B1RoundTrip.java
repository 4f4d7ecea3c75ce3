package heap.benchmarks;

import heap.api.CoherencyDomain;
import heap.api.HeapId;
import heap.api.SingleBufferSettings;
import heap.api.allocator.AllocationRequest;
import heap.api.allocator.BufferCollection;
import heap.api.vmo.Vmo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
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

/** B1: allocate, write one byte per page, release; through the registry, on each heap directly, and the baselines. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class B1RoundTrip {
    @Param({"4096", "65536"})
    public int size;

    private Platform platform;
    private AllocationRequest plain;
    private AllocationRequest contiguous;
    private AllocationRequest secure;
    private SingleBufferSettings systemRamSettings;
    private SingleBufferSettings contiguousSettings;
    private SingleBufferSettings secureSettings;
    private Method invokeCleaner;
    private Object unsafe;

    @Setup
    public void setUp() throws Exception {
        platform = new Platform(256L << 20, 256L << 20);
        plain = Platform.plain(size);
        contiguous = Platform.contiguous(size);
        secure = Platform.secure(size);
        systemRamSettings = Platform.settings(size, HeapId.SYSTEM_RAM, CoherencyDomain.CPU);
        contiguousSettings = Platform.settings(size, HeapId.CONTIGUOUS_SYSTEM_RAM, CoherencyDomain.CPU);
        secureSettings = Platform.settings(size, HeapId.SECURE, CoherencyDomain.INACCESSIBLE);
        Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
        Field field = unsafeClass.getDeclaredField("theUnsafe");
        field.setAccessible(true);
        unsafe = field.get(null);
        invokeCleaner = unsafeClass.getMethod("invokeCleaner", ByteBuffer.class);
    }

    @TearDown
    public void tearDown() {
        platform.close();
    }

    @Benchmark
    public long registrySystemRam() {
        try (BufferCollection collection = platform.registry.allocate(plain)) {
            return Platform.touch(collection.buffers().get(0));
        }
    }

    @Benchmark
    public long registryContiguous() {
        try (BufferCollection collection = platform.registry.allocate(contiguous)) {
            return Platform.touch(collection.buffers().get(0));
        }
    }

    @Benchmark
    public long registrySecure() {
        try (BufferCollection collection = platform.registry.allocate(secure)) {
            return collection.buffers().get(0).koid();
        }
    }

    @Benchmark
    public long directSystemRam() {
        Vmo vmo = platform.systemRam.allocateVmo(size, systemRamSettings, 1, 0);
        long touched = Platform.touch(vmo);
        platform.systemRam.deleteVmo(1, 0, vmo);
        return touched;
    }

    @Benchmark
    public long directContiguous() {
        Vmo vmo = platform.contiguous.allocateVmo(size, contiguousSettings, 1, 0);
        long touched = Platform.touch(vmo);
        platform.contiguous.deleteVmo(1, 0, vmo);
        return touched;
    }

    @Benchmark
    public long directSecure() {
        Vmo vmo = platform.secure.allocateVmo(size, secureSettings, 1, 0);
        long koid = vmo.koid();
        platform.secure.deleteVmo(1, 0, vmo);
        return koid;
    }

    @Benchmark
    public long arenaConfined() {
        try (Arena arena = Arena.ofConfined()) {
            return Platform.touch(arena.allocate(size, Platform.PAGE));
        }
    }

    @Benchmark
    public long arenaShared() {
        try (Arena arena = Arena.ofShared()) {
            return Platform.touch(arena.allocate(size, Platform.PAGE));
        }
    }

    @Benchmark
    public long byteBufferDirect() throws Exception {
        ByteBuffer buffer = ByteBuffer.allocateDirect(size);
        long touched = Platform.touch(MemorySegment.ofBuffer(buffer));
        invokeCleaner.invoke(unsafe, buffer); // released now, not by the garbage collector
        return touched;
    }

    @Benchmark
    public long nettyPooled() {
        ByteBuf buffer = PooledByteBufAllocator.DEFAULT.directBuffer(size, size);
        try {
            return touch(buffer);
        } finally {
            buffer.release();
        }
    }

    @Benchmark
    public long nettyPooledZeroed() {
        ByteBuf buffer = PooledByteBufAllocator.DEFAULT.directBuffer(size, size);
        try {
            buffer.setZero(0, size);
            return touch(buffer);
        } finally {
            buffer.release();
        }
    }

    private long touch(ByteBuf buffer) {
        for (int offset = 0; offset < size; offset += (int) Platform.PAGE) {
            buffer.setByte(offset, 1);
        }
        return size;
    }
}
