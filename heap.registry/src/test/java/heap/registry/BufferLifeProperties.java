package heap.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.BufferMemoryConstraints;
import heap.api.Heap;
import heap.api.HeapId;
import heap.api.HeapMetrics;
import heap.api.SysmemError;
import heap.api.SysmemException;
import heap.api.allocator.AllocationRequest;
import heap.api.allocator.BufferCollection;
import heap.api.vmo.Vmo;
import heap.contiguous.ContiguousPoolHeap;
import heap.contiguous.ContiguousPoolHeap.PoolSettings;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.Size;

/**
 * Random buffer lives on a real pool that reuses memory at once (need_clear, best fit), with mappings dropped,
 * closed and kept, handles and collections closed and dropped, and forced collections in between. Whatever the
 * order, a kept segment reads only its own buffer's tag or zero, or throws; and the pool ends empty.
 */
class BufferLifeProperties {
    private static final long BUFFER = 16 * 1024;
    private static final long[] PROBES = {0, BUFFER / 2, BUFFER - 4};

    enum Op { ALLOCATE, MAP_CONFINED_AND_DROP, MAP_SHARED_AND_DROP, MAP_CLOSE_AND_KEEP, CLOSE_HANDLE, CLOSE_COLLECTION,
        DROP_COLLECTION, DROP_SEGMENT, GC, CHECK }

    private record Buffer(Vmo vmo, int tag) {
    }

    private record Kept(MemorySegment segment, int tag) {
    }

    // No shrinking: a try's outcome depends on when the collector runs, so a shrunk sequence proves nothing, and
    // jqwik abandons a shrink that outlasts its 10 s bound on a thread that keeps forcing collections under the
    // tests that follow (seen once in CI). A failure reports its own message and the seed to replay it.
    @Property(tries = 25, shrinking = ShrinkingMode.OFF)
    void aKeptSegmentNeverReadsAnotherTenantsBytesAndThePoolEndsEmpty(
            @ForAll @Size(min = 20, max = 150) List<Op> ops, @ForAll Random random) throws Exception {
        new Run().play(ops, random);
    }

    /** One try's world: a fresh pool and registry. */
    private static final class Run {
        private final ContiguousPoolHeap pool = new ContiguousPoolHeap(new PoolSettings(16 * BUFFER, 1L << 20, false, false));
        private final HeapRegistry registry = new HeapRegistry(HeapRegistry.Limits.DEFAULT);
        private final List<BufferCollection> collections = new ArrayList<>();
        private final List<Buffer> live = new ArrayList<>();
        private final List<Kept> kept = new ArrayList<>();
        private int nextTag = 1;

        void play(List<Op> ops, Random random) throws Exception {
            // Its sleeps would fail on an interrupt leaked by a test before it: name that, not a sleep, as the cause.
            assertFalse(Thread.interrupted(), "this try's thread came in interrupted, by a test that ran before it");
            registry.addHeap(pool, Map.of(Heap.HEAP_TYPE, HeapId.CONTIGUOUS_SYSTEM_RAM.heapType(), "service.id", 1L),
                    "property pool");
            try {
                for (int i = 0; i < ops.size(); i++) {
                    try {
                        apply(ops.get(i), random);
                    } catch (InterruptedException e) {
                        throw new AssertionError("interrupted at op " + i + " (" + ops.get(i) + ") of " + ops, e);
                    }
                }
                checkKeptSegments();
                collections.forEach(BufferCollection::close);
                collections.clear();
                live.clear();
                kept.clear();
                // Both: the heap frees its memory inside deleteVmo, on the leak detector's thread, a moment before
                // the registry forgets the collection on that same thread.
                for (int i = 0; i < 250 && (used() != 0 || !registry.collections().isEmpty()); i++) {
                    System.gc();
                    Thread.sleep(20);
                }
                assertEquals(0, used(), "the pool is empty once nothing refers to its memory: " + pool.metrics()
                        + ", collections " + registry.collections());
                assertTrue(registry.collections().isEmpty(), "no collection is left: " + registry.collections());
            } finally {
                registry.stop();
                pool.close();
            }
        }

        private long used() {
            return pool.metrics().get(HeapMetrics.USED_SIZE);
        }

        private void apply(Op op, Random random) throws InterruptedException {
            switch (op) {
                case ALLOCATE -> allocate(1 + random.nextInt(2));
                case MAP_CONFINED_AND_DROP -> pick(random, live).ifPresent(b -> keep(droppedMapping(b.vmo(), false), b));
                case MAP_SHARED_AND_DROP -> pick(random, live).ifPresent(b -> keep(droppedMapping(b.vmo(), true), b));
                case MAP_CLOSE_AND_KEEP -> pick(random, live).ifPresent(b -> {
                    try (var mapping = b.vmo().map(0, BUFFER, true)) {
                        keep(mapping.segment(), b);
                    }
                });
                case CLOSE_HANDLE -> pick(random, live).ifPresent(b -> {
                    b.vmo().close();
                    live.remove(b);
                });
                case CLOSE_COLLECTION -> pick(random, collections).ifPresent(c -> {
                    c.close();
                    forget(c);
                });
                case DROP_COLLECTION -> pick(random, collections).ifPresent(this::forget);
                case DROP_SEGMENT -> pick(random, kept).ifPresent(kept::remove);
                case GC -> {
                    System.gc();
                    Thread.sleep(5);
                }
                case CHECK -> checkKeptSegments();
            }
        }

        private void allocate(int count) {
            BufferMemoryConstraints contiguous = BufferMemoryConstraints.builder().minSizeBytes(BUFFER)
                    .physicallyContiguousRequired(true).build();
            BufferCollection collection;
            try {
                collection = registry.allocate(AllocationRequest.of(count, contiguous, true));
            } catch (SysmemException e) {
                assertEquals(SysmemError.NO_MEMORY, e.error(), e.getMessage()); // the pool is full of held memory
                return;
            }
            collections.add(collection);
            for (Vmo vmo : collection.buffers()) {
                int tag = nextTag++;
                for (long offset : PROBES) {
                    vmo.write(offset, MemorySegment.ofArray(new int[] {tag}));
                }
                live.add(new Buffer(vmo, tag));
            }
        }

        private void forget(BufferCollection collection) {
            collections.remove(collection);
            live.removeIf(buffer -> collection.buffers().contains(buffer.vmo()));
        }

        private void keep(MemorySegment segment, Buffer buffer) {
            kept.add(new Kept(segment, buffer.tag()));
        }

        /** Only the segment leaves: the mapping object is unreachable once this returns. */
        private static MemorySegment droppedMapping(Vmo vmo, boolean shared) {
            return (shared ? vmo.mapShared(0, BUFFER, true) : vmo.map(0, BUFFER, true)).segment();
        }

        private void checkKeptSegments() {
            for (Kept k : kept) {
                for (long offset : PROBES) {
                    int value;
                    try {
                        value = k.segment().get(ValueLayout.JAVA_INT_UNALIGNED, offset);
                    } catch (IllegalStateException closed) {
                        continue; // a closed mapping's segment fails cleanly
                    }
                    assertTrue(value == k.tag() || value == 0, "a kept segment of tag " + k.tag() + " read " + value
                            + " at offset " + offset);
                }
            }
        }

        private static <T> java.util.Optional<T> pick(Random random, List<T> from) {
            return from.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(from.get(random.nextInt(from.size())));
        }
    }
}
