package heap.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import heap.api.BufferMemoryConstraints;
import heap.api.CoherencyDomainSupport;
import heap.api.HeapId;
import heap.api.HeapProperties;
import heap.api.SysmemException;
import heap.api.allocator.BufferAllocator;
import heap.api.allocator.BufferCollection;
import heap.api.allocator.BufferCollectionConstraints;
import heap.api.allocator.BufferCollectionToken;
import heap.api.allocator.BufferUsage;
import heap.api.allocator.SharedCollection;
import heap.registry.FakeHeap.Fault;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Weak VMOs against a model (NEGOTIATION.md §8): strong and weak participants close their nodes and their VMOs of
 * each buffer in a random order. After every step, buffer i's close_weak_asap is given exactly when no strong node
 * is open and no strong VMO of buffer i is, and the heap holds buffer i exactly while a VMO of it (strong or weak)
 * is open or a strong node is: weak VMOs never keep a buffer for sysmem, and never lose its memory while open.
 */
class WeakLifeProperties {
    private static final long PAGE = 4096;
    private static final int BUFFERS = 2;

    /** One participant: its node, its buffers, and which of its VMOs and whether its node are still open. */
    private static final class Member {
        final boolean weak;
        final SharedCollection node;
        BufferCollection buffers;
        boolean nodeOpen = true;
        final boolean[] vmoOpen = new boolean[BUFFERS];

        Member(boolean weak, SharedCollection node) {
            this.weak = weak;
            this.node = node;
        }
    }

    private record Step(Member member, int buffer) { // buffer -1: release and close the node
    }

    @Property(tries = 150)
    void closeWeakAsapAndTheMemoryFollowTheStrongSideAndEveryOpenVmo(@ForAll long seed) throws Exception {
        Random random = new Random(seed);
        World world = new World(random);
        try {
            List<Step> steps = world.steps();
            Collections.shuffle(steps, random);
            for (int s = 0; s < steps.size(); s++) {
                apply(steps.get(s));
                check(world.members, world.heap, world.bytesEach, "seed " + seed + ", after step " + s + " of "
                        + describe(steps));
            }
        } finally {
            world.close();
        }
    }

    /**
     * The same closes from three threads at once: whatever the interleaving, every signal is given, the heap gets
     * every byte back, and no close fails.
     */
    @Property(tries = 60)
    void closingFromSeveralThreadsAtOnceEndsWithEverySignalGivenAndEveryByteBack(@ForAll long seed) throws Exception {
        Random random = new Random(seed);
        World world = new World(random);
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            List<Step> steps = world.steps();
            Collections.shuffle(steps, random);
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            for (int t = 0; t < 3; t++) {
                List<Step> mine = new ArrayList<>();
                for (int s = t; s < steps.size(); s += 3) {
                    mine.add(steps.get(s));
                }
                done.add(threads.submit(() -> {
                    start.await();
                    mine.forEach(WeakLifeProperties::apply);
                    return null;
                }));
            }
            start.countDown();
            for (java.util.concurrent.Future<?> each : done) {
                each.get(10, TimeUnit.SECONDS); // a close that threw fails the try here
            }
            check(world.members, world.heap, world.bytesEach, "seed " + seed + ", all closed from three threads");
            assertEquals(List.of(), world.registry.negotiations(), "seed " + seed);
        } finally {
            threads.shutdownNow();
            world.close();
        }
    }

    /** One try's registry, heap and participants, allocated: the producer strong, the others strong or weak. */
    private static final class World {
        final HeapRegistry registry = new HeapRegistry(HeapRegistry.Limits.DEFAULT);
        final FakeHeap heap = new FakeHeap(HeapId.SYSTEM_RAM, new HeapProperties(CoherencyDomainSupport.ALL, false,
                false), Fault.NONE);
        final List<Member> members = new ArrayList<>();
        final long bytesEach;

        World(Random random) throws Exception {
            registry.addHeap(heap, heap.serviceProperties(1, 0), "property heap");
            BufferAllocator strongBundle = registry.view(7, "producer", "1.0.0");
            BufferAllocator weakBundle = registry.view(8, "cache", "1.0.0");
            BufferCollectionToken root = strongBundle.newSharedCollection();
            List<BufferCollectionToken> tokens = new ArrayList<>();
            List<Boolean> weakness = new ArrayList<>();
            for (int i = 0, extraStrong = random.nextInt(3); i < extraStrong; i++) {
                tokens.add(root.duplicate());
                weakness.add(false);
            }
            for (int i = 0, weak = 1 + random.nextInt(3); i < weak; i++) {
                BufferCollectionToken token = root.duplicate();
                token.setWeak();
                tokens.add(token);
                weakness.add(true);
            }
            members.add(new Member(false, strongBundle.bind(root)));
            for (int i = 0; i < tokens.size(); i++) {
                boolean weak = weakness.get(i);
                members.add(new Member(weak, (weak ? weakBundle : strongBundle).bind(tokens.get(i))));
            }
            for (Member member : members) {
                if (member.weak) {
                    member.node.setWeakOk(false);
                }
                member.node.setConstraints(BufferCollectionConstraints.builder()
                        .usage(member == members.getFirst() ? BufferUsage.CPU_WRITE : BufferUsage.CPU_READ)
                        .minBufferCountForCamping(member == members.getFirst() ? BUFFERS : 0)
                        .memory(BufferMemoryConstraints.builder().minSizeBytes(PAGE).build()).build());
            }
            for (Member member : members) {
                member.buffers = member.node.allocated().toCompletableFuture().get(5, TimeUnit.SECONDS);
                java.util.Arrays.fill(member.vmoOpen, true);
            }
            bytesEach = heap.outstandingBytes.get() / BUFFERS;
        }

        /**
         * Closes each member's collection object too (its VMOs are closed one by one already): one dropped open is
         * reported as a leak, in the log other tests read.
         */
        void close() {
            for (Member member : members) {
                if (member.buffers != null) {
                    member.buffers.close();
                }
            }
            registry.stop();
        }

        /** Every close there is: each member's node, and its VMO of each buffer. */
        List<Step> steps() {
            List<Step> steps = new ArrayList<>();
            for (Member member : members) {
                steps.add(new Step(member, -1));
                for (int i = 0; i < BUFFERS; i++) {
                    steps.add(new Step(member, i));
                }
            }
            return steps;
        }
    }

    private static void apply(Step step) {
        Member member = step.member();
        if (step.buffer() >= 0) {
            member.buffers.buffers().get(step.buffer()).close();
            member.vmoOpen[step.buffer()] = false;
            return;
        }
        try {
            member.node.release();
        } catch (SysmemException failedAlready) {
            // the collection failed once no strong node or strong VMO was left: close is all that is left
        }
        member.node.close();
        member.nodeOpen = false;
    }

    private static void check(List<Member> members, FakeHeap heap, long bytesEach, String where) throws Exception {
        boolean strongNodeOpen = members.stream().anyMatch(m -> !m.weak && m.nodeOpen);
        long held = 0;
        for (int i = 0; i < BUFFERS; i++) {
            int index = i;
            boolean strongVmoOpen = members.stream().anyMatch(m -> !m.weak && m.vmoOpen[index]);
            boolean anyVmoOpen = members.stream().anyMatch(m -> m.vmoOpen[index]);
            boolean signalExpected = !strongNodeOpen && !strongVmoOpen;
            for (Member member : members) {
                if (member.weak) {
                    assertEquals(signalExpected, member.buffers.closeWeakAsap(i).orElseThrow().toCompletableFuture()
                            .isDone(), "close_weak_asap of buffer " + i + ", " + where);
                }
            }
            held += anyVmoOpen || strongNodeOpen ? bytesEach : 0;
        }
        assertEquals(held, heap.outstandingBytes.get(), "bytes the heap holds, " + where);
    }

    private static String describe(List<Step> steps) {
        List<String> names = new ArrayList<>();
        for (Step step : steps) {
            names.add((step.member().weak ? "weak" : "strong") + "@" + System.identityHashCode(step.member()) % 1000
                    + (step.buffer() < 0 ? " node" : " vmo " + step.buffer()));
        }
        return names.toString();
    }
}
