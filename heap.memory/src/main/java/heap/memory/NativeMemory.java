package heap.memory;

import heap.api.Status;
import heap.api.StatusException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Anonymous memory straight from the kernel (Linux {@code mmap}/{@code munmap}): pages are committed lazily on
 * first touch, read as zero, and go back to the system the moment they are unmapped — no arena close, no GC.
 */
public final class NativeMemory {
    private static final int PROT_NONE = 0;
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 2;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_NORESERVE = 0x4000;
    private static final MemorySegment MAP_FAILED = MemorySegment.ofAddress(-1L);

    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MINCORE;

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        MMAP = linker.downcallHandle(libc.find("mmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
        MUNMAP = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        MINCORE = linker.downcallHandle(libc.find("mincore").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    }

    private NativeMemory() {
    }

    /** Whether this platform has the calls (Linux on x86_64 or aarch64). */
    public static boolean isSupported() {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        return os.equals("Linux") && (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"));
    }

    /** Maps {@code size} bytes of zeroed, lazily committed memory. NO_MEMORY when the kernel refuses. */
    public static MemorySegment map(long size) {
        return map(0, size);
    }

    /**
     * As {@link #map(long)}, at {@code hint} if those addresses are free (0: wherever the kernel likes); a hint is
     * never forced over existing mappings, so the memory may land elsewhere.
     */
    public static MemorySegment map(long hint, long size) {
        MemorySegment address;
        try {
            address = (MemorySegment) MMAP.invokeExact(MemorySegment.ofAddress(hint), size, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
        } catch (Throwable e) {
            throw new StatusException(Status.INTERNAL, "mmap of " + size + " bytes threw", e);
        }
        if (address.equals(MAP_FAILED)) {
            throw new StatusException(Status.NO_MEMORY, "the kernel refused to map " + size + " bytes");
        }
        return address.reinterpret(size);
    }

    /**
     * Reserves {@code size} bytes of address space that no one may touch (no access, nothing committed) and returns
     * its first address: numbers unique in the process until {@link #unreserve}. Only an address, never a segment,
     * so no code can reach the range and fault. NO_MEMORY when the kernel refuses.
     */
    public static long reserve(long size) {
        MemorySegment address;
        try {
            address = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, size, PROT_NONE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
        } catch (Throwable e) {
            throw new StatusException(Status.INTERNAL, "mmap of " + size + " bytes of address space threw", e);
        }
        if (address.equals(MAP_FAILED)) {
            throw new StatusException(Status.NO_MEMORY, "the kernel refused to reserve " + size + " bytes of address space");
        }
        return address.address();
    }

    /** Gives back address space from {@link #reserve}. */
    public static void unreserve(long address, long size) {
        unmap(MemorySegment.ofAddress(address).reinterpret(size));
    }

    /** Unmaps memory from {@link #map}; the caller guarantees nothing can touch it any more. */
    public static void unmap(MemorySegment memory) {
        int result;
        try {
            result = (int) MUNMAP.invokeExact(memory, memory.byteSize());
        } catch (Throwable e) {
            throw new StatusException(Status.INTERNAL, "munmap threw", e);
        }
        if (result != 0) {
            throw new StatusException(Status.INTERNAL, "munmap of " + memory.byteSize() + " bytes at 0x"
                    + Long.toHexString(memory.address()) + " failed");
        }
    }

    /** Bytes of {@code memory} (page aligned) that are resident in RAM right now. */
    public static long residentBytes(MemorySegment memory) {
        long pages = (memory.byteSize() + 4095) / 4096;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment vector = arena.allocate(pages);
            int result = (int) MINCORE.invokeExact(memory, memory.byteSize(), vector);
            if (result != 0) {
                return 0;
            }
            long resident = 0;
            for (long i = 0; i < pages; i++) {
                resident += vector.get(ValueLayout.JAVA_BYTE, i) & 1;
            }
            return resident * 4096;
        } catch (Throwable e) {
            throw new StatusException(Status.INTERNAL, "mincore threw", e);
        }
    }
}
