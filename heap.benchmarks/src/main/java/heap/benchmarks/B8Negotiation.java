package heap.benchmarks;

import heap.api.BufferMemoryConstraints;
import heap.api.allocator.AllocationRequest;
import heap.api.allocator.BufferCollection;
import heap.api.allocator.BufferCollectionConstraints;
import heap.api.allocator.BufferCollectionToken;
import heap.api.allocator.BufferCollectionTokenGroup;
import heap.api.allocator.BufferUsage;
import heap.api.allocator.Participant;
import heap.api.allocator.SharedCollection;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * B8: three buffers of 4 KiB on system RAM for three participants, end to end: negotiated (a token, two
 * duplicates, three binds, three constraint sets, three waits, three participants' handles closed) against the
 * one-call {@code allocate} with the same three participants' constraints; and the same with the third participant
 * the fallback child of a token group whose preferred child's constraints do not fit (two combinations tried).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class B8Negotiation {
    private static final long SIZE = 4096;
    private Platform platform;
    private AllocationRequest oneCall;
    private BufferCollectionConstraints camper;
    private BufferCollectionConstraints tooSmall;

    @Setup
    public void setUp() {
        platform = new Platform(64L << 20, 64L << 20);
        BufferMemoryConstraints memory = BufferMemoryConstraints.builder().minSizeBytes(SIZE).build();
        Participant participant = new Participant(memory, true);
        oneCall = new AllocationRequest(3, List.of(participant, participant, participant));
        camper = BufferCollectionConstraints.builder().usage(BufferUsage.CPU_WRITE).minBufferCountForCamping(1)
                .memory(memory).build();
        tooSmall = BufferCollectionConstraints.builder().usage(BufferUsage.CPU_READ)
                .memory(BufferMemoryConstraints.builder().minSizeBytes(1).maxSizeBytes(SIZE / 2).build()).build();
    }

    @TearDown
    public void tearDown() {
        platform.close();
    }

    @Benchmark
    public int oneCall() {
        try (BufferCollection collection = platform.registry.allocate(oneCall)) {
            return collection.buffers().size();
        }
    }

    @Benchmark
    public int threeParticipants() throws Exception {
        BufferCollectionToken token = platform.registry.newSharedCollection();
        BufferCollectionToken second = token.duplicate();
        BufferCollectionToken third = token.duplicate();
        List<SharedCollection> participants = List.of(platform.registry.bind(token), platform.registry.bind(second),
                platform.registry.bind(third));
        return allocateAndLeave(participants);
    }

    @Benchmark
    public int threeParticipantsTheThirdAGroupsFallback() throws Exception {
        BufferCollectionToken token = platform.registry.newSharedCollection();
        BufferCollectionToken second = token.duplicate();
        BufferCollectionToken forGroup = token.duplicate();
        BufferCollectionTokenGroup group = forGroup.createGroup();
        BufferCollectionToken preferred = group.createChild();
        BufferCollectionToken fallback = group.createChild();
        group.allChildrenPresent();
        forGroup.release();
        forGroup.close();
        SharedCollection refused = platform.registry.bind(preferred);
        refused.setConstraints(tooSmall);
        List<SharedCollection> participants = List.of(platform.registry.bind(token), platform.registry.bind(second),
                platform.registry.bind(fallback));
        int buffers = allocateAndLeave(participants);
        refused.close(); // not chosen: it failed, and closing it changes nothing more
        group.release();
        group.close();
        return buffers;
    }

    /**
     * The third participant weak (sysmem's SetWeak): its VMOs hang from a second layer per buffer, and when the two
     * strong ones have left it is told to close (close_weak_asap) and the collection fails for it.
     */
    @Benchmark
    public int threeParticipantsTheThirdWeak() throws Exception {
        BufferCollectionToken token = platform.registry.newSharedCollection();
        BufferCollectionToken second = token.duplicate();
        BufferCollectionToken third = token.duplicate();
        third.setWeak();
        SharedCollection weak = platform.registry.bind(third);
        weak.setWeakOk(false);
        List<SharedCollection> strong = List.of(platform.registry.bind(token), platform.registry.bind(second));
        weak.setConstraints(camper);
        CompletionStage<BufferCollection> allocated = weak.allocated();
        int buffers = allocateAndLeave(strong); // allocated as the last constraints come, then the strong ones leave
        BufferCollection weakBuffers = allocated.toCompletableFuture().get();
        buffers += weakBuffers.buffers().size();
        weakBuffers.closeWeakAsap(0).orElseThrow().toCompletableFuture().get(); // given as the strong ones left
        weakBuffers.close();
        weak.close(); // the collection failed once no strong node or VMO was left: nothing to release
        return buffers;
    }

    /** Each participant camps on one buffer, waits for its handles, closes them and leaves; the buffers it saw. */
    private int allocateAndLeave(List<SharedCollection> participants) throws Exception {
        for (SharedCollection participant : participants) {
            participant.setConstraints(camper);
        }
        int buffers = 0;
        for (SharedCollection participant : participants) {
            try (BufferCollection collection = participant.allocated().toCompletableFuture().get()) {
                buffers += collection.buffers().size();
            }
            participant.release();
            participant.close();
        }
        return buffers;
    }
}
