package heap.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import heap.api.allocator.NegotiationStatus;
import heap.api.allocator.SharedCollection;
import heap.api.vmo.VmoRight;
import heap.registry.FakeHeap.Fault;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Token groups, a prioritized OR among child tokens: sysmem's BufferCollectionTokenGroup and the group child
 * selection of LogicalBufferCollection::MaybeAllocate (Init/NextGroupChildSelection, kMaxGroupChildCombinations).
 */
class TokenGroupTest extends RegistryTestSupport {
    private static final EnumSet<VmoRight> READ_ONLY = EnumSet.of(VmoRight.READ, VmoRight.MAP, VmoRight.DUPLICATE);
    private FakeHeap heap;
    private BufferAllocator producer;
    private BufferAllocator consumer;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void heapAndBundles() {
        heap = add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NONE);
        producer = registry.view(7, "producer", "1.0.0");
        consumer = registry.view(8, "consumer", "1.0.0");
    }

    /** A writer of buffers of at least four pages, camping on one. */
    private static BufferCollectionConstraints fourPagesOrMore() {
        return BufferCollectionConstraints.builder().usage(BufferUsage.CPU_WRITE).memory(size(4 * PAGE).build())
                .minBufferCountForCamping(1).build();
    }

    /** A reader of buffers of {@code min} bytes up to {@code max}, camping on one. */
    private static BufferCollectionConstraints reads(long min, long max) {
        return BufferCollectionConstraints.builder().usage(BufferUsage.CPU_READ)
                .memory(size(min).maxSizeBytes(max).build()).minBufferCountForCamping(1).build();
    }

    /** A late reader of buffers of at least {@code min} bytes, claiming no buffer of its own (T3). */
    private static BufferCollectionConstraints joining(long min) {
        return BufferCollectionConstraints.builder().usage(BufferUsage.CPU_READ).memory(size(min).build()).build();
    }

    private static final BufferCollectionConstraints FITS = reads(PAGE, 64 * PAGE);
    private static final BufferCollectionConstraints TOO_SMALL = reads(PAGE, 2 * PAGE); // below four pages

    /** The producer's collection, and under a token of its own (released once used) each group with its children. */
    private record Made(SharedCollection produced, List<BufferCollectionTokenGroup> groups,
            List<List<BufferCollectionToken>> children) {
    }

    private Made producerWith(int... childrenPerGroup) {
        BufferCollectionToken root = producer.newSharedCollection();
        List<BufferCollectionTokenGroup> groups = new ArrayList<>();
        List<List<BufferCollectionToken>> children = new ArrayList<>();
        for (int count : childrenPerGroup) {
            BufferCollectionToken forGroup = root.duplicate();
            BufferCollectionTokenGroup group = forGroup.createGroup();
            List<BufferCollectionToken> tokens = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                tokens.add(group.createChild());
            }
            groups.add(group);
            children.add(tokens);
            forGroup.release();
            forGroup.close();
        }
        return new Made(keep(producer.bind(root)), groups, children);
    }

    private <T extends AutoCloseable> T keep(T closeable) {
        open.add(0, closeable);
        return closeable;
    }

    /** A child of a group, bound by the consumer with {@code constraints}. */
    private SharedCollection child(BufferCollectionToken token, BufferCollectionConstraints constraints) {
        SharedCollection collection = keep(consumer.bind(token));
        collection.setConstraints(constraints);
        return collection;
    }

    private static BufferCollection now(CompletionStage<BufferCollection> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static SysmemException failure(CompletionStage<BufferCollection> stage) throws Exception {
        try {
            stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return (SysmemException) e.getCause();
        }
        throw new AssertionError("the stage completed normally");
    }

    /** Closes what a test opened, released first as sysmem asks, so the support's leak check sees it all come back. */
    private void closeAll() throws Exception {
        releaseAndClose(open);
        assertEquals(0, heap.outstandingBytes.get(), "every buffer went back");
    }

    @Test
    void aGroupTakesItsFirstChildAndItsOtherChildrenFailAsNotChosen() throws Exception {
        Made made = producerWith(2);
        SharedCollection produced = made.produced();
        BufferCollectionTokenGroup group = keep(made.groups().getFirst());
        BufferCollectionToken third = group.createChildren(List.of(READ_ONLY)).getFirst(); // made in one call
        group.allChildrenPresent();
        List<SharedCollection> children = new ArrayList<>();
        children.add(child(made.children().getFirst().get(0), FITS));
        children.add(child(made.children().getFirst().get(1), FITS));
        children.add(child(third, FITS));
        produced.setConstraints(fourPagesOrMore());

        BufferCollection mine = keep(now(produced.allocated()));
        BufferCollection chosen = keep(now(children.get(0).allocated()));
        assertEquals(2, mine.buffers().size(), "the producer's camping and the chosen child's; not the others'");
        assertTrue(mine.buffers().get(0).koid() != chosen.buffers().get(0).koid(), "each its own handles");
        for (SharedCollection notChosen : children.subList(1, 3)) {
            SysmemException e = failure(notChosen.allocated());
            assertEquals(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, e.error());
            assertTrue(e.getMessage().contains("was not chosen"), e.getMessage());
        }
        assertEquals("allocated", registry.negotiations().getFirst().state());
        closeAll();
    }

    /** MaybeAllocate: a combination whose aggregation fails (CIE) moves on to the next child. */
    @Test
    void aGroupFallsBackToItsNextChildWhenTheFirstDoesNotFit() throws Exception {
        Made made = producerWith(2);
        SharedCollection produced = made.produced();
        keep(made.groups().getFirst()).allChildrenPresent();
        SharedCollection preferred = child(made.children().getFirst().get(0), TOO_SMALL);
        SharedCollection fallback = child(made.children().getFirst().get(1), FITS);
        produced.setConstraints(fourPagesOrMore());

        BufferCollection mine = keep(now(produced.allocated()));
        keep(now(fallback.allocated()));
        assertEquals(4 * PAGE, mine.buffers().get(0).size());
        assertEquals(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, failure(preferred.allocated()).error());
        closeAll();
    }

    /**
     * NextGroupChildSelection is an odometer whose last group turns fastest: with (a0, b0) refused, (a0, b1) comes
     * before (a1, b0), so the first group keeps its preferred child.
     */
    @Test
    void combinationsAreTriedWithTheLastGroupsChoiceChangingFirst() throws Exception {
        Made made = producerWith(2, 2);
        SharedCollection produced = made.produced();
        made.groups().forEach(group -> keep(group).allChildrenPresent());
        SharedCollection a0 = child(made.children().get(0).get(0), reads(PAGE, 2 * PAGE));
        SharedCollection a1 = child(made.children().get(0).get(1), FITS);
        SharedCollection b0 = child(made.children().get(1).get(0), reads(3 * PAGE, 64 * PAGE)); // not with a0
        SharedCollection b1 = child(made.children().get(1).get(1), FITS);
        produced.setConstraints(BufferCollectionConstraints.builder().usage(BufferUsage.CPU_WRITE)
                .memory(size(PAGE).build()).minBufferCountForCamping(1).build());

        keep(now(produced.allocated()));
        keep(now(a0.allocated()));
        keep(now(b1.allocated()));
        assertEquals(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, failure(a1.allocated()).error());
        assertEquals(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, failure(b0.allocated()).error());
        closeAll();
    }

    /** kMaxGroupChildCombinations: 7 groups of 2 make 128 combinations; after 64 refused, the allocation gives up. */
    @Test
    void afterSixtyFourRefusedCombinationsTheCollectionFailsWithTooManyGroupChildCombinations() throws Exception {
        Made made = producerWith(2, 2, 2, 2, 2, 2, 2);
        SharedCollection produced = made.produced();
        List<SharedCollection> children = new ArrayList<>();
        for (int g = 0; g < made.groups().size(); g++) {
            keep(made.groups().get(g)).allChildrenPresent();
            for (BufferCollectionToken token : made.children().get(g)) {
                children.add(child(token, TOO_SMALL));
            }
        }
        produced.setConstraints(fourPagesOrMore());
        SysmemException e = failure(produced.allocated());
        assertEquals(SysmemError.TOO_MANY_GROUP_CHILD_COMBINATIONS, e.error());
        assertTrue(e.getMessage().contains("tried 64 combinations") && e.getMessage().contains("max_size_bytes"),
                e.getMessage());
        assertEquals(SysmemError.TOO_MANY_GROUP_CHILD_COMBINATIONS, failure(children.getLast().allocated()).error());
        assertEquals(0, heap.outstandingBytes.get(), "nothing was allocated");
        closeAll();
    }

    @Test
    void whenNoCombinationFitsTheCollectionFailsWithTheReasonOfThePreferredOne() throws Exception {
        Made made = producerWith(2);
        SharedCollection produced = made.produced();
        keep(made.groups().getFirst()).allChildrenPresent();
        child(made.children().getFirst().get(0), TOO_SMALL);
        child(made.children().getFirst().get(1), reads(PAGE, 3 * PAGE));
        produced.setConstraints(fourPagesOrMore());
        SysmemException e = failure(produced.allocated());
        assertEquals(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, e.error());
        assertTrue(e.getMessage().contains("none of the 2 combinations of group children fits; the preferred one")
                && e.getMessage().contains(Long.toString(2 * PAGE)), e.getMessage());
        closeAll();
    }

    /** A group holds the allocation back until allChildrenPresent, and operators (and the stall report) say so. */
    @Test
    void aGroupWaitsForAllChildrenPresentAndIsFlaggedAsWaitedForUntilThen() throws Exception {
        Made made = producerWith(1);
        SharedCollection produced = made.produced();
        BufferCollectionTokenGroup group = keep(made.groups().getFirst());
        SharedCollection only = child(made.children().getFirst().getFirst(), FITS);
        produced.setConstraints(fourPagesOrMore());
        CompletionStage<BufferCollection> waiting = produced.allocated();
        assertFalse(waiting.toCompletableFuture().isDone(), "the group may still get children");
        NegotiationStatus.Participant asShown = registry.negotiations().getFirst().participants().stream()
                .filter(participant -> participant.state().startsWith("group")).findFirst().orElseThrow();
        assertEquals("group of 1 child, more may come", asShown.state());
        assertTrue(asShown.blocking());
        List<String> stallReports = loggedDuring(() -> registry.reportStalledNegotiations(System.nanoTime()
                + 6_000_000_000L)).stream().map(java.util.logging.LogRecord::getMessage).toList();
        assertTrue(stallReports.size() == 1 && stallReports.getFirst().contains("groups without allChildrenPresent: "
                + "the group of participant 'producer 1.0.0 [7]'"), stallReports.toString());

        group.allChildrenPresent();
        keep(now(waiting));
        keep(now(only.allocated()));
        closeAll();
    }

    /** Our rule where sysmem's is not written down: a group released and closed is still a choice among its children. */
    @Test
    void aGroupReleasedAndClosedStillChoosesAmongTheChildrenItMade() throws Exception {
        Made made = producerWith(2);
        SharedCollection produced = made.produced();
        BufferCollectionTokenGroup group = made.groups().getFirst();
        List<BufferCollectionToken> tokens = made.children().getFirst();
        group.release();
        group.close();
        SharedCollection preferred = child(tokens.get(0), FITS);
        SharedCollection other = child(tokens.get(1), FITS);
        produced.setConstraints(fourPagesOrMore());
        keep(now(produced.allocated()));
        keep(now(preferred.allocated()));
        assertEquals(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, failure(other.allocated()).error());
        closeAll();
    }

    /**
     * CommonCreateChildStage1 and CommonAllChildrenPresent: a child after allChildrenPresent, that call without
     * children or twice, are each a PROTOCOL_DEVIATION to the caller and fail the collection (UNSPECIFIED to the others).
     */
    @Test
    void childrenAfterAllChildrenPresentOrNoChildrenAtAllAreProtocolDeviations() throws Exception {
        for (int misuse = 0; misuse < 3; misuse++) {
            Made made = producerWith(misuse == 1 ? 0 : 1);
            BufferCollectionTokenGroup group = keep(made.groups().getFirst());
            made.children().getFirst().forEach(this::keep);
            switch (misuse) {
                case 0 -> {
                    group.allChildrenPresent();
                    assertError(SysmemError.PROTOCOL_DEVIATION, group::createChild);
                }
                case 1 -> assertError(SysmemError.PROTOCOL_DEVIATION, group::allChildrenPresent);
                default -> {
                    group.allChildrenPresent();
                    assertError(SysmemError.PROTOCOL_DEVIATION, group::allChildrenPresent);
                }
            }
            assertEquals("failed", registry.negotiations().isEmpty() ? "failed"
                    : registry.negotiations().getFirst().state(), "misuse " + misuse);
            closeAll();
            open.clear();
        }
    }

    /** A group closed without release fails the collection, as any node (L7). */
    @Test
    void aGroupClosedWithoutReleaseFailsTheCollection() throws Exception {
        Made made = producerWith(1);
        SharedCollection produced = made.produced();
        SharedCollection only = child(made.children().getFirst().getFirst(), FITS);
        made.groups().getFirst().close();
        SysmemException e = failure(produced.allocated());
        assertEquals(SysmemError.UNSPECIFIED, e.error());
        assertTrue(e.getMessage().contains("closed its group without releasing it"), e.getMessage());
        assertEquals(SysmemError.UNSPECIFIED, failure(only.allocated()).error());
        closeAll();
    }

    /**
     * A group inside a child not chosen is left out of the odometer (NextGroupChildSelection skips groups that are
     * not visible): K (k0, k1) then G (c0 holding H (h0, h1), c1), with only k1 and c1 fitting, take 6 combinations —
     * (k0 c0 h0), (k0 c0 h1), (k0 c1), (k1 c0 h0), (k1 c0 h1), (k1 c1) — not the 7 of an odometer that turned H
     * while c1 was chosen.
     */
    @Test
    void aGroupInsideAChildNotChosenAddsNoCombinations() throws Exception {
        Made made = producerWith(2, 2);
        SharedCollection produced = made.produced();
        SharedCollection k0 = child(made.children().get(0).get(0), TOO_SMALL);
        SharedCollection k1 = child(made.children().get(0).get(1), FITS);
        BufferCollectionToken c0 = made.children().get(1).get(0);
        BufferCollectionTokenGroup inner = keep(c0.createGroup());
        SharedCollection h0 = child(inner.createChild(), TOO_SMALL);
        SharedCollection h1 = child(inner.createChild(), TOO_SMALL);
        inner.allChildrenPresent();
        c0.release();
        c0.close();
        SharedCollection c1 = child(made.children().get(1).get(1), FITS);
        made.groups().forEach(group -> keep(group).allChildrenPresent());
        List<String> logged = loggedDuring(() -> produced.setConstraints(fourPagesOrMore())).stream()
                .map(java.util.logging.LogRecord::getMessage).filter(message -> message.contains("combination"))
                .toList();
        assertTrue(logged.size() == 1 && logged.getFirst().contains("combination 6 of group children fits, after 5 "
                + "refused; the preferred one: "), logged.toString());
        keep(now(produced.allocated()));
        keep(now(c1.allocated()));
        keep(now(k1.allocated()));
        for (SharedCollection notChosen : List.of(h0, h1, k0)) {
            assertEquals(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, failure(notChosen.allocated()).error());
        }
        closeAll();
    }

    /** TryLateLogicalAllocation under the same loop: a group below an attached token picks its first child that fits. */
    @Test
    void aGroupBelowAnAttachedTokenJoinsWithItsFirstChildThatFitsTheExistingBuffers() throws Exception {
        Made made = producerWith();
        SharedCollection produced = made.produced();
        produced.setConstraints(fourPagesOrMore());
        BufferCollection mine = keep(now(produced.allocated()));
        BufferCollectionToken late = produced.attachToken(READ_ONLY);
        BufferCollectionTokenGroup group = keep(late.createGroup());
        SharedCollection tooBig = child(group.createChild(), joining(8 * PAGE)); // the buffers have 4 pages
        SharedCollection fits = child(group.createChild(), joining(PAGE));
        late.release();
        late.close();
        group.allChildrenPresent();
        BufferCollection joined = keep(now(fits.allocated()));
        assertEquals(mine.buffers().get(0).size(), joined.buffers().get(0).size(), "the existing buffers");
        SysmemException e = failure(tooBig.allocated());
        assertEquals(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, e.error());
        assertTrue(e.getMessage().contains("was not chosen"), e.getMessage());
        closeAll();
    }

    /**
     * Sysmem's IsAlternateFor: two children of one group are alternatives, and so are nodes below different children
     * of it; a node and itself, a group and its own child, or two nodes whose first common node is not a group, are
     * not. A node of another collection is NOT_FOUND, null a PROTOCOL_DEVIATION.
     */
    @Test
    void nodesBelowDifferentChildrenOfAGroupAreAlternatesAndNoOthers() throws Exception {
        Made made = producerWith(3);
        SharedCollection produced = made.produced();
        BufferCollectionTokenGroup group = keep(made.groups().getFirst());
        List<BufferCollectionToken> children = made.children().getFirst();
        BufferCollectionTokenGroup inner = keep(children.get(2).createGroup());
        BufferCollectionToken innerChild = keep(inner.createChild());
        BufferCollectionToken duplicate = keep(children.get(1).duplicate());
        assertTrue(children.get(0).isAlternateFor(children.get(1)));
        assertTrue(children.get(1).isAlternateFor(children.get(0)));
        assertTrue(children.get(0).isAlternateFor(innerChild), "below the third child");
        assertTrue(duplicate.isAlternateFor(children.get(0)), "below the second child");
        assertFalse(duplicate.isAlternateFor(children.get(1)), "the second child is above it");
        assertFalse(children.get(0).isAlternateFor(children.get(0)));
        assertFalse(group.isAlternateFor(children.get(0)), "the group is above its child");
        assertFalse(produced.isAlternateFor(children.get(0)), "the first node above both is the root");
        SharedCollection bound = keep(consumer.bind(children.get(0)));
        assertTrue(bound.isAlternateFor(children.get(1)), "bound, it is the same node");

        BufferCollectionToken elsewhere = keep(producer.newSharedCollection());
        assertEquals(SysmemError.NOT_FOUND, assertError(SysmemError.NOT_FOUND,
                () -> bound.isAlternateFor(elsewhere)).error());
        assertError(SysmemError.PROTOCOL_DEVIATION, () -> bound.isAlternateFor(null));
        elsewhere.release();
        open.remove(elsewhere);
        elsewhere.close();
        closeAll();
    }

    /**
     * Sysmem's SetVerboseLogging: from any node, the collection logs its tree with every participant's constraints
     * as it allocates, and each combination of group children tried with why it was refused.
     */
    @Test
    void verboseLoggingShowsTheTreeTheConstraintsAndEachCombinationTried() throws Exception {
        Made made = producerWith(2);
        SharedCollection produced = made.produced();
        BufferCollectionTokenGroup group = keep(made.groups().getFirst());
        group.setVerboseLogging();
        group.allChildrenPresent();
        SharedCollection preferred = child(made.children().getFirst().get(0), TOO_SMALL);
        preferred.setDebugName("display");
        SharedCollection fallback = child(made.children().getFirst().get(1), FITS);
        List<String> logged = loggedDuring(() -> produced.setConstraints(fourPagesOrMore())).stream()
                .map(java.util.logging.LogRecord::getMessage).filter(message -> message.contains("(verbose)")).toList();
        assertEquals(4, logged.size(), logged.toString());
        String tree = logged.get(0);
        assertTrue(tree.contains("allocating for this tree:\n  collection participant 'producer 1.0.0 [7]'")
                && tree.contains("\n    orphan participant 'producer 1.0.0 [7]'")
                && tree.contains("\n      group participant 'producer 1.0.0 [7]' (bundle producer 1.0.0 [7]): group of 2 "
                        + "children")
                && tree.contains("\n        collection participant 'display' (bundle consumer 1.0.0 [8]): constraints "
                        + "set, BufferCollectionConstraints[usage=[CPU_READ]"), tree);
        assertTrue(logged.get(1).contains("combination 1 of group children: [participant 'producer 1.0.0 [7]'")
                && logged.get(1).contains("participant 'display'"), logged.get(1));
        assertTrue(logged.get(2).contains("combination 1 refused: CONSTRAINTS_INTERSECTION_EMPTY"), logged.get(2));
        assertTrue(logged.get(3).contains("combination 2 of group children") && !logged.get(3).contains("display"),
                logged.get(3));
        keep(now(produced.allocated()));
        keep(now(fallback.allocated()));
        closeAll();
    }
}
