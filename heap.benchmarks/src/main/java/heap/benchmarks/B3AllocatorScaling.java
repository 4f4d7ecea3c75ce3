package heap.benchmarks;

import heap.api.CoherencyDomain;
import heap.api.HeapId;
import heap.api.SingleBufferSettings;
import heap.api.vmo.Vmo;
import heap.contiguous.ContiguousPoolHeap;
import java.util.ArrayList;
import java.util.List;
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

/** B3: one contiguous allocate + free while N regions are live and as many holes fragment the pool. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class B3AllocatorScaling {
    @Param({"100", "10000", "100000"})
    public int liveRegions;

    private ContiguousPoolHeap heap;
    private SingleBufferSettings settings;
    private final List<Vmo> live = new ArrayList<>();

    @Setup
    public void setUp() {
        heap = new ContiguousPoolHeap(new ContiguousPoolHeap.PoolSettings((2L * liveRegions + 1024) * Platform.PAGE,
                1L << 20, false, false));
        settings = Platform.settings(Platform.PAGE, HeapId.CONTIGUOUS_SYSTEM_RAM, CoherencyDomain.CPU);
        List<Vmo> all = new ArrayList<>();
        for (int i = 0; i < 2 * liveRegions; i++) {
            all.add(heap.allocateVmo(Platform.PAGE, settings, 1, i));
        }
        for (int i = 0; i < all.size(); i++) {
            if (i % 2 == 0) {
                all.get(i).close(); // a hole between two live regions
            } else {
                live.add(all.get(i));
            }
        }
    }

    @TearDown
    public void tearDown() {
        live.forEach(Vmo::close);
        heap.close();
    }

    @Benchmark
    public long allocateAndFree() {
        Vmo vmo = heap.allocateVmo(Platform.PAGE, settings, 2, 0);
        long koid = vmo.koid();
        heap.deleteVmo(2, 0, vmo);
        return koid;
    }
}
