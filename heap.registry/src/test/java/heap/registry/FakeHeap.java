package heap.registry;

import heap.api.CoherencyDomainSupport;
import heap.api.Heap;
import heap.api.HeapBinding;
import heap.api.HeapEventListener;
import heap.api.HeapId;
import heap.api.HeapProperties;
import heap.api.SingleBufferSettings;
import heap.api.Status;
import heap.api.StatusException;
import heap.api.spi.Vmos;
import heap.api.vmo.Vmo;
import heap.api.vmo.VmoRight;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** A heap for the registry's tests, on real off-heap memory, with one fault to inject at a time. */
final class FakeHeap implements Heap {
    enum Fault {
        NONE, THROWS_STATUS, THROWS_RUNTIME, TOO_SMALL, ROUNDS_UP, RETAINS_HANDLE, NO_DUPLICATE_RIGHT, NEVER_ANSWERS_DELETE, CALLS_BACK,
        ON_REGISTER_TWICE, NEVER_REGISTERS, REGISTERS_LATE, FAILS_AFTER_TWO, DIRTY, BLOCKS
    }

    final HeapId id;
    final HeapProperties properties;
    final Fault fault;
    final AtomicLong outstandingBytes = new AtomicLong();
    final AtomicInteger allocations = new AtomicInteger();
    final AtomicInteger deletes = new AtomicInteger();
    final AtomicInteger bindingsClosed = new AtomicInteger();
    final List<Integer> handleCountsSeenByDelete = new CopyOnWriteArrayList<>();
    final List<Throwable> callbackErrors = new CopyOnWriteArrayList<>();
    final CountDownLatch unblock = new CountDownLatch(1);
    final CountDownLatch blocked = new CountDownLatch(1);
    volatile Consumer<Vmo> callBack = vmo -> { };
    /** Whether its service says heap.secure=true: by default, when it supports only the inaccessible domain. */
    volatile boolean declaresSecure;
    /** Bytes the heap may have outstanding before it answers NO_MEMORY. */
    volatile long capacityBytes = Long.MAX_VALUE;
    private final List<Vmo> retained = new CopyOnWriteArrayList<>();
    private final List<Runnable> unanswered = new CopyOnWriteArrayList<>();

    FakeHeap(HeapId id, HeapProperties properties, Fault fault) {
        this.id = id;
        this.properties = properties;
        this.fault = fault;
        this.declaresSecure = properties.coherencyDomainSupport().onlyInaccessible();
    }

    static FakeHeap systemRam(Fault fault) {
        return new FakeHeap(HeapId.SYSTEM_RAM, new HeapProperties(CoherencyDomainSupport.ALL, false, false), fault);
    }

    Map<String, Object> serviceProperties(long serviceId, int ranking) {
        return Map.of(HEAP_TYPE, id.heapType(), HEAP_ID, id.id(), "service.id", serviceId, "service.ranking", ranking,
                SECURE, declaresSecure);
    }

    @Override
    public HeapBinding bind(HeapEventListener listener) {
        switch (fault) {
            case NEVER_REGISTERS -> { }
            case REGISTERS_LATE -> CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS)
                    .execute(() -> listener.onRegister(properties));
            case ON_REGISTER_TWICE -> {
                listener.onRegister(properties);
                listener.onRegister(properties);
            }
            default -> listener.onRegister(properties);
        }
        return bindingsClosed::incrementAndGet;
    }

    @Override
    public Vmo allocateVmo(long size, SingleBufferSettings settings, long collectionId, long index) {
        switch (fault) {
            case THROWS_STATUS -> throw new StatusException(Status.NO_MEMORY, "fake heap " + id + " is full");
            case THROWS_RUNTIME -> throw new IllegalStateException("fake heap " + id + " crashed");
            case FAILS_AFTER_TWO -> {
                if (allocations.get() >= 2) {
                    throw new StatusException(Status.NO_MEMORY, "fake heap " + id + " ran out after two");
                }
            }
            case CALLS_BACK -> {
                try {
                    callBack.accept(null);
                } catch (Throwable e) {
                    callbackErrors.add(e);
                    throw e;
                }
            }
            case BLOCKS -> {
                blocked.countDown();
                await(unblock);
            }
            default -> { }
        }
        if (outstandingBytes.get() + size > capacityBytes) {
            throw new StatusException(Status.NO_MEMORY, "fake heap " + id + " is full at " + capacityBytes + " bytes");
        }
        MemorySegment memory = Arena.ofAuto().allocate(fault == Fault.ROUNDS_UP ? size + 4096 : size);
        if (fault == Fault.DIRTY) {
            memory.fill((byte) 0x77);
        }
        outstandingBytes.addAndGet(size);
        allocations.incrementAndGet();
        Vmo root = Vmos.root(memory, () -> outstandingBytes.addAndGet(-size));
        Vmo child = fault == Fault.TOO_SMALL ? root.createSlice(0, size / 2) : root.createReference();
        root.onZeroChildren(root::close);
        if (fault == Fault.RETAINS_HANDLE) {
            retained.add(child.duplicate());
        }
        if (fault == Fault.NO_DUPLICATE_RIGHT) {
            try (child) {
                return child.duplicate(EnumSet.complementOf(EnumSet.of(VmoRight.DUPLICATE)));
            }
        }
        return child;
    }

    @Override
    public CompletionStage<Void> deleteVmo(long collectionId, long index, Vmo vmo) {
        deletes.incrementAndGet();
        handleCountsSeenByDelete.add(vmo.handleCount() + vmo.childCount() + vmo.mappingCount());
        if (fault == Fault.NEVER_ANSWERS_DELETE) {
            unanswered.add(vmo::close);
            return new CompletableFuture<>();
        }
        vmo.close();
        retained.forEach(Vmo::close);
        return CompletableFuture.completedFuture(null);
    }

    /** Lets go of what a faulty heap kept, so the leak check at the end of a test sees the truth. */
    void releaseWhatAFaultKept() {
        unanswered.forEach(Runnable::run);
        retained.forEach(Vmo::close);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
