package heap.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.BufferMemoryConstraints;
import heap.api.CoherencyDomainSupport;
import heap.api.HeapId;
import heap.api.HeapProperties;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;

/**
 * Group child selection against an oracle written apart from the registry's odometer: random trees of token groups
 * (up to four groups of up to three children, a child holding a group of its own), each leaf participant fitting
 * or not. The oracle lists the combinations as sysmem's MaybeAllocate tries them — lexicographically, the first
 * group most significant, a group inside a child not chosen not counted — and the first whose every leaf fits must
 * be the one allocated; with none, CONSTRAINTS_INTERSECTION_EMPTY, or TOO_MANY_GROUP_CHILD_COMBINATIONS once 64 were
 * refused.
 */
class GroupSelectionProperties {
    private static final long PAGE = 4096;

    /** A child of a group: a leaf participant that fits or not, or a token holding a group of leaves. */
    private record Child(boolean fits, Group nested) {
    }

    private record Group(List<Child> children) {
    }

    @Property(tries = 200)
    void theCombinationAllocatedIsTheFirstWhoseEveryLeafFitsInSysmemOrder(@ForAll long seed) throws Exception {
        Random random = new Random(seed);
        List<Group> groups = new ArrayList<>();
        int fitPercent = random.nextInt(3) * 40; // none fits in a third of the tries: the 64 limit comes into play
        for (int g = 0, count = 1 + random.nextInt(4); g < count; g++) {
            groups.add(group(random, fitPercent, true));
        }
        Expected expected = oracle(groups);
        Statistics.collect(expected.error() == null ? "allocated" : expected.error().toString());
        HeapRegistry registry = new HeapRegistry(HeapRegistry.Limits.DEFAULT);
        FakeHeap heap = new FakeHeap(HeapId.SYSTEM_RAM, new HeapProperties(CoherencyDomainSupport.ALL, false, false),
                Fault.NONE);
        registry.addHeap(heap, heap.serviceProperties(1, 0), "property heap");
        List<AutoCloseable> open = new ArrayList<>();
        try {
            BufferAllocator producer = registry.view(7, "producer", "1.0.0");
            BufferAllocator consumer = registry.view(8, "consumer", "1.0.0");
            BufferCollectionToken root = producer.newSharedCollection();
            List<SharedCollection> leaves = new ArrayList<>(); // in the oracle's leaf order
            for (Group group : groups) {
                BufferCollectionToken forGroup = root.duplicate();
                build(group, forGroup.createGroup(), consumer, leaves, open);
                forGroup.release();
                forGroup.close();
            }
            SharedCollection produced = producer.bind(root);
            open.add(produced);
            produced.setConstraints(BufferCollectionConstraints.builder().usage(BufferUsage.CPU_WRITE)
                    .memory(BufferMemoryConstraints.builder().minSizeBytes(4 * PAGE).build())
                    .minBufferCountForCamping(1).build());
            CompletableFuture<BufferCollection> result = produced.allocated().toCompletableFuture();
            if (expected.error() != null) {
                SysmemException e = assertThrows(result);
                assertEquals(expected.error(), e.error(), "seed " + seed + ", " + groups + ": " + e.getMessage());
                return;
            }
            open.add(result.get(5, TimeUnit.SECONDS));
            for (int i = 0; i < leaves.size(); i++) {
                CompletableFuture<BufferCollection> leaf = leaves.get(i).allocated().toCompletableFuture();
                if (expected.chosen().contains(i)) {
                    open.add(leaf.get(5, TimeUnit.SECONDS));
                } else {
                    assertEquals(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, assertThrows(leaf).error(),
                            "leaf " + i + " was not chosen; seed " + seed + ", " + groups);
                }
            }
        } finally {
            for (AutoCloseable each : open.reversed()) {
                if (each instanceof SharedCollection shared) {
                    try {
                        shared.release();
                    } catch (SysmemException failedAlready) {
                        // not chosen, or the collection failed: close is all that is left
                    }
                }
                each.close();
            }
            registry.stop();
        }
        assertEquals(0, heap.outstandingBytes.get(), "every buffer went back");
    }

    private static SysmemException assertThrows(CompletableFuture<BufferCollection> future) throws Exception {
        try {
            BufferCollection unexpected = future.get(5, TimeUnit.SECONDS);
            unexpected.close();
            throw new AssertionError("allocated where it should have failed");
        } catch (ExecutionException e) {
            return (SysmemException) e.getCause();
        }
    }

    private static Group group(Random random, int fitPercent, boolean mayNest) {
        List<Child> children = new ArrayList<>();
        for (int c = 0, count = 1 + random.nextInt(3); c < count; c++) {
            children.add(mayNest && random.nextInt(3) == 0 ? new Child(false, group(random, fitPercent, false))
                    : new Child(random.nextInt(100) < fitPercent, null));
        }
        return new Group(children);
    }

    /** Makes {@code group}'s children under {@code made}: leaves bound by the consumer, nested groups under tokens. */
    private static void build(Group group, BufferCollectionTokenGroup made, BufferAllocator consumer,
            List<SharedCollection> leaves, List<AutoCloseable> open) {
        open.add(made);
        for (Child child : group.children()) {
            BufferCollectionToken token = made.createChild();
            if (child.nested() != null) {
                build(child.nested(), token.createGroup(), consumer, leaves, open);
                token.release();
                token.close();
            } else {
                SharedCollection leaf = consumer.bind(token);
                open.add(leaf);
                leaf.setConstraints(BufferCollectionConstraints.builder().usage(BufferUsage.CPU_READ)
                        .memory(BufferMemoryConstraints.builder().minSizeBytes(PAGE)
                                .maxSizeBytes(child.fits() ? 64 * PAGE : 2 * PAGE).build()).build());
                leaves.add(leaf);
            }
        }
        made.allChildrenPresent();
    }

    /** The leaves (by their index in build order) of the first combination that fits, or the error. */
    private record Expected(Set<Integer> chosen, SysmemError error) {
    }

    private static Expected oracle(List<Group> groups) {
        List<List<Integer>> combinations = new ArrayList<>();
        enumerate(groups, 0, new ArrayList<>(), combinations);
        int tried = 0;
        for (List<Integer> combination : combinations) {
            if (tried == 64) { // sysmem's kMaxGroupChildCombinations
                return new Expected(Set.of(), SysmemError.TOO_MANY_GROUP_CHILD_COMBINATIONS);
            }
            tried++;
            Set<Integer> chosen = chosenLeaves(groups, combination);
            if (chosen.stream().allMatch(leaf -> fits(groups, leaf))) {
                return new Expected(chosen, null);
            }
        }
        return new Expected(Set.of(), SysmemError.CONSTRAINTS_INTERSECTION_EMPTY);
    }

    /**
     * Every combination in sysmem's order, as the choices of the visible groups in depth-first order: each group's
     * child in turn, and for each, the combinations of what follows, the groups inside the other children left out.
     */
    private static void enumerate(List<Group> pending, int at, List<Integer> prefix, List<List<Integer>> out) {
        if (at == pending.size()) {
            out.add(List.copyOf(prefix));
            return;
        }
        Group group = pending.get(at);
        for (int c = 0; c < group.children().size(); c++) {
            List<Group> next = new ArrayList<>(pending.subList(0, at + 1));
            Group nested = group.children().get(c).nested();
            if (nested != null) {
                next.add(nested); // right after its group, before the groups that follow: depth first
            }
            next.addAll(pending.subList(at + 1, pending.size()));
            prefix.add(c);
            enumerate(next, at + 1, prefix, out);
            prefix.removeLast();
        }
    }

    /** The leaf indexes (in build order) a combination takes: the choices consumed in the same depth-first order. */
    private static Set<Integer> chosenLeaves(List<Group> groups, List<Integer> combination) {
        Set<Integer> chosen = new HashSet<>();
        int[] nextChoice = {0};
        int[] nextLeaf = {0};
        for (Group group : groups) {
            walk(group, true, combination, nextChoice, nextLeaf, chosen);
        }
        return chosen;
    }

    private static void walk(Group group, boolean visible, List<Integer> combination, int[] nextChoice,
            int[] nextLeaf, Set<Integer> chosen) {
        int pick = visible ? combination.get(nextChoice[0]++) : -1;
        for (int c = 0; c < group.children().size(); c++) {
            Child child = group.children().get(c);
            if (child.nested() != null) {
                walk(child.nested(), visible && c == pick, combination, nextChoice, nextLeaf, chosen);
            } else {
                if (visible && c == pick) {
                    chosen.add(nextLeaf[0]);
                }
                nextLeaf[0]++;
            }
        }
    }

    private static boolean fits(List<Group> groups, int leaf) {
        List<Boolean> all = new ArrayList<>();
        for (Group group : groups) {
            collect(group, all);
        }
        return all.get(leaf);
    }

    private static void collect(Group group, List<Boolean> leaves) {
        for (Child child : group.children()) {
            if (child.nested() != null) {
                collect(child.nested(), leaves);
            } else {
                leaves.add(child.fits());
            }
        }
    }
}
