package heap.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.HeapId;
import heap.api.SysmemError;
import heap.api.SysmemException;
import heap.api.allocator.BufferAllocator;
import heap.api.allocator.BufferCollection;
import heap.api.allocator.BufferCollectionConstraints;
import heap.api.allocator.BufferCollectionToken;
import heap.api.allocator.BufferCollectionTokenGroup;
import heap.api.allocator.BufferUsage;
import heap.api.allocator.SharedCollection;
import heap.registry.FakeHeap.Fault;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Weak VMOs (NEGOTIATION.md §8; fuchsia.sysmem2 Node.SetWeak, Node.SetWeakOk, VmoBuffer.close_weak_asap): a weak
 * participant's VMOs do not keep the buffers alive; it is told to close them once no strong node and no strong VMO
 * of a buffer is left, and the memory goes back only when it has.
 */
class WeakVmoTest extends RegistryTestSupport {
    private static final BufferCollectionConstraints WRITER = BufferCollectionConstraints.builder()
            .usage(BufferUsage.CPU_WRITE).memory(size(PAGE).build()).minBufferCountForCamping(1).build();
    private static final BufferCollectionConstraints READER = BufferCollectionConstraints.builder()
            .usage(BufferUsage.CPU_READ).memory(size(PAGE).build()).build();
    private FakeHeap heap;
    private BufferAllocator producer;
    private BufferAllocator cache;

    @BeforeEach
    void heapAndBundles() {
        heap = add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NONE);
        producer = registry.view(7, "producer", "1.0.0");
        cache = registry.view(8, "cache", "1.0.0");
    }

    /** The producer (strong) and a weak reader, both allocated. */
    private record Pair(SharedCollection strong, BufferCollection strongBuffers, SharedCollection weak,
            BufferCollection weakBuffers) {
    }

    /** The producer's collection, and the cache's bound from a weak duplicate of its token; no constraints yet. */
    private record Bound(SharedCollection strong, SharedCollection weak) {
    }

    private Bound boundPair() {
        BufferCollectionToken root = producer.newSharedCollection();
        BufferCollectionToken forCache = root.duplicate();
        forCache.setWeak();
        return new Bound(producer.bind(root), cache.bind(forCache));
    }

    private Pair allocatedPair() throws Exception {
        Bound bound = boundPair();
        SharedCollection strong = bound.strong();
        SharedCollection weak = bound.weak();
        weak.setWeakOk(false);
        weak.setConstraints(READER);
        strong.setConstraints(WRITER);
        return new Pair(strong, now(strong.allocated()), weak, now(weak.allocated()));
    }

    private static BufferCollection now(CompletionStage<BufferCollection> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    /** A strong participant done with the collection: released and closed, and its VMOs closed. */
    private static void done(SharedCollection node, BufferCollection buffers) {
        node.release();
        node.close();
        buffers.close();
    }

    private static boolean signalled(BufferCollection collection, int index) {
        return collection.closeWeakAsap(index).orElseThrow().toCompletableFuture().isDone();
    }

    private void awaitSignal(BufferCollection collection, int index) throws Exception {
        collection.closeWeakAsap(index).orElseThrow().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void closeWeakAsapComesWhenNoStrongNodeAndNoStrongVmoIsLeftAndTheMemoryWaitsForTheWeakVmos() throws Exception {
        Pair pair = allocatedPair();
        assertTrue(pair.strongBuffers().closeWeakAsap(0).isEmpty(), "a strong participant's buffers have no signal");
        assertTrue(registry.getVmoInfo(pair.strongBuffers().buffers().getFirst()).closeWeakAsap().isEmpty());
        CompletionStage<Void> viaInfo = registry.getVmoInfo(pair.weakBuffers().buffers().getFirst()).closeWeakAsap()
                .orElseThrow(); // sysmem's GetVmoInfo answers a weak VMO with its close_weak_asap
        assertEquals(pair.strongBuffers().id(), registry.getVmoInfo(pair.weakBuffers().buffers().getFirst())
                .bufferCollectionId());
        assertFalse(signalled(pair.weakBuffers(), 0));
        assertTrue(registry.negotiations().getFirst().participants().stream()
                .anyMatch(p -> p.bundle().contains("cache") && p.state().contains("(weak)")),
                registry.negotiations().toString());

        pair.strong().release();
        pair.strong().close();
        assertFalse(signalled(pair.weakBuffers(), 0), "the producer's VMO is still open: a strong VMO is left");

        pair.strongBuffers().close();
        awaitSignal(pair.weakBuffers(), 0);
        assertTrue(viaInfo.toCompletableFuture().isDone(), "getVmoInfo's signal is the buffer's");
        assertTrue(heap.outstandingBytes.get() > 0, "the weak VMO still reaches the memory: it stays");
        pair.weakBuffers().buffers().getFirst().read(0, java.lang.foreign.MemorySegment.ofArray(new byte[1]));

        pair.weakBuffers().close();
        pair.weak().close(); // the collection failed as its last strong VMO went: nothing left to release
        assertEquals(0, heap.outstandingBytes.get(), "the last weak VMO closed: the heap has its buffer back");
        assertTrue(registry.negotiations().isEmpty());
    }

    @Test
    void anOpenStrongNodeKeepsTheBuffersStrongEvenWithoutStrongVmos() throws Exception {
        Pair pair = allocatedPair();
        pair.strongBuffers().close();
        assertFalse(signalled(pair.weakBuffers(), 0), "the producer's collection is open: it could still hand out");

        pair.strong().release();
        pair.strong().close();
        awaitSignal(pair.weakBuffers(), 0);
        pair.weakBuffers().close();
        pair.weak().close();
    }

    @Test
    void aFailedCollectionSignalsCloseWeakAsapAtOnce() throws Exception {
        Pair pair = allocatedPair();
        pair.strong().close(); // without release: the collection fails
        awaitSignal(pair.weakBuffers(), 0);
        assertTrue(heap.outstandingBytes.get() > 0, "both VMOs are still open");
        pair.strongBuffers().close();
        pair.weakBuffers().close();
        pair.weak().close();
    }

    @Test
    void aWeakCollectionWithoutSetWeakOkCannotWaitForItsBuffers() {
        Bound bound = boundPair();
        SharedCollection strong = bound.strong();
        SharedCollection weak = bound.weak();
        weak.setConstraints(READER);
        SysmemException e = assertError(SysmemError.PROTOCOL_DEVIATION, weak::allocated);
        assertTrue(e.getMessage().contains("setWeakOk"), e.getMessage());
        assertTrue(registry.negotiations().isEmpty(), "misuse failed the collection: " + registry.negotiations());
        weak.close();
        strong.close();
    }

    @Test
    void setWeakOkForChildNodesAlsoCoversNodesMadeAfterIt() throws Exception {
        BufferCollectionToken root = producer.newSharedCollection();
        BufferCollectionToken forCache = root.duplicate();
        forCache.setWeak();
        forCache.setWeakOk(true);
        BufferCollectionToken child = forCache.duplicate(); // weak, and weak-ok, as made after both calls
        forCache.release();
        forCache.close();
        SharedCollection strong = producer.bind(root);
        SharedCollection weak = cache.bind(child);
        weak.setConstraints(READER);
        strong.setConstraints(WRITER);
        BufferCollection weakBuffers = now(weak.allocated());
        BufferCollection strongBuffers = now(strong.allocated());
        assertTrue(weakBuffers.closeWeakAsap(0).isPresent(), "the child is weak");
        assertThrows(IndexOutOfBoundsException.class, () -> weakBuffers.closeWeakAsap(1));
        done(strong, strongBuffers);
        awaitSignal(weakBuffers, 0);
        weakBuffers.close();
        weak.close();
    }

    @Test
    void setWeakOnceReadyAndSetWeakOkAfterAllocatedAreProtocolDeviations() throws Exception {
        BufferCollectionToken root = producer.newSharedCollection();
        BufferCollectionToken forGroup = root.duplicate();
        BufferCollectionTokenGroup group = forGroup.createGroup();
        BufferCollectionToken member = group.createChild();
        group.allChildrenPresent();
        SysmemException late = assertError(SysmemError.PROTOCOL_DEVIATION, group::setWeak);
        assertTrue(late.getMessage().contains("after allChildrenPresent"), late.getMessage());
        List.of(member, forGroup, group).forEach(node -> node.close());

        Pair pair = allocatedPair();
        SysmemException afterConstraints = assertError(SysmemError.PROTOCOL_DEVIATION, pair.strong()::setWeak);
        assertTrue(afterConstraints.getMessage().contains("after setConstraints"), afterConstraints.getMessage());
        pair.strongBuffers().close();
        pair.weakBuffers().close();
        pair.weak().close();
        pair.strong().close();

        Pair again = allocatedPair();
        SysmemException afterWait = assertError(SysmemError.PROTOCOL_DEVIATION, () -> again.weak().setWeakOk(false));
        assertTrue(afterWait.getMessage().contains("setWeakOk after allocated()"), afterWait.getMessage());
        again.strongBuffers().close();
        again.weakBuffers().close();
        again.weak().close();
        again.strong().close();
    }

    @Test
    void aCollectionWhoseNodesAreAllWeakIsNotAllocated() throws Exception {
        BufferCollectionToken root = cache.newSharedCollection();
        root.setWeak();
        SharedCollection only = cache.bind(root);
        only.setWeakOk(false);
        only.setConstraints(READER);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> only.allocated().toCompletableFuture().get(5, TimeUnit.SECONDS));
        SysmemException cause = (SysmemException) e.getCause();
        assertEquals(SysmemError.UNSPECIFIED, cause.error());
        assertTrue(cause.getMessage().contains("every node left is weak"), cause.getMessage());
        only.close();
        assertEquals(0, heap.allocations.get(), "nothing was allocated");
    }

    @Test
    void aWeakLateJoinerGetsWeakVmosOfTheExistingBuffers() throws Exception {
        BufferCollectionToken root = producer.newSharedCollection();
        SharedCollection strong = producer.bind(root);
        strong.setConstraints(WRITER);
        BufferCollection strongBuffers = now(strong.allocated());
        BufferCollectionToken attached = strong.attachToken(java.util.EnumSet.allOf(heap.api.vmo.VmoRight.class));
        attached.setWeak();
        SharedCollection late = cache.bind(attached);
        late.setWeakOk(false);
        late.setConstraints(READER);
        BufferCollection lateBuffers = now(late.allocated());
        assertTrue(lateBuffers.closeWeakAsap(0).isPresent());
        assertEquals(strongBuffers.buffers().getFirst().size(), lateBuffers.buffers().getFirst().size());

        done(strong, strongBuffers);
        awaitSignal(lateBuffers, 0);
        lateBuffers.close();
        late.close();
    }

    /** A weak joiner after the last strong node: the buffers while a strong VMO is left; none once all are gone. */
    @Test
    void aWeakParticipantJoiningAfterTheLastStrongNodeGetsTheBuffersOnlyWhileAStrongVmoIsLeft() throws Exception {
        BufferCollectionToken root = producer.newSharedCollection();
        SharedCollection strong = producer.bind(root);
        strong.setConstraints(WRITER);
        BufferCollection strongBuffers = now(strong.allocated());
        BufferCollectionToken first = strong.attachToken(java.util.EnumSet.allOf(heap.api.vmo.VmoRight.class));
        first.setWeak();
        BufferCollectionToken second = strong.attachToken(java.util.EnumSet.allOf(heap.api.vmo.VmoRight.class));
        second.setWeak();
        strong.release();
        strong.close();

        SharedCollection late = cache.bind(first);
        late.setWeakOk(false);
        late.setConstraints(READER);
        BufferCollection lateBuffers = now(late.allocated());
        assertFalse(signalled(lateBuffers, 0), "the producer's VMO is still open");

        strongBuffers.close();
        awaitSignal(lateBuffers, 0);
        SysmemException e = assertError(SysmemError.PROTOCOL_DEVIATION, () -> cache.bind(second));
        assertTrue(e.getMessage().contains("no strong node or strong VMO is left"), e.getMessage());
        assertTrue(heap.outstandingBytes.get() > 0, "the first weak joiner's VMO still reaches the buffer");
        lateBuffers.close();
        late.close();
        second.close();
    }

    /**
     * Once a buffer has no strong VMO left its weak layer goes (the buffer returns as its last weak VMO closes), and
     * no weak VMO of it is handed out again: a weak participant joining then, or asking again, is refused.
     */
    @Test
    void noWeakVmoOfABufferWithoutStrongVmosIsHandedOutAndItsMemoryGoesWithItsLastWeakVmo() throws Exception {
        Bound bound = boundPair();
        SharedCollection strong = bound.strong();
        SharedCollection weak = bound.weak();
        weak.setWeakOk(true);
        weak.setConstraints(READER);
        strong.setConstraints(BufferCollectionConstraints.builder().usage(BufferUsage.CPU_WRITE)
                .memory(size(PAGE).build()).minBufferCountForCamping(2).build());
        BufferCollection strongBuffers = now(strong.allocated());
        BufferCollection weakBuffers = now(weak.allocated());
        BufferCollectionToken late = weak.attachToken(java.util.EnumSet.allOf(heap.api.vmo.VmoRight.class));
        strong.release();
        strong.close();
        long both = heap.outstandingBytes.get();

        strongBuffers.buffers().get(0).close();
        awaitSignal(weakBuffers, 0);
        assertFalse(signalled(weakBuffers, 1), "buffer 1 still has its strong VMO");
        weakBuffers.buffers().get(0).close();
        assertEquals(both / 2, heap.outstandingBytes.get(), "buffer 0 went back with its last weak VMO");

        SharedCollection joining = cache.bind(late); // weak, and weak-ok, as made after both calls on its parent
        joining.setConstraints(READER);
        try {
            now(joining.allocated());
            throw new AssertionError("a weak VMO of buffer 0 was handed out again");
        } catch (ExecutionException e) {
            assertTrue(e.getCause().getMessage().contains("buffer 0 of shared collection"), e.getCause().getMessage());
        }
        ExecutionException again = assertThrows(ExecutionException.class,
                () -> weak.allocated().toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertTrue(again.getCause().getMessage().contains("no weak VMO of it is handed out any more"),
                again.getCause().getMessage());

        strongBuffers.close();
        awaitSignal(weakBuffers, 1);
        weakBuffers.close();
        assertEquals(0, heap.outstandingBytes.get());
        joining.close();
        weak.close();
    }

    @Test
    void weakVmosStillOpenFiveSecondsAfterCloseWeakAsapAreLoggedAsALeakNamingTheirHolderAndClosedOnesAreNot()
            throws Exception {
        Pair leaky = allocatedPair();
        Pair prompt = allocatedPair();
        List<LogRecord> logged = loggedDuring(() -> {
            try {
                for (Pair pair : List.of(leaky, prompt)) {
                    done(pair.strong(), pair.strongBuffers());
                    awaitSignal(pair.weakBuffers(), 0);
                }
                prompt.weakBuffers().close(); // as told
                Thread.sleep(5_500);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        List<String> leaks = logged.stream().map(LogRecord::getMessage)
                .filter(message -> message.contains("are still open 5 s after close_weak_asap")).toList();
        assertEquals(1, leaks.size(), leaks.toString());
        assertTrue(leaks.getFirst().startsWith("shared collection " + leaky.strong().collectionId() + ": weak VMOs of "
                + "buffer 0") && leaks.getFirst().contains("handed to participant 'cache 1.0.0 [8]' (bundle cache"), leaks.getFirst());
        leaky.weakBuffers().close();
        leaky.weak().close();
        prompt.weak().close();
    }
}
