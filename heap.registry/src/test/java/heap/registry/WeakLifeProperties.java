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
        HeapRegistry registry = new HeapRegistry(HeapRegistry.Limits.DEFAULT);
        FakeHeap heap = new FakeHeap(HeapId.SYSTEM_RAM, new HeapProperties(CoherencyDomainSupport.ALL, false, false),
                Fault.NONE);
        registry.addHeap(heap, heap.serviceProperties(1, 0), "property heap");
        try {
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
            List<Member> members = new ArrayList<>();
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
            List<Step> steps = new ArrayList<>();
            for (Member member : members) {
                member.buffers = member.node.allocated().toCompletableFuture().get(5, TimeUnit.SECONDS);
                java.util.Arrays.fill(member.vmoOpen, true);
                steps.add(new Step(member, -1));
                for (int i = 0; i < BUFFERS; i++) {
                    steps.add(new Step(member, i));
                }
            }
            long bytesEach = heap.outstandingBytes.get() / BUFFERS;
            Collections.shuffle(steps, random);
            for (int s = 0; s < steps.size(); s++) {
                apply(steps.get(s));
                check(members, heap, bytesEach, "seed " + seed + ", after step " + s + " of " + describe(steps));
            }
        } finally {
            registry.stop();
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
