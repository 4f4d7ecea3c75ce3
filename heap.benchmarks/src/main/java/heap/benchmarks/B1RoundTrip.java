package heap.benchmarks;

import heap.api.CoherencyDomain;
import heap.api.Heap;
import heap.api.HeapId;
import heap.api.SingleBufferSettings;
import heap.api.allocator.AllocationRequest;
import heap.api.allocator.BufferCollection;
import heap.api.spi.VmoOwner;
import heap.api.spi.Vmos;
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
    private final VmoOwner clientOwner = Vmos.owner("benchmark client");
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
        return viaRegistry(plain, true);
    }

    @Benchmark
    public long registryContiguous() {
        return viaRegistry(contiguous, true);
    }

    @Benchmark
    public long registrySecure() {
        return viaRegistry(secure, false);
    }

    @Benchmark
    public long directSystemRam() {
        return direct(platform.systemRam, systemRamSettings, true);
    }

    @Benchmark
    public long directContiguous() {
        return direct(platform.contiguous, contiguousSettings, true);
    }

    /** The contiguous heap's properties ask for clearing and flushing: a direct caller honouring them does both. */
    @Benchmark
    public long directContiguousCleared() {
        Vmo vmo = platform.contiguous.allocateVmo(size, contiguousSettings, 1, 0);
        vmo.zero(0, vmo.size());
        java.lang.invoke.VarHandle.fullFence();
        long result = Platform.touch(vmo);
        platform.contiguous.deleteVmo(1, 0, vmo);
        return result;
    }

    @Benchmark
    public long directSecure() {
        return direct(platform.secure, secureSettings, false);
    }

    @Benchmark
    public long clientChildSystemRam() {
        return withClientChild(platform.systemRam, systemRamSettings, true);
    }

    @Benchmark
    public long clientChildSecure() {
        return withClientChild(platform.secure, secureSettings, false);
    }

    /** Allocate through the registry, write a byte per page where the CPU may, release. */
    private long viaRegistry(AllocationRequest request, boolean cpuAccessible) {
        try (BufferCollection collection = platform.registry.allocate(request)) {
            Vmo buffer = collection.buffers().get(0);
            return cpuAccessible ? Platform.touch(buffer) : buffer.koid();
        }
    }

    /** The same on the heap itself: allocateVmo, write, deleteVmo. */
    private long direct(Heap heap, SingleBufferSettings settings, boolean cpuAccessible) {
        Vmo vmo = heap.allocateVmo(size, settings, 1, 0);
        long result = cpuAccessible ? Platform.touch(vmo) : vmo.koid();
        heap.deleteVmo(1, 0, vmo);
        return result;
    }

    /**
     * The VMO model's share of a registry round trip without the registry: the heap called directly, and the buffer
     * handed out as the registry hands it (a REFERENCE child for an owner, its close leading through ZERO_CHILDREN to
     * deleteVmo). Registry / direct = (this / direct) x (registry / this).
     */
    private long withClientChild(Heap heap, SingleBufferSettings settings, boolean cpuAccessible) {
        Vmo vmo = heap.allocateVmo(size, settings, 1, 0);
        Vmo child = Vmos.firstReference(vmo, () -> heap.deleteVmo(1, 0, vmo), clientOwner, this, vmo);
        try {
            return cpuAccessible ? Platform.touch(child) : child.koid();
        } finally {
            child.close();
        }
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
