package heap.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.CoherencyDomain;
import heap.api.HeapId;
import heap.api.SysmemError;
import heap.api.SysmemException;
import heap.api.allocator.BufferAllocator;
import heap.api.allocator.BufferCollection;
import heap.api.allocator.BufferCollectionConstraints;
import heap.api.allocator.BufferCollectionToken;
import heap.api.allocator.BufferUsage;
import heap.api.allocator.NegotiationStatus;
import heap.api.allocator.SharedCollection;
import heap.api.allocator.VmoInfo;
import heap.api.vmo.VmoRight;
import heap.registry.FakeHeap.Fault;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Shared collections negotiated by independent participants, as NEGOTIATION.md paraphrases sysmem2's rules. */
class NegotiationTest extends RegistryTestSupport {
    private static final EnumSet<VmoRight> READ_ONLY = EnumSet.of(VmoRight.READ, VmoRight.MAP, VmoRight.DUPLICATE);
    private FakeHeap heap;
    private BufferAllocator producer;
    private BufferAllocator consumer;

    @BeforeEach
    void heapsAndBundles() {
        heap = add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NONE);
        producer = registry.view(7, "producer", "1.0.0");
        consumer = registry.view(8, "consumer", "1.0.0");
    }

    private static BufferCollectionConstraints.Builder uses(BufferUsage... usage) {
        return BufferCollectionConstraints.builder().usage(usage).memory(size(PAGE).build());
    }

    private static BufferCollection now(CompletionStage<BufferCollection> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static SysmemException failure(CompletionStage<BufferCollection> stage) {
        try {
            stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return (SysmemException) e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the stage completed normally");
    }

    /** C5 and R2 (GetClientVmoRights): camping adds up over participants; each gets its own handles, WRITE only for a writer. */
    @Test
    void aProducerAndAReadOnlyConsumerGetTheirOwnHandlesToTheSameThreeBuffers() throws Exception {
        BufferCollectionToken token = producer.newSharedCollection();
        BufferCollectionToken forConsumer = token.duplicate(READ_ONLY);
        SharedCollection produced = producer.bind(token);
        SharedCollection consumed = consumer.bind(forConsumer);
        produced.setName(10, "frames");
        produced.setConstraints(uses(BufferUsage.CPU_WRITE).minBufferCountForCamping(2).build());
        CompletionStage<BufferCollection> producerBuffers = produced.allocated();
        assertFalse(producerBuffers.toCompletableFuture().isDone(), "the consumer has not set constraints yet");
        assertEquals("bound, constraints not set", registry.negotiations().get(0).participants().get(1).state());

        consumed.setConstraints(uses(BufferUsage.CPU_READ).minBufferCountForCamping(1).build());

        BufferCollection mine = now(producerBuffers);
        BufferCollection theirs = now(consumed.allocated());
        assertEquals(3, mine.buffers().size());
        assertEquals(3, theirs.buffers().size());
        assertTrue(mine.buffers().get(0).rights().contains(VmoRight.WRITE));
        assertFalse(theirs.buffers().get(0).rights().contains(VmoRight.WRITE), "the consumer's token was read-only");
        mine.buffers().get(2).write(0, MemorySegment.ofArray(new byte[] {42}));
        byte[] seen = new byte[1];
        theirs.buffers().get(2).read(0, MemorySegment.ofArray(seen));
        assertEquals(42, seen[0], "the same buffers");
        assertEquals(mine.id(), registry.getVmoInfo(theirs.buffers().get(1)).bufferCollectionId());
        assertEquals("allocated", registry.negotiations().get(0).state());
        assertTrue(registry.negotiations().get(0).aggregated().startsWith("3 x 4096 bytes"));
        assertEquals("frames", registry.negotiations().get(0).name());
        mine.close();
        assertEquals(3 * PAGE, heap.outstandingBytes.get(), "the consumer's handles keep the buffers");
        theirs.close();
        produced.close();
        consumed.close();
        assertEquals(0, heap.outstandingBytes.get());
        assertTrue(registry.negotiations().isEmpty());
    }

    /** R3: each participant's handle i is a child of the same buffer i, as sysmem hands every participant the same VMOs. */
    @Test
    void everyParticipantsHandleAtAnIndexIsTheBufferOfThatIndex() throws Exception {
        Negotiated negotiated = producerAndReadOnlyConsumer(3);
        BufferCollection mine = negotiated.mine();
        BufferCollection theirs = negotiated.theirs();
        for (int index = 0; index < 3; index++) {
            mine.buffers().get(index).write(0, MemorySegment.ofArray(new byte[] {(byte) (index + 1)}));
        }
        for (int index = 0; index < 3; index++) {
            byte[] seen = new byte[1];
            theirs.buffers().get(index).read(0, MemorySegment.ofArray(seen));
            assertEquals(index + 1, seen[0], "buffer " + index);
            assertEquals(index, registry.getVmoInfo(theirs.buffers().get(index)).bufferIndex());
            assertEquals(index, registry.getVmoInfo(mine.buffers().get(index)).bufferIndex());
        }
        negotiated.closeAll();
        assertEquals(0, heap.outstandingBytes.get());
    }

    /** A collection of one buffer: the registry keeps its one handle without a list; each participant still gets one. */
    @Test
    void aNegotiatedCollectionOfOneBufferGivesEachParticipantAHandleToIt() throws Exception {
        Negotiated negotiated = producerAndReadOnlyConsumer(1);
        BufferCollection mine = negotiated.mine();
        BufferCollection theirs = negotiated.theirs();
        assertEquals(1, mine.buffers().size());
        assertEquals(1, theirs.buffers().size());
        mine.buffers().getFirst().write(0, MemorySegment.ofArray(new byte[] {7}));
        byte[] seen = new byte[1];
        theirs.buffers().getFirst().read(0, MemorySegment.ofArray(seen));
        assertEquals(7, seen[0], "the same buffer");
        assertEquals(new VmoInfo(mine.id(), 0), registry.getVmoInfo(theirs.buffers().getFirst()));
        assertTrue(registry.negotiations().get(0).aggregated().startsWith("1 x 4096 bytes"));
        mine.close();
        assertEquals(PAGE, heap.outstandingBytes.get(), "the consumer's handle keeps the buffer");
        negotiated.closeAll();
        assertEquals(0, heap.outstandingBytes.get());
    }

    /** Both participants of a negotiation and the buffers each was handed. */
    private record Negotiated(SharedCollection produced, SharedCollection consumed, BufferCollection mine,
            BufferCollection theirs) {
        void closeAll() {
            mine.close();
            theirs.close();
            produced.close();
            consumed.close();
        }
    }

    /** A writing producer camping on {@code buffers} buffers and a read-only consumer that asks for none of its own. */
    private Negotiated producerAndReadOnlyConsumer(int buffers) throws Exception {
        BufferCollectionToken token = producer.newSharedCollection();
        BufferCollectionToken forConsumer = token.duplicate(READ_ONLY);
        SharedCollection produced = producer.bind(token);
        SharedCollection consumed = consumer.bind(forConsumer);
        produced.setConstraints(uses(BufferUsage.CPU_WRITE).minBufferCountForCamping(buffers).build());
        consumed.setConstraints(uses(BufferUsage.CPU_READ).build());
        return new Negotiated(produced, consumed, now(produced.allocated()), now(consumed.allocated()));
    }

    /**
     * C5/C6, logical_buffer_collection.cc AccumulateConstraintBufferCollection: camping and dedicated slack add up,
     * shared slack and min_buffer_count take the largest.
     */
    @Test
    void countsAggregateAsSysmemDoes() throws Exception {
        assertEquals(2 + 3 + 1 + 4, negotiate(uses(BufferUsage.CPU_WRITE).minBufferCountForCamping(2)
                .minBufferCountForDedicatedSlack(1).minBufferCountForSharedSlack(1).build(),
                uses(BufferUsage.CPU_READ).minBufferCountForCamping(3).minBufferCountForDedicatedSlack(3)
                        .minBufferCountForSharedSlack(1).build()));
        assertEquals(9, negotiate(uses(BufferUsage.CPU_WRITE).minBufferCount(9).build(),
                uses(BufferUsage.CPU_READ).minBufferCountForCamping(2).build()));
    }

    private int negotiate(BufferCollectionConstraints first, BufferCollectionConstraints second) throws Exception {
        BufferCollectionToken token = producer.newSharedCollection();
        SharedCollection other = consumer.bind(token.duplicate());
        SharedCollection mine = producer.bind(token);
        mine.setConstraints(first);
        other.setConstraints(second);
        try (BufferCollection buffers = now(mine.allocated())) {
            now(other.allocated()).close();
            return buffers.buffers().size();
        } finally {
            mine.close();
            other.close();
        }
    }

    private SysmemException refused(BufferCollectionConstraints first, BufferCollectionConstraints second) {
        BufferCollectionToken token = producer.newSharedCollection();
        SharedCollection other = consumer.bind(token.duplicate());
        SharedCollection mine = producer.bind(token);
        mine.setConstraints(first);
        other.setConstraints(second);
        SysmemException e = failure(mine.allocated());
        assertEquals(e.getMessage(), failure(other.allocated()).getMessage(), "both sides learn the same cause");
        mine.close();
        other.close();
        return e;
    }

    /** C6 (sysmem's count rule): N above the aggregated max_buffer_count, or 0, is CIE, at aggregation, for everyone. */
    @Test
    void countsThatCannotBeMetAreConstraintsIntersectionEmptyNamingTheCause() {
        SysmemException tooMany = refused(uses(BufferUsage.CPU_WRITE).minBufferCountForCamping(3).build(),
                uses(BufferUsage.CPU_READ).minBufferCountForCamping(2).maxBufferCount(4).build());
        assertEquals(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, tooMany.error());
        assertTrue(tooMany.getMessage().contains("need 5 buffers") && tooMany.getMessage().contains("max_buffer_count is 4"),
                tooMany.getMessage());
        SysmemException overflow = refused(uses(BufferUsage.CPU_WRITE).minBufferCountForCamping(Integer.MAX_VALUE).build(),
                uses(BufferUsage.CPU_READ).minBufferCountForCamping(Integer.MAX_VALUE).build());
        assertTrue(overflow.getMessage().contains("need 4294967294 buffers"), "summed without overflow: "
                + overflow.getMessage());
        assertTrue(refused(uses(BufferUsage.NONE).minBufferCount(1).build(), uses(BufferUsage.NONE).build())
                .getMessage().contains("every usage is NONE"));
        assertTrue(refused(uses(BufferUsage.CPU_WRITE).build(), uses(BufferUsage.CPU_READ).build())
                .getMessage().contains("0 buffers"));
        assertTrue(refused(uses(BufferUsage.CPU_WRITE).minBufferCountForCamping(-1).build(),
                uses(BufferUsage.CPU_READ).minBufferCount(1).build()).getMessage().contains("participant 'producer 1.0.0 [7]'"));
        assertTrue(refused(uses(BufferUsage.CPU_WRITE).minBufferCount(1).build(), BufferCollectionConstraints.builder()
                .usage(BufferUsage.CPU_READ).memory(size(PAGE).secureRequired(true).build()).build())
                .getMessage().contains("participant 'consumer 1.0.0 [8]' asks for secure_required together with CPU usage"));
        assertEquals(0, heap.outstandingBytes.get());
        assertTrue(registry.negotiations().isEmpty());
    }

    /** C8, sysmem GetCoherencyDomain: a display participant makes RAM the domain when the aggregate allows it. */
    @Test
    void aDisplayParticipantMakesRamTheDomain() throws Exception {
        BufferCollectionToken token = producer.newSharedCollection();
        SharedCollection display = consumer.bind(token.duplicate());
        SharedCollection writer = producer.bind(token);
        writer.setConstraints(BufferCollectionConstraints.builder().usage(BufferUsage.NONE).minBufferCount(2)
                .memory(size(PAGE).build()).build());
        display.setConstraints(uses(BufferUsage.DISPLAY).build());
        try (BufferCollection buffers = now(display.allocated())) {
            assertEquals(CoherencyDomain.RAM, buffers.settings().bufferSettings().coherencyDomain());
            assertTrue(now(writer.allocated()).buffers().isEmpty(), "a NONE participant gets no handles");
        }
        writer.close();
        display.close();
    }

    /** F1/F2/F3: a participant that closes before allocation fails the collection for everyone, naming it. */
    @Test
    void aTokenClosedBeforeAllocationFailsEveryParticipantNamingIt() {
        BufferCollectionToken token = producer.newSharedCollection();
        BufferCollectionToken forConsumer = token.duplicate();
        forConsumer.setDebugName("decoder");
        SharedCollection mine = producer.bind(token);
        mine.setConstraints(uses(BufferUsage.CPU_WRITE).minBufferCountForCamping(2).build());
        CompletionStage<BufferCollection> waiting = mine.allocated();
        forConsumer.close();
        SysmemException e = failure(waiting);
        assertEquals(SysmemError.UNSPECIFIED, e.error());
        assertTrue(e.getMessage().contains("participant 'decoder'") && e.getMessage().contains("closed its token"),
                e.getMessage());
        assertEquals(SysmemError.UNSPECIFIED, failure(mine.allocated()).error(), "later waits fail the same way");
        mine.close();
        assertEquals(0, heap.allocations.get());
    }

    /** F1/F7: a bundle that stops before setting constraints is a close without release, failing the others, named. */
    @Test
    void aParticipantBundleStoppingBeforeItsConstraintsFailsBothSides() {
        BufferCollectionToken token = producer.newSharedCollection();
        SharedCollection theirs = consumer.bind(token.duplicate());
        SharedCollection mine = producer.bind(token);
        mine.setConstraints(uses(BufferUsage.CPU_WRITE).minBufferCountForCamping(1).build());
        registry.release(consumer);
        SysmemException e = failure(mine.allocated());
        assertTrue(e.getMessage().contains("consumer 1.0.0 [8]"), e.getMessage());
        assertTrue(registry.negotiations().isEmpty());
        assertError(SysmemError.PROTOCOL_DEVIATION, () -> theirs.setConstraints(uses(BufferUsage.CPU_READ).build()));
        mine.close();
        assertEquals(0, heap.allocations.get());
    }

    /** L6: release, then close, leaves the negotiation without failing it. */
    @Test
    void aReleasedTokenLeavesQuietly() throws Exception {
        BufferCollectionToken token = producer.newSharedCollection();
        BufferCollectionToken spare = token.duplicate();
        SharedCollection mine = producer.bind(token);
        mine.setConstraints(uses(BufferUsage.CPU_WRITE).minBufferCountForCamping(1).build());
        spare.release();
        spare.close();
        try (BufferCollection buffers = now(mine.allocated())) {
            assertEquals(1, buffers.buffers().size());
        }
        mine.close();
    }

    /** F5/F6: after allocation a dispensable participant's failure stays with it; another's fails the collection. */
    @Test
    void afterAllocationOnlyADispensableParticipantMayFailAlone() throws Exception {
        BufferCollectionToken token = producer.newSharedCollection();
        BufferCollectionToken forConsumer = token.duplicate();
        forConsumer.setDispensable();
        SharedCollection theirs = consumer.bind(forConsumer);
        SharedCollection mine = producer.bind(token);
        mine.setConstraints(uses(BufferUsage.CPU_WRITE).minBufferCountForCamping(2).build());
        theirs.setConstraints(uses(BufferUsage.CPU_READ).minBufferCountForCamping(1).build());
        BufferCollection buffers = now(mine.allocated());
        theirs.close(); // without release: it fails, alone
        assertEquals("allocated", registry.negotiations().get(0).state());
        buffers.buffers().get(0).write(0, MemorySegment.ofArray(new byte[] {1}));
        try (BufferCollection again = now(mine.allocated())) {
            assertEquals(3, again.buffers().size(), "still served");
        }

        mine.close(); // the root closes without release: the collection fails, delivered buffers stay valid (F4)
        assertTrue(registry.negotiations().isEmpty());
        buffers.buffers().get(1).write(0, MemorySegment.ofArray(new byte[] {2}));
        assertEquals(3 * PAGE, heap.outstandingBytes.get(), "delivered buffers are never revoked");
        buffers.close();
        assertEquals(0, heap.outstandingBytes.get());
    }

    /** T3/T4: a late participant gets the existing buffers if its counts fit; otherwise it fails alone. */
    @Test
    void anAttachedTokenJoinsAfterAllocationWhenItFitsAndFailsAloneWhenNot() throws Exception {
        BufferCollectionToken token = producer.newSharedCollection();
        SharedCollection mine = producer.bind(token);
        mine.setConstraints(uses(BufferUsage.CPU_WRITE).minBufferCountForCamping(2).minBufferCountForSharedSlack(1)
                .build());
        BufferCollection buffers = now(mine.allocated());
        assertEquals(3, buffers.buffers().size());

        SharedCollection late = consumer.bind(mine.attachToken(READ_ONLY));
        late.setConstraints(uses(BufferUsage.CPU_READ).minBufferCountForSharedSlack(1).build());
        BufferCollection lateBuffers = now(late.allocated());
        assertEquals(buffers.buffers().get(0).koid() != lateBuffers.buffers().get(0).koid(), true);
        assertFalse(lateBuffers.buffers().get(0).rights().contains(VmoRight.WRITE));

        SharedCollection greedy = consumer.bind(mine.attachToken(READ_ONLY));
        greedy.setConstraints(uses(BufferUsage.CPU_READ).minBufferCountForCamping(2).build());
        SysmemException e = failure(greedy.allocated());
        assertEquals(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, e.error());
        assertTrue(e.getMessage().contains("first come, first served"), e.getMessage());
        assertEquals("allocated", registry.negotiations().get(0).state(), "the others are untouched");
        buffers.close();
        lateBuffers.close();
        for (SharedCollection each : List.of(mine, late, greedy)) {
            each.close();
        }
    }

    /**
     * A participant's callback runs after the collection's lock is released (OSGi's rule: no foreign code under a
     * lock), so one that waits for another thread asking about the collection does not deadlock; sysmem's clients get
     * their results as messages, never inside its own serialized section.
     */
    @Test
    void aParticipantsCallbackRunsOutsideTheCollectionsLock() throws Exception {
        BufferCollectionToken token = producer.newSharedCollection();
        BufferCollectionToken forConsumer = token.duplicate(READ_ONLY);
        SharedCollection produced = producer.bind(token);
        SharedCollection consumed = consumer.bind(forConsumer);
        produced.setConstraints(uses(BufferUsage.CPU_WRITE).minBufferCountForCamping(1).build());
        java.util.concurrent.ExecutorService other = java.util.concurrent.Executors.newSingleThreadExecutor();
        java.util.concurrent.CompletableFuture<String> seen = new java.util.concurrent.CompletableFuture<>();
        try {
            produced.allocated().thenAccept(buffers -> {
                try {
                    other.submit(registry::negotiations).get(2, java.util.concurrent.TimeUnit.SECONDS);
                    seen.complete("answered");
                } catch (Exception e) {
                    seen.complete("blocked: " + e);
                }
                buffers.close();
            });
            consumed.setConstraints(uses(BufferUsage.CPU_READ).build()); // allocates: the callback runs on this thread
            assertEquals("answered", seen.get(5, java.util.concurrent.TimeUnit.SECONDS));
        } finally {
            other.shutdownNow();
        }
        now(consumed.allocated()).close();
        produced.close();
        consumed.close();
    }

    /**
     * Sysmem's FailDownFrom goes through attached tokens: when the whole collection fails, a late participant still
     * waiting to join fails with it instead of waiting for buffers that will never come.
     */
    @Test
    void aFailedCollectionFailsItsPendingLateParticipantsToo() throws Exception {
        BufferCollectionToken token = producer.newSharedCollection();
        SharedCollection mine = producer.bind(token);
        mine.setConstraints(uses(BufferUsage.CPU_WRITE).minBufferCountForCamping(1).build());
        BufferCollection buffers = now(mine.allocated());
        SharedCollection late = consumer.bind(mine.attachToken(READ_ONLY));
        BufferCollectionToken lateToken = late.attachToken(READ_ONLY); // keeps the late subtree from joining yet

        mine.close(); // without release: the collection fails
        SysmemException e = assertError(SysmemError.PROTOCOL_DEVIATION,
                () -> late.setConstraints(uses(BufferUsage.CPU_READ).build()));
        assertTrue(e.getMessage().contains("the collection failed"), e.getMessage());
        assertTrue(registry.negotiations().isEmpty());
        buffers.close();
        lateToken.close();
        late.close();
    }

    private void assertMisuse(Executable misuse) {
        assertError(SysmemError.PROTOCOL_DEVIATION, misuse);
    }

    /**
     * L3 (a token bound twice), L4 (SetConstraints twice), L2 (a mask may only attenuate), L5 (wait before
     * SetConstraints): PROTOCOL_DEVIATION to the offender, and its domain fails (F1), leaving nothing allocated.
     */
    @Test
    void protocolMisuseIsProtocolDeviationAndLeavesNothingBehind() {
        BufferCollectionToken token = producer.newSharedCollection();
        producer.bind(token);
        assertMisuse(() -> consumer.bind(token)); // bound twice

        BufferCollectionToken second = producer.newSharedCollection();
        SharedCollection once = producer.bind(second);
        once.setConstraints(uses(BufferUsage.CPU_WRITE).minBufferCount(1).maxBufferCount(1).build());
        assertMisuse(() -> once.setConstraints(uses(BufferUsage.CPU_WRITE).build())); // twice

        BufferCollectionToken third = producer.newSharedCollection();
        BufferCollectionToken readOnly = third.duplicate(READ_ONLY);
        assertMisuse(() -> readOnly.duplicate(EnumSet.allOf(VmoRight.class))); // escalation
        BufferCollectionToken fourth = producer.newSharedCollection();
        BufferCollectionToken closed = fourth.duplicate();
        closed.close();
        assertMisuse(() -> closed.duplicate()); // duplicate of a closed token
        assertMisuse(() -> producer.bind(null));
        SharedCollection early = producer.bind(producer.newSharedCollection());
        assertMisuse(early::allocated); // before setConstraints
        registry.release(producer);
        assertTrue(registry.negotiations().isEmpty(), "every misused collection failed and is gone: "
                + registry.negotiations());
        assertEquals(0, heap.outstandingBytes.get());
    }

    /** 1 000 negotiations of 3 participants on 2 threads: each allocates for all or fails for all. */
    @Test
    void manyConcurrentNegotiationsAllocateForAllOrFailForAll() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<int[]>> results = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                long seed = t;
                results.add(threads.submit(() -> negotiateRandomly(new Random(seed), 500)));
            }
            int allocated = 0;
            int failed = 0;
            for (Future<int[]> result : results) {
                allocated += result.get(60, TimeUnit.SECONDS)[0];
                failed += result.get()[1];
            }
            assertEquals(1000, allocated + failed);
            assertTrue(allocated > 100 && failed > 100, allocated + " allocated, " + failed + " failed");
        } finally {
            threads.shutdownNow();
        }
        assertTrue(registry.negotiations().isEmpty());
    }

    private int[] negotiateRandomly(Random random, int rounds) throws Exception {
        int allocated = 0;
        int failed = 0;
        BufferAllocator[] bundles = {producer, consumer, registry.view(9, "third", "1.0.0")};
        for (int round = 0; round < rounds; round++) {
            BufferCollectionToken token = bundles[0].newSharedCollection();
            List<SharedCollection> participants = new ArrayList<>(List.of(bundles[1].bind(token.duplicate()),
                    bundles[2].bind(token.duplicate(READ_ONLY)), bundles[0].bind(token)));
            java.util.Collections.shuffle(participants, random);
            for (SharedCollection participant : participants) {
                participant.setConstraints(BufferCollectionConstraints.builder()
                        .usage(random.nextBoolean() ? BufferUsage.CPU_READ : BufferUsage.CPU_WRITE)
                        .minBufferCountForCamping(random.nextInt(3)).maxBufferCount(2 + random.nextInt(6))
                        .memory(size(PAGE * (1 + random.nextInt(4))).maxSizeBytes(PAGE * (2 + random.nextInt(8))).build())
                        .build());
            }
            List<CompletionStage<BufferCollection>> stages = new ArrayList<>();
            for (SharedCollection participant : participants) {
                stages.add(participant.allocated());
            }
            List<Boolean> outcomes = new ArrayList<>();
            for (CompletionStage<BufferCollection> stage : stages) {
                try {
                    now(stage).close();
                    outcomes.add(true);
                } catch (ExecutionException e) {
                    outcomes.add(false);
                }
            }
            for (SharedCollection participant : participants) {
                if (outcomes.get(0)) {
                    participant.release(); // leave quietly, as a well-behaved participant does
                }
                participant.close();
            }
            assertTrue(outcomes.stream().distinct().count() == 1, "all or nothing: " + outcomes);
            if (outcomes.get(0)) {
                allocated++;
            } else {
                failed++;
            }
        }
        return new int[] {allocated, failed};
    }
    /** The lines a stall report wrote among {@code records}. */
    private static List<String> stallReports(List<java.util.logging.LogRecord> records) {
        return records.stream().map(java.util.logging.LogRecord::getMessage)
                .filter(message -> message.contains(" is not allocated ")).toList();
    }

    /**
     * A2 (sysmem's LogicalBufferCollection::CreationTimedOut): nothing times out, but a collection still pending 5 s
     * after it was made names the tokens not bound and the participants without constraints, and once more 30 s
     * later; never again, and never once allocated.
     */
    @Test
    void aStalledNegotiationNamesWhomItWaitsForFiveSecondsInAndOnceMoreThirtySecondsLater() throws Exception {
        BufferCollectionToken token = producer.newSharedCollection();
        BufferCollectionToken forConsumer = token.duplicate(READ_ONLY);
        forConsumer.setDebugName("decoder");
        SharedCollection produced = producer.bind(token);
        produced.setName(10, "frames");
        long made = System.nanoTime();
        long id = produced.collectionId();
        List<String> reports = stallReports(loggedDuring(() -> {
            registry.reportStalledNegotiations(made + 4_000_000_000L); // not due yet
            registry.reportStalledNegotiations(made + 6_000_000_000L);
            registry.reportStalledNegotiations(made + 30_000_000_000L); // the next is due 30 s after the first
            registry.reportStalledNegotiations(made + 37_000_000_000L);
            registry.reportStalledNegotiations(made + 100_000_000_000L); // twice at most
        }));
        String waiting = "tokens not bound: participant 'decoder' (bundle producer 1.0.0 [7]); constraints not set: "
                + "participant 'producer 1.0.0 [7]' (bundle producer 1.0.0 [7])"; // a token is its maker's until bound
        assertEquals(List.of("shared collection " + id + " 'frames' is not allocated 6 s after it was made: " + waiting
                + " (said once more in 30 s if still so)", "shared collection " + id + " 'frames' is not allocated 37 s "
                + "after it was made: " + waiting), reports);

        SharedCollection consumed = consumer.bind(forConsumer);
        produced.setConstraints(uses(BufferUsage.CPU_WRITE).minBufferCountForCamping(1).build());
        consumed.setConstraints(uses(BufferUsage.CPU_READ).minBufferCountForCamping(1).build());
        BufferCollection mine = now(produced.allocated());
        BufferCollection theirs = now(consumed.allocated());
        SharedCollection alone = producer.bind(producer.newSharedCollection());
        alone.setConstraints(uses(BufferUsage.CPU_WRITE).minBufferCountForCamping(1).build());
        BufferCollection aloneBuffers = now(alone.allocated());
        assertEquals(List.of(), stallReports(loggedDuring(
                () -> registry.reportStalledNegotiations(System.nanoTime() + 100_000_000_000L))), "allocated: no report");
        for (BufferCollection buffers : List.of(mine, theirs, aloneBuffers)) {
            buffers.close();
        }
        for (SharedCollection participant : List.of(produced, consumed, alone)) {
            participant.release();
            participant.close();
        }
    }

    /**
     * What ready() waits for, as operators see it: a token not bound and a collection without constraints block the
     * allocation; a participant with constraints and one behind an attached token (T3: it joins later) do not, and
     * once allocated nothing does.
     */
    @Test
    void theParticipantsAPendingCollectionWaitsForAreMarkedBlockingAndAnAttachedOneIsNot() throws Exception {
        BufferCollectionToken token = producer.newSharedCollection();
        BufferCollectionToken forConsumer = token.duplicate(READ_ONLY);
        forConsumer.setDebugName("decoder");
        SharedCollection produced = producer.bind(token);
        BufferCollectionToken late = produced.attachToken(READ_ONLY);
        late.setDebugName("recorder");
        assertEquals(Map.of("producer 1.0.0 [7]", true, "decoder", true, "recorder", false), blockingByName());

        produced.setConstraints(uses(BufferUsage.CPU_WRITE).minBufferCountForCamping(1).build());
        assertEquals(Map.of("producer 1.0.0 [7]", false, "decoder", true, "recorder", false), blockingByName());

        SharedCollection consumed = consumer.bind(forConsumer);
        assertEquals(Map.of("producer 1.0.0 [7]", false, "decoder", true, "recorder", false), blockingByName(),
                "bound, but without constraints");
        consumed.setConstraints(uses(BufferUsage.CPU_READ).minBufferCountForCamping(1).build());
        BufferCollection mine = now(produced.allocated());
        BufferCollection theirs = now(consumed.allocated());
        assertEquals(Map.of("producer 1.0.0 [7]", false, "decoder", false, "recorder", false), blockingByName(),
                "allocated: the attached token waits for nothing but its own joining");
        late.close();
        mine.close();
        theirs.close();
        for (SharedCollection participant : List.of(produced, consumed)) {
            participant.release();
            participant.close();
        }
    }

    private Map<String, Boolean> blockingByName() {
        return registry.negotiations().getFirst().participants().stream()
                .collect(Collectors.toMap(NegotiationStatus.Participant::name, NegotiationStatus.Participant::blocking));
    }

    /** A2, SetDebugTimeoutLogDeadline: the first report comes at the deadline given, from the registry's own timer. */
    @Test
    void aDeadlineMovesTheFirstStallReportAndTheRegistrysTimerMakesIt() {
        BufferCollectionToken token = consumer.newSharedCollection();
        token.setDebugTimeoutLogDeadline(java.time.Instant.now().plusMillis(100));
        List<String> reports = stallReports(loggedDuring(() -> {
            try {
                Thread.sleep(1_500); // the timer looks every 250 ms
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }));
        assertEquals(1, reports.size(), reports.toString());
        assertTrue(reports.getFirst().contains("is not allocated 0 s after it was made: tokens not bound: participant "
                + "'consumer 1.0.0 [8]' (bundle consumer 1.0.0 [8]) (said once more in 30 s"), reports.getFirst());
        assertError(SysmemError.PROTOCOL_DEVIATION, () -> token.setDebugTimeoutLogDeadline(null));
        token.close(); // the null deadline failed the collection (misuse): closing it changes nothing more
    }

    /** L6: after release, the only call left is close; a deadline set then is misuse like any other call. */
    @Test
    void aDeadlineSetAfterReleaseIsAProtocolDeviation() {
        SharedCollection produced = producer.bind(producer.newSharedCollection());
        produced.release();
        assertError(SysmemError.PROTOCOL_DEVIATION, () -> produced.setDebugTimeoutLogDeadline(java.time.Instant.now()));
        produced.close();
    }
}

