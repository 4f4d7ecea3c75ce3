package heap.registry;

import heap.api.Heap;
import heap.api.HeapBinding;
import heap.api.HeapDiagnostics;
import heap.api.HeapId;
import heap.api.HeapProperties;
import heap.api.SingleBufferSettings;
import heap.api.BufferMemorySettings;
import heap.api.Sizes;
import heap.api.Status;
import heap.api.StatusException;
import heap.api.SysmemError;
import heap.api.SysmemException;
import heap.api.allocator.AllocationRequest;
import heap.api.allocator.BufferAllocator;
import heap.api.allocator.BufferCollection;
import heap.api.allocator.CollectionSummary;
import heap.api.allocator.HeapState;
import heap.api.allocator.HeapStatus;
import heap.api.allocator.BufferCollectionToken;
import heap.api.allocator.NegotiationStatus;
import heap.api.allocator.OwnerStatus;
import heap.api.allocator.QuotaStatus;
import heap.api.allocator.SharedCollection;
import heap.api.allocator.VmoInfo;
import heap.api.spi.VmoOwner;
import heap.api.spi.Vmos;
import heap.api.vmo.Vmo;
import heap.memory.Padding;
import heap.registry.Routing.Candidate;
import heap.registry.Routing.Choice;
import java.lang.System.Logger.Level;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The sysmem side of the contract. Binds heaps and waits for their OnRegister, routes each collection to one heap,
 * clears and flushes as the heap asks, hands clients children of the heap's VMO, and calls deleteVmo once the last
 * client child is gone. No lock is held while a heap is called, so a slow heap stalls only its own callers.
 */
public class HeapRegistry implements BufferAllocator {
    /** Sysmem's limits and the registry's patience with heaps. */
    public record Limits(long maxBufferBytes, long maxCollectionBytes, int maxBufferCount, Duration registerTimeout,
            Duration deleteTimeout, Duration replacementGrace, Duration allocateTimeout) {
        public static final Limits DEFAULT = new Limits(256L << 20, 1L << 30, 128, Duration.ofSeconds(5),
                Duration.ofSeconds(5), Duration.ofSeconds(2));

        /** With the default allocate time limit of 5 s. */
        public Limits(long maxBufferBytes, long maxCollectionBytes, int maxBufferCount, Duration registerTimeout,
                Duration deleteTimeout, Duration replacementGrace) {
            this(maxBufferBytes, maxCollectionBytes, maxBufferCount, registerTimeout, deleteTimeout, replacementGrace,
                    Duration.ofSeconds(5));
        }
    }

    /**
     * One thread's calls into heaps' allocateVmo: the watchdog interrupts a call once it outlasts the allocate time
     * limit. Without a lock or a clock read per call: {@code state} is the call's number and its phase, set by the
     * calling thread; the watchdog notes when it first saw a call running and moves it from RUNNING to INTERRUPTING
     * by compare-and-set, so it can only ever interrupt the call it watched, and the call's end waits for the
     * interrupt to land before clearing it, so it never outlives the call.
     */
    private static class HeapCallFields extends Padding.Before {
        private static final long PHASE = 3;
        private static final long IDLE = 0;
        private static final long RUNNING = 1;
        private static final long INTERRUPTING = 2;
        private static final long TIMED_OUT = 3;
        /**
         * A thread that used its last block of collection ids at this pace or faster (100 000 a second) is busy: its
         * blocks keep growing. A console command takes milliseconds, a benchmark's allocation well under one.
         */
        private static final long BUSY_NANOS_PER_ID = 10_000;
        private static final VarHandle STATE;

        static {
            try {
                STATE = java.lang.invoke.MethodHandles.lookup().findVarHandle(HeapCallFields.class, "state", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Thread thread = Thread.currentThread();
        HeapEntry heap; // the heap this thread is calling: read only by this thread (checkCallable), so no fence
        private volatile long state; // call number << 2 | phase
        private long calls; // the calling thread's
        private long watchedState; // the watchdog's
        private long watchedSinceNanos; // the watchdog's
        private long nextCollectionId; // the calling thread's block of collection ids: next, end
        private long collectionIdEnd;
        private int collectionIdBlock; // the size of the last block: 0 before the first
        private long collectionIdBlockNanos; // when it was taken (the first block is 1 id whatever this says)

        void begin(HeapEntry target) {
            heap = target;
            // A release store, no fence: the watchdog may see the call a moment late; end() fences with its CAS.
            STATE.setRelease(this, (++calls << 2) | RUNNING);
        }

        /** Ends the call; true when the watchdog gave up on it (its interrupt is cleared again). */
        boolean end() {
            heap = null;
            long number = calls << 2;
            if (STATE.compareAndSet(this, number | RUNNING, number | IDLE)) {
                return false;
            }
            while (state != (number | TIMED_OUT)) {
                Thread.onSpinWait(); // the watchdog is between its compare-and-set and the interrupt
            }
            Thread.interrupted();
            state = number | IDLE;
            return true;
        }

        void interruptIfOverdue(long limitNanos, long now) {
            long seen = state;
            if ((seen & PHASE) != RUNNING) {
                return;
            }
            if (seen != watchedState) {
                watchedState = seen;
                watchedSinceNanos = now;
            } else if (now - watchedSinceNanos > limitNanos
                    && STATE.compareAndSet(this, seen, (seen & ~PHASE) | INTERRUPTING)) {
                thread.interrupt();
                state = (seen & ~PHASE) | TIMED_OUT;
            }
        }

        /**
         * A collection id unique in the registry, from this thread's block. Blocks grow from 1 id to 64 while the
         * thread allocates fast, and are 1 id again otherwise: a thread that allocates at a person's or a script's
         * pace (a console command's, new or pooled) takes the next id, so the ids an operator types stay
         * consecutive, and a busy thread takes the shared counter once every 64 collections.
         */
        long nextCollectionId(AtomicLong blocks) {
            if (nextCollectionId == collectionIdEnd) {
                long now = System.nanoTime();
                boolean busy = now - collectionIdBlockNanos < collectionIdBlock * BUSY_NANOS_PER_ID;
                collectionIdBlockNanos = now;
                collectionIdBlock = busy ? Math.clamp(collectionIdBlock * 2L, 1, COLLECTION_ID_BLOCK) : 1;
                nextCollectionId = blocks.getAndAdd(collectionIdBlock);
                collectionIdEnd = nextCollectionId + collectionIdBlock;
            }
            return nextCollectionId++;
        }
    }

    /**
     * A thread's call state, padded on both sides: the garbage collector moves the threads' objects next to each
     * other, and each is written on every allocation.
     */
    @SuppressWarnings("unused")
    private static final class HeapCall extends HeapCallFields {
        private long q0, q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15;
    }

    static final System.Logger LOG = System.getLogger("heap.registry");

    private final List<HeapEntry> entries = new CopyOnWriteArrayList<>();
    // Collection ids: unique, each thread taking a block of its own so threads do not write one shared counter.
    private static final int COLLECTION_ID_BLOCK = 64;
    private final AtomicLong collectionIdBlocks = new AtomicLong(1);
    private final AtomicLong bindSequence = new AtomicLong();
    private final java.util.Set<HeapCall> heapCalls = ConcurrentHashMap.newKeySet();
    // A weak reference (heapCalls holds the call while its thread lives): a thread-local value of a JDK class, so the
    // threads' maps keep none of this bundle's objects, and with them its class loader, once it is refreshed away.
    private final ThreadLocal<WeakReference<HeapCall>> heapCall = ThreadLocal.withInitial(() -> {
        HeapCall call = new HeapCall();
        heapCalls.add(call);
        return new WeakReference<>(call);
    });
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("heap.registry-timer").factory());
    private final Object registrations = new Object();
    private final LeakReclaim leakReclaim = new LeakReclaim();
    private final Map<Long, Account> accounts = new ConcurrentHashMap<>();
    /** How often every bundle's collections were walked (listings, sums, drains): tests check what does it. */
    final LongAdder collectionWalks = new LongAdder();
    private final Map<Long, LogicalCollection> negotiations = new ConcurrentHashMap<>();
    private final java.util.Set<DueReport> dueReports = ConcurrentHashMap.newKeySet(); // see reportWhenDue
    /** Who calls the registry itself rather than a bundle's view (tests, benchmarks, embedding code). */
    private final Account direct = new Account(-1, "direct", "caller");
    private final Map<String, Quota> quotasByPid = new java.util.HashMap<>();
    private final Map<String, String> quotaRefusals = new java.util.HashMap<>(); // guarded by quotasByPid
    private volatile List<Quota> quotas = List.of();
    /** When heaps were last expected to arrive: at start (they are still binding) and whenever one goes away. */
    private volatile long heapsExpectedSinceNanos = System.nanoTime();
    private volatile Limits limits;
    private volatile boolean stopped;
    /** INFO; DEBUG once the framework is stopping, when every heap leaves with it and that is no operator's event. */
    private volatile Level departures = Level.INFO;

    /** What operators watch (JMX): heaps bound, changing state, gone. */
    public interface Events {
        Events NONE = new Events() {
        };

        default void bound(HeapId heap, long serviceId) {
        }

        default void changed(HeapId heap, long serviceId, String state, String message) {
        }

        default void gone(HeapId heap, long serviceId) {
        }
    }

    private volatile Events events = Events.NONE;

    private record RoutingSnapshot(long version, List<Candidate<HeapEntry>> candidates) {
    }

    private record LastAggregate(AllocationRequest request, Routing.Aggregate aggregate) {
    }

    private record Route(Routing.Aggregate aggregate, long version, Choice<HeapEntry> choice,
            SingleBufferSettings settings) {
    }

    private final AtomicLong routingVersion = new AtomicLong();
    private volatile RoutingSnapshot routingSnapshot;
    private volatile LastAggregate lastAggregate;
    private volatile Route lastRoute;

    public void setEvents(Events events) {
        this.events = events;
    }

    public HeapRegistry(Limits limits) {
        this.limits = limits;
        accounts.put(direct.bundleId, direct);
        timer.scheduleWithFixedDelay(this::interruptOverdueHeapCalls, 20, 20, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(() -> reportStalledNegotiations(System.nanoTime()), 250, 250, TimeUnit.MILLISECONDS);
    }

    /**
     * Negotiations still pending when their report is due say whom they wait for (sysmem's CreationTimedOut); the
     * reports due by now run first (weak VMOs still open after close_weak_asap).
     */
    void reportStalledNegotiations(long nowNanos) {
        runDueReports(nowNanos);
        for (LogicalCollection collection : negotiations.values()) {
            try {
                collection.reportIfStalled(nowNanos);
            } catch (RuntimeException e) { // the timer must go on: a task that throws is never run again
                LOG.log(Level.ERROR, "stall report of shared collection " + collection.id() + " failed", e);
            }
        }
    }

    /**
     * Runs {@code report} on the stall sweep (every 250 ms) once {@code dueNanos} ({@link System#nanoTime()}) has
     * passed, unless the returned cancel runs first: a check whose cause went away (weak VMOs closed in time) leaves
     * nothing waiting.
     */
    Runnable reportWhenDue(long dueNanos, Runnable report) {
        DueReport due = new DueReport(dueNanos, report);
        dueReports.add(due);
        return () -> dueReports.remove(due);
    }

    private static final class DueReport {
        final long dueNanos;
        final Runnable report;

        DueReport(long dueNanos, Runnable report) {
            this.dueNanos = dueNanos;
            this.report = report;
        }
    }

    private void runDueReports(long nowNanos) {
        for (DueReport due : dueReports) {
            if (nowNanos - due.dueNanos >= 0 && dueReports.remove(due)) {
                try {
                    due.report.run();
                } catch (RuntimeException e) { // the timer must go on: a task that throws is never run again
                    LOG.log(Level.ERROR, "a report due now failed", e);
                }
            }
        }
    }

    private void interruptOverdueHeapCalls() {
        long limit = limits.allocateTimeout().toNanos();
        long now = System.nanoTime();
        for (HeapCall call : heapCalls) {
            if (!call.thread.isAlive()) {
                heapCalls.remove(call);
            } else if (limit > 0) {
                call.interruptIfOverdue(limit, now);
            }
        }
    }

    public Limits limits() {
        return limits;
    }

    public void setLimits(Limits limits) {
        this.limits = limits;
    }

    /** Binds a heap service: it becomes routable once its OnRegister arrives. */
    public void addHeap(Heap heap, Map<String, ?> serviceProperties, String origin) {
        HeapId id;
        try {
            id = HeapId.fromServiceProperties(serviceProperties);
        } catch (StatusException e) {
            LOG.log(Level.ERROR, "heap service from " + origin + " ignored: " + e.getMessage());
            return;
        }
        Object secure = serviceProperties.get(Heap.SECURE);
        HeapEntry entry = new HeapEntry(this, heap, id, origin, longProperty(serviceProperties, "service.id"),
                (int) longProperty(serviceProperties, "service.ranking"), bindSequence.incrementAndGet(),
                Boolean.TRUE.equals(secure) || "true".equals(secure));
        entries.add(entry);
        routingChanged();
        events.bound(entry.id, entry.serviceId);
        try {
            entry.bound(heap.bind(properties -> onRegister(entry, properties)));
        } catch (RuntimeException e) {
            quarantine(entry, "bind threw " + e);
            return;
        }
        if (entry.awaitingRegistration()) {
            long millis = limits.registerTimeout().toMillis();
            timer.schedule(() -> {
                if (entry.awaitingRegistration()) {
                    quarantine(entry, "sent no OnRegister within " + millis + " ms");
                }
            }, millis, TimeUnit.MILLISECONDS);
        }
    }

    /** A bound heap's service properties changed: a new service.ranking takes effect for the next allocation. */
    public void updateHeap(Map<String, ?> serviceProperties) {
        long serviceId = longProperty(serviceProperties, "service.id");
        for (HeapEntry entry : entries) {
            if (entry.serviceId == serviceId && !entry.serviceGone()) {
                int ranking = (int) longProperty(serviceProperties, "service.ranking");
                if (ranking != entry.ranking) {
                    LOG.log(Level.INFO, entry + " ranking " + entry.ranking + " -> " + ranking);
                    entry.ranking = ranking;
                    routingChanged();
                }
                return;
            }
        }
    }

    /** The heap service with this service.id went away: no new allocations; its buffers stay valid until deleted. */
    public void removeHeap(long serviceId) {
        for (HeapEntry entry : entries) {
            if (entry.serviceId == serviceId && !entry.serviceGone()) {
                removeEntry(entry);
                return;
            }
        }
    }

    /** As {@link #removeHeap(long)}, for callers that hold the heap object rather than its service id. */
    public void removeHeap(Heap heap) {
        for (HeapEntry entry : entries) {
            if (entry.service == heap && !entry.serviceGone()) {
                removeEntry(entry);
                return;
            }
        }
    }

    private void removeEntry(HeapEntry entry) {
        long outstanding = liveBuffers().getOrDefault(entry, 0L);
        events.changed(entry.id, entry.serviceId, "draining", entry + " went away with " + buffers(outstanding)
                + " outstanding");
        heapsExpectedSinceNanos = System.nanoTime();
        closeBinding(entry);
        LOG.log(departures, entry + " went away with " + buffers(outstanding) + " outstanding");
        removeIfDrained(entry, 0);
    }

    /**
     * The framework is stopping: heaps going away from now on leave with it, so their departure and drain are logged
     * at DEBUG (at INFO they were a few lines at every exit, or none, as the bundles' stop order fell).
     */
    public void frameworkStopping() {
        departures = Level.DEBUG;
    }

    /** Stops serving: every binding closes; buffers handed out stay valid until their clients close them. */
    public void stop() {
        stopped = true;
        synchronized (registrations) {
            registrations.notifyAll(); // allocations waiting for a heap answer "stopped" at once
        }
        entries.forEach(this::closeBinding);
        timer.shutdownNow();
    }

    @Override
    public BufferCollection allocate(AllocationRequest request) {
        return allocate(request, direct);
    }

    /** A bundle's own view of the allocator: what it allocates or adopts belongs to it. */
    public BufferAllocator view(long bundleId, String symbolicName, String version) {
        Account account = accounts.compute(bundleId, (id, known) -> {
            if (known == null) {
                return new Account(bundleId, symbolicName, version);
            }
            known.resume();
            return known;
        });
        return new AllocatorView(this, account);
    }

    /**
     * The bundle behind {@code view} stopped or let go of the service: its handles and shared mappings close now,
     * so its buffers go back to their heaps; memory under its open confined mappings is held back.
     */
    public void release(BufferAllocator view) {
        if (!(view instanceof AllocatorView ours) || ours.registry != this || stopped) {
            return; // when the registry itself stops, buffers stay valid until their clients close them
        }
        Account account = ours.account;
        for (AutoCloseable negotiating : account.negotiating()) {
            try {
                negotiating.close(); // a participant that dies fails its shared collection, as in sysmem
            } catch (Exception e) {
                LOG.log(Level.WARNING, "closing " + negotiating + " of stopped " + account + " failed: " + e);
            }
        }
        long buffers = account.liveBuffers();
        long bytes = account.bytes();
        VmoOwner.Release released = account.stop().release();
        if (buffers == 0 && released.handles() == 0) {
            return;
        }
        long leftBuffers = account.liveBuffers();
        long leftBytes = account.bytes();
        LOG.log(Level.WARNING, account + " stopped holding " + buffers(buffers) + " (" + bytes + " bytes): "
                + buffers(buffers - leftBuffers) + " (" + (bytes - leftBytes) + " bytes) reclaimed"
                + (leftBuffers == 0 ? "" : "; " + buffers(leftBuffers) + " (" + leftBytes + " bytes) held back by "
                        + "confined mappings still open on its threads"));
    }

    /** "1 buffer", "2 buffers": log lines an operator reads. */
    static String buffers(long count) {
        return count + (count == 1 ? " buffer" : " buffers");
    }

    BufferCollection allocate(AllocationRequest request, Account account) {
        HeapCall call = heapCall(); // looked up once: the check, the collection id and each buffer's heap call
        checkCallable(call, "allocate");
        if (request == null) {
            throw new SysmemException(SysmemError.PROTOCOL_DEVIATION, "allocate needs a request, got null");
        }
        if (account.stopped()) {
            throw new SysmemException(SysmemError.UNSPECIFIED, account + " has stopped: its allocator view is closed");
        }
        Routing.Aggregate aggregate = aggregateOf(request); // requests are immutable: the same one, the same aggregate
        Allocation allocation = allocate(aggregate, request.bufferCount(), account,
                call.nextCollectionId(collectionIdBlocks), account.owner(), call);
        return ClientCollection.of(allocation.record, allocation.handles);
    }

    /** The first collection id no thread has taken (nor holds in its block). */
    long firstUntakenCollectionId() {
        return collectionIdBlocks.get();
    }

    /**
     * Collection ids from here on are {@code first} or above: a registry that starts after another in the same
     * framework run (an update, a refresh) goes on where it stopped, so ids stay unique per run, as sysmem's
     * buffer_collection_id is per boot (R1). Never goes back.
     */
    void continueCollectionIdsFrom(long first) {
        collectionIdBlocks.accumulateAndGet(first, Math::max);
    }

    private long nextCollectionId() {
        return heapCall().nextCollectionId(collectionIdBlocks);
    }

    /** The calling thread's heap-call state (its registration in {@code heapCalls} keeps it while the thread lives). */
    private HeapCall heapCall() {
        return heapCall.get().get();
    }

    /** What one allocation made: the record and one handle per buffer (the client's, or the layer's). */
    static final class Allocation {
        final RegistryCollection record;
        final Object handles; // the one buffer's handle, or the list of them: one buffer costs no array and no list

        private Allocation(RegistryCollection record, Object handles) {
            this.record = record;
            this.handles = handles;
        }

        @SuppressWarnings("unchecked")
        List<Vmo> handles() {
            return handles instanceof Vmo only ? List.of(only) : (List<Vmo>) handles;
        }

        /** Buffer {@code index}: the record itself for buffer 0, else what the registry attached to its handle. */
        RegistryBuffer buffer(int index) {
            return index == 0 ? record : (RegistryBuffer) Vmos.attachment(handles().get(index), record.heap.registry);
        }
    }

    /**
     * The one path every allocation takes, the one-call shortcut and a negotiated collection alike: sysmem's limits,
     * the heap choice (waiting out a heap's replacement), the buffers, and one handle per buffer for
     * {@code handleOwner} (null: an unowned layer from which a negotiated collection hands out participants' handles).
     */
    Allocation allocate(Routing.Aggregate aggregate, int count, Account payer, long collectionId, VmoOwner handleOwner) {
        return allocate(aggregate, count, payer, collectionId, handleOwner, heapCall());
    }

    private Allocation allocate(Routing.Aggregate aggregate, int count, Account payer, long collectionId,
            VmoOwner handleOwner, HeapCall call) {
        Limits current = limits;
        // Sysmem's limits are failures of its constraints checks: CONSTRAINTS_INTERSECTION_EMPTY, as TryAllocate says.
        if (count > current.maxBufferCount()) {
            throw Routing.refused("buffer count " + count + " is above the limit of " + current.maxBufferCount()
                    + " per collection (heap.registry max.buffer.count)");
        }
        long size = aggregate.minSize();
        if (Long.compareUnsigned(size, current.maxBufferBytes()) > 0) {
            throw Routing.refused("buffers of " + Long.toUnsignedString(size) + " bytes are above the limit of "
                    + current.maxBufferBytes() + " bytes per buffer (heap.registry max.buffer.bytes)");
        }
        if (size > current.maxCollectionBytes() / count) { // logical sizes, as sysmem counts them
            throw Routing.refused(count + " buffers of " + size + " bytes are above the limit of "
                    + current.maxCollectionBytes() + " bytes per collection (heap.registry max.collection.bytes)");
        }
        Route route = route(aggregate, current.replacementGrace());
        Choice<HeapEntry> choice = route.choice();
        SingleBufferSettings settings = route.settings();
        HeapEntry heap = choice.candidate().heap();
        Account.Usage usage = payer.usage(heap.id);
        try {
            return allocateCollection(heap, choice.candidate().properties(), settings, count, usage, collectionId,
                    handleOwner, call);
        } catch (SysmemException e) {
            if (!(e.getCause() instanceof StatusException cause && cause.status() == Status.NO_MEMORY)
                    || !reclaimedLeaksSince(System.nanoTime())) { // callers failing together share one reclaim
                throw e;
            }
            LOG.log(Level.INFO, heap + " was full; retrying once after the garbage collector reclaimed dropped buffers");
            return allocateCollection(heap, choice.candidate().properties(), settings, count, usage, collectionId,
                    handleOwner, call);
        }
    }

    private boolean reclaimedLeaksSince(long startedNanos) {
        try {
            return leakReclaim.reclaimSince(startedNanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** All the buffers or none: the collection is known to the registry only once every buffer is handed out. */
    private Allocation allocateCollection(HeapEntry heap, HeapProperties properties, SingleBufferSettings settings,
            int count, Account.Usage usage, long collectionId, VmoOwner handleOwner, HeapCall call) {
        long rawSize = settings.bufferSettings().rawVmoSize();
        Account account = usage.account;
        RegistryCollection collection = new RegistryCollection(collectionId, settings, count, usage, heap);
        // Listed from the start: its heap's live buffers are counted over the collections.
        account.charge(usage, collection, count, rawSize, quotas);
        Vmo[] handles = count == 1 ? null : new Vmo[count];
        Vmo first = null;
        int handedOut = 0;
        try {
            for (int index = 0; index < count; index++) {
                RegistryBuffer buffer = allocateBuffer(heap, properties, collection, index, rawSize, usage, call);
                Vmo handle = handOutFirst(buffer, handleOwner);
                if (index == 0) {
                    first = handle;
                }
                if (handles != null) {
                    handles[index] = handle;
                }
                handedOut++;
            }
        } catch (RuntimeException e) {
            // Buffers the heap handed out are uncharged as they are deleted; the rest now.
            int neverAllocated = count - collection.buffersTracked();
            account.refund(usage, neverAllocated, rawSize);
            if (collection.neverAllocated(neverAllocated)) {
                usage.collections.remove(collection); // nothing was handed out, or all of it is back already
            }
            removeIfDrained(heap, neverAllocated); // the buffers still to come were counted as out until now
            for (int i = 0; i < handedOut; i++) {
                (handles == null ? first : handles[i]).close(); // each close leads to deleteVmo: nothing stays
            }
            LOG.log(Level.WARNING, "collection " + collection.id() + " on " + heap + " failed after "
                    + handedOut + " of " + count + " buffers; they are being freed: " + e.getMessage());
            throw e;
        }
        if (LOG.isLoggable(Level.DEBUG)) { // checked first: a message supplier is an object per collection
            LOG.log(Level.DEBUG, "collection " + collection.id() + ": " + count + " x " + rawSize + " bytes on " + heap
                    + ", " + settings.bufferSettings().coherencyDomain());
        }
        return new Allocation(collection, handles == null ? first : List.of(handles));
    }

    private static final java.util.Set<heap.api.vmo.VmoRight> ALL_RIGHTS =
            java.util.EnumSet.allOf(heap.api.vmo.VmoRight.class);

    /**
     * The buffer's first handle, for {@code owner} (null: unowned), made in the same step that checks the heap kept
     * nothing of its VMO and starts listening for ZERO_CHILDREN on it; the buffer is deleted if that fails.
     */
    private Vmo handOutFirst(RegistryBuffer buffer, VmoOwner owner) {
        HeapEntry heap = buffer.heap();
        Vmo handle;
        try {
            handle = Vmos.firstReference(buffer.heapVmo(), buffer, owner, this, buffer);
        } catch (StatusException e) {
            deleteOnce(buffer); // if the handle was made and closed again, ZERO_CHILDREN already deleted it
            if (owner != null && owner.isReleased()) {
                String stopped = "bundle " + owner.name() + " stopped while allocating";
                throw new SysmemException(SysmemError.UNSPECIFIED, stopped, e);
            }
            throw contractViolation(heap, buffer.collection(), buffer.index(), "returned a VMO it cannot share: "
                    + e.getMessage());
        }
        if (handle == null) {
            deleteOnce(buffer);
            throw contractViolation(heap, buffer.collection(), buffer.index(),
                    "kept a handle, mapping or child of the VMO it returned");
        }
        if (owner != null && heap.service instanceof HeapDiagnostics diagnostics) {
            diagnostics.clientHandle(buffer.heapVmo(), buffer.collection().id(), buffer.index(), handle.koid());
        }
        return handle;
    }

    private static SysmemException contractViolation(HeapEntry heap, RegistryCollection collection, int index,
            String violation) {
        heap.failures.increment();
        LOG.log(Level.ERROR, "contract violation: " + heap + " " + violation + " (collection " + collection.id()
                + " index " + index + ")");
        return new SysmemException(SysmemError.NO_MEMORY, heap.id + " could not allocate buffer " + index);
    }

    /**
     * A handle to {@code buffer} for {@code owner} (null: unowned), with at most {@code rights}; made from
     * {@code parent} — a negotiated collection's layer — and known to getVmoInfo.
     */
    Vmo handOut(RegistryBuffer buffer, Vmo parent, VmoOwner owner, java.util.Set<heap.api.vmo.VmoRight> rights) {
        return handOut(buffer, parent, owner, rights, buffer);
    }

    /** The same for a weak participant: getVmoInfo finds the buffer's close_weak_asap on the handle too. */
    Vmo handOutWeak(RegistryBuffer buffer, Vmo parent, VmoOwner owner, java.util.Set<heap.api.vmo.VmoRight> rights,
            CompletableFuture<Void> closeWeakAsap) {
        return handOut(buffer, parent, owner, rights, new WeakCollection.Handout(buffer, closeWeakAsap));
    }

    private Vmo handOut(RegistryBuffer buffer, Vmo parent, VmoOwner owner, java.util.Set<heap.api.vmo.VmoRight> rights,
            Object attachment) {
        // All rights is the parent's own rights: no set to intersect.
        Vmo handle = owner == null ? parent.createReference()
                : rights == ALL_RIGHTS ? owner.createReference(parent) : owner.createReference(parent, rights);
        // getVmoInfo and adopt find the buffer on the handle, not in a map by koid
        Vmos.attach(handle, this, attachment);
        if (owner != null && buffer.heap().service instanceof HeapDiagnostics diagnostics) {
            diagnostics.clientHandle(buffer.heapVmo(), buffer.collection().id(), buffer.index(), handle.koid());
        }
        return handle;
    }

    private RegistryBuffer allocateBuffer(HeapEntry heap, HeapProperties properties, RegistryCollection collection,
            int index, long rawSize, Account.Usage usage, HeapCall call) {
        Vmo heapVmo = null;
        call.begin(heap);
        RuntimeException failure = null;
        try {
            heapVmo = heap.service.allocateVmo(rawSize, collection.settings(), collection.id(), index);
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            if (call.end()) {
                tooLate(heap, collection, index, heapVmo, usage);
            }
        }
        if (failure != null) {
            heap.failures.increment();
            LOG.log(Level.WARNING, heap + " failed to allocate collection " + collection.id() + " index " + index + " ("
                    + rawSize + " bytes): " + failure);
            throw new SysmemException(SysmemError.NO_MEMORY, heap.id + " could not allocate buffer " + index + " of "
                    + rawSize + " bytes", failure);
        }
        String violation = heapVmo == null ? "returned no VMO"
                : heapVmo.isClosed() ? "returned a closed handle"
                : heapVmo.size() < rawSize ? "returned a VMO of " + heapVmo.size() + " bytes for " + rawSize : null;
        if (violation != null) {
            if (heapVmo != null && !heapVmo.isClosed()) {
                deleteOnce(track(collection, index, heapVmo, usage));
            }
            throw contractViolation(heap, collection, index, violation);
        }
        RegistryBuffer buffer = track(collection, index, heapVmo, usage);
        try {
            boolean clear = properties.needClear() && !heapVmo.isInaccessible();
            if (clear) {
                heapVmo.zero(0, heapVmo.size());
            }
            if (properties.flushRequired()) {
                VarHandle.fullFence(); // the JVM's coherent view: a full fence is the flush
            }
            heap.prepared(clear, properties.flushRequired());
            return buffer; // ZERO_CHILDREN is listened for as its first handle is made (handOutFirst)
        } catch (RuntimeException e) {
            deleteOnce(buffer);
            throw new SysmemException(SysmemError.NO_MEMORY, "could not prepare buffer " + index + " of " + heap.id, e);
        }
    }

    /** The heap outlasted the allocate time limit: the caller gets NO_MEMORY; a VMO that came late goes back. */
    private void tooLate(HeapEntry heap, RegistryCollection collection, int index, Vmo lateVmo, Account.Usage usage) {
        heap.failures.increment();
        long millis = limits.allocateTimeout().toMillis();
        LOG.log(Level.WARNING, heap + " did not answer allocateVmo for collection " + collection.id() + " index "
                + index + " within " + millis + " ms" + (lateVmo == null ? "" : "; the VMO it returned late is given back"));
        if (lateVmo != null && !lateVmo.isClosed()) {
            deleteOnce(track(collection, index, lateVmo, usage));
        }
        throw new SysmemException(SysmemError.NO_MEMORY, heap.id + " did not answer allocateVmo within the limit of "
                + millis + " ms (allocate.timeout.ms)");
    }

    /** A buffer the heap handed out: live in its heap and not yet reclaimed in its collection until deleted. */
    private static RegistryBuffer track(RegistryCollection collection, int index, Vmo heapVmo, Account.Usage usage) {
        return collection.bufferAllocated(index, heapVmo, usage);
    }

    /**
     * deleteVmo exactly once per buffer, however many paths find it unused; its charge ends as deleteVmo answers,
     * or as it is asked when the answer is to come later.
     */
    void deleteOnce(RegistryBuffer buffer) {
        Account.Usage charged = buffer.startDeleting();
        if (charged != null) {
            delete(buffer, charged);
        }
    }

    /** deleteVmo with the heap's VMO as the only remaining handle, bounded in time. */
    private void delete(RegistryBuffer buffer, Account.Usage charged) {
        HeapEntry heap = buffer.heap();
        CompletableFuture<Void> answered = askDeleteVmo(buffer);
        if (answered.isDone()) {
            finished(buffer, answered, charged);
            return;
        }
        charged.account.freed(charged, RegistryBuffer.chargedBytes(buffer)); // no charge while the heap takes its time
        long millis = limits.deleteTimeout().toMillis();
        answered.copy().orTimeout(millis, TimeUnit.MILLISECONDS).whenComplete((ignored, error) -> {
            if (error instanceof TimeoutException) {
                buffer.collection().bufferLost(); // first: whoever sees the heap's lost count sees the collection's
                heap.lost.increment();
                LOG.log(Level.ERROR, heap + " never answered deleteVmo for collection " + buffer.collection().id()
                        + " index " + buffer.index() + " within " + millis + " ms; buffer marked lost");
                removeIfDrained(heap);
            } else {
                finished(buffer, answered, null);
            }
        });
    }

    private static CompletableFuture<Void> askDeleteVmo(RegistryBuffer buffer) {
        HeapEntry heap = buffer.heap();
        try {
            return heap.service.deleteVmo(buffer.collection().id(), buffer.index(), buffer.heapVmo()).toCompletableFuture();
        } catch (RuntimeException e) {
            heap.failures.increment();
            LOG.log(Level.ERROR, heap + " refused deleteVmo for collection " + buffer.collection().id() + " index "
                    + buffer.index() + ": " + e + "; closing the handle so ZERO_CHILDREN reclaims it");
            buffer.heapVmo().close();
            return CompletableFuture.completedFuture(null);
        }
    }

    /** deleteVmo answered; {@code charged} is the charge still to end (null: ended as deleteVmo was asked). */
    private void finished(RegistryBuffer buffer, CompletableFuture<Void> answered, Account.Usage charged) {
        if (answered.isCompletedExceptionally()) {
            buffer.heap().failures.increment();
            LOG.log(Level.WARNING, buffer.heap() + " answered deleteVmo for collection " + buffer.collection().id()
                    + " index " + buffer.index() + " with an error");
        }
        RegistryCollection collection = buffer.collection();
        boolean last = collection.bufferReclaimed();
        if (last && charged == collection.payer) {
            charged.account.freedLast(charged, collection, RegistryBuffer.chargedBytes(buffer)); // one locked step
        } else {
            if (charged != null) {
                charged.account.freed(charged, RegistryBuffer.chargedBytes(buffer));
            }
            if (last) {
                collection.payer.collections.remove(collection);
            }
        }
        removeIfDrained(buffer.heap());
    }

    /** The buffer of a handle this registry handed out, or null (a client's own child, another allocator's, deleted). */
    private RegistryBuffer handedOut(Vmo vmo) {
        return bufferOf(Vmos.attachment(vmo, this));
    }

    /** The buffer behind what handOut attached (the buffer, or a weak handle's record), unless deleted. */
    private static RegistryBuffer bufferOf(Object attached) {
        RegistryBuffer buffer = attached instanceof WeakCollection.Handout weak ? weak.buffer()
                : attached instanceof RegistryBuffer strong ? strong : null;
        return buffer != null && !buffer.isDeleting() ? buffer : null;
    }

    @Override
    public VmoInfo getVmoInfo(Vmo vmo) {
        checkCallable("getVmoInfo");
        if (vmo == null) {
            throw new SysmemException(SysmemError.PROTOCOL_DEVIATION, "getVmoInfo needs a VMO, got null");
        }
        Object attached = vmo.isClosed() ? null : Vmos.attachment(vmo, this);
        RegistryBuffer buffer = bufferOf(attached);
        if (buffer == null) {
            throw new SysmemException(SysmemError.NOT_FOUND, "VMO koid " + vmo.koid() + " is not one the allocator "
                    + "handed out (a child a client made, a closed handle, or its buffer is deleted)");
        }
        return attached instanceof WeakCollection.Handout weak
                ? new VmoInfo(buffer.collection().id(), buffer.index(), Optional.of(weak.closeWeakAsap()
                        .minimalCompletionStage()))
                : new VmoInfo(buffer.collection().id(), buffer.index());
    }

    @Override
    public CompletionStage<Void> attachLifetimeTracking(BufferCollection collection, int buffersRemaining) {
        checkCallable("attachLifetimeTracking");
        if (!(collection instanceof ClientCollection ours) || ours.record.heap.registry != this) {
            throw new SysmemException(SysmemError.PROTOCOL_DEVIATION, "not a collection of this allocator: " + collection);
        }
        if (buffersRemaining < 0) {
            throw new SysmemException(SysmemError.PROTOCOL_DEVIATION, "buffers_remaining " + buffersRemaining + " is negative");
        }
        return ours.record.track(buffersRemaining);
    }

    @Override
    public void adopt(Vmo vmo) {
        adopt(vmo, direct);
    }

    @Override
    public BufferCollectionToken newSharedCollection() {
        return newSharedCollection(direct);
    }

    BufferCollectionToken newSharedCollection(Account creator) {
        checkCallable("newSharedCollection");
        LogicalCollection collection = new LogicalCollection(this, nextCollectionId(), creator);
        negotiations.put(collection.id(), collection);
        return collection.rootToken();
    }

    @Override
    public SharedCollection bind(BufferCollectionToken token) {
        return bind(token, direct);
    }

    SharedCollection bind(BufferCollectionToken token, Account binder) {
        checkCallable("bind");
        return LogicalCollection.bind(token, binder);
    }

    @Override
    public List<NegotiationStatus> negotiations() {
        return negotiations.values().stream().sorted(Comparator.comparingLong(LogicalCollection::id))
                .map(LogicalCollection::status).toList();
    }

    /** A shared collection failed or ended: it is no longer a negotiation to show. */
    void ended(LogicalCollection collection) {
        negotiations.remove(collection.id(), collection);
    }

    void adopt(Vmo vmo, Account account) {
        checkCallable("adopt");
        if (vmo == null) {
            throw new SysmemException(SysmemError.PROTOCOL_DEVIATION, "adopt needs a VMO, got null");
        }
        try {
            account.owner().adopt(vmo);
        } catch (StatusException e) {
            throw new SysmemException(SysmemError.PROTOCOL_DEVIATION, account + " cannot adopt VMO koid " + vmo.koid()
                    + ": " + e.getMessage(), e);
        }
        RegistryBuffer buffer = handedOut(vmo);
        if (buffer != null) {
            buffer.chargeTo(account.usage(buffer.heap().id));
        }
    }

    @Override
    public List<OwnerStatus> owners() {
        List<OwnerStatus> owners = new ArrayList<>();
        for (Account account : accounts.values()) {
            OwnerStatus status = account.status();
            if (!status.heaps().isEmpty()) {
                owners.add(status);
            }
        }
        owners.sort(Comparator.comparingLong(OwnerStatus::bundleId));
        return owners;
    }

    @Override
    public List<QuotaStatus> quotas() {
        List<QuotaStatus> statuses = new ArrayList<>();
        Map<String, String> refused;
        synchronized (quotasByPid) {
            refused = new java.util.HashMap<>(quotaRefusals);
        }
        List<HeapId> listed = entries.stream().map(entry -> entry.id).distinct().sorted(
                Comparator.comparing(HeapId::toString)).toList();
        for (Quota quota : quotas) {
            List<String> limited = accounts.values().stream().filter(account -> account != direct
                    && quota.matchesBundle(account.symbolicName)).map(account -> account.symbolicName).sorted().toList();
            statuses.add(quota.status(limited, refused.remove(quota.pid()), listed));
        }
        refused.forEach((pid, why) -> statuses.add(new QuotaStatus(pid, null, null, -1, -1, List.of(), why,
                List.of())));
        statuses.sort(Comparator.comparing(QuotaStatus::pid));
        return statuses;
    }

    /** Adds or replaces the quota of a configuration. */
    public void putQuota(Quota quota) {
        synchronized (quotasByPid) {
            quotasByPid.put(quota.pid(), quota);
            quotaRefusals.remove(quota.pid());
            quotas = List.copyOf(quotasByPid.values());
        }
    }

    /** A configuration's update was refused: the quota in force for it, if any, stays; the listing says why. */
    public void refuseQuota(String pid, String why) {
        synchronized (quotasByPid) {
            quotaRefusals.put(pid, why);
        }
    }

    public void removeQuota(String pid) {
        synchronized (quotasByPid) {
            quotasByPid.remove(pid);
            quotaRefusals.remove(pid);
            quotas = List.copyOf(quotasByPid.values());
        }
    }

    @Override
    public List<HeapStatus> heaps() {
        List<HeapEntry> preferred = preferredEntries();
        Map<HeapEntry, Long> live = liveBuffers();
        return entries.stream().map(entry -> entry.status(preferred.contains(entry), live.getOrDefault(entry, 0L)))
                .toList();
    }

    /**
     * The status of heap service {@code serviceId}, or null once it is gone. Its live buffers are a sum over every
     * collection, so they are counted only when {@code withLiveBuffers} (else 0): JMX reads one attribute at a time.
     */
    HeapStatus heapStatus(long serviceId, boolean withLiveBuffers) {
        for (HeapEntry entry : entries) {
            if (entry.serviceId == serviceId) {
                long live = withLiveBuffers ? liveBuffers().getOrDefault(entry, 0L) : 0;
                return entry.status(preferredEntries().contains(entry), live);
            }
        }
        return null;
    }

    @Override
    public List<CollectionSummary> collections() {
        return liveCollections().stream().sorted(Comparator.comparingLong(RegistryCollection::id))
                .map(RegistryCollection::summary).toList();
    }

    /**
     * Routes; when no heap fits but heaps may still be arriving — the registry started, or a heap went away (a bundle
     * being updated or replaced), within the grace period — waits up to that period for one to register before
     * answering CONSTRAINTS_INTERSECTION_EMPTY.
     */
    private Choice<HeapEntry> chooseAllowingForReplacement(Routing.Aggregate aggregate, Duration grace) {
        long deadline = heapsExpectedSinceNanos + grace.toNanos();
        while (true) {
            try {
                return Routing.choose(candidates(), aggregate);
            } catch (Routing.NoHeapFits e) {
                long remaining = deadline - System.nanoTime();
                if (stopped) {
                    throw stoppedError();
                }
                if (remaining <= 0) {
                    throw e;
                }
                synchronized (registrations) {
                    try {
                        registrations.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(remaining), 50)));
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                }
            }
        }
    }

    /** The heap chosen for an aggregate and the settings it gives, reused while the same aggregate meets the same heaps. */
    private Route route(Routing.Aggregate aggregate, Duration grace) {
        Route last = lastRoute;
        long version = routingVersion.get();
        if (last != null && last.aggregate() == aggregate && last.version() == version) {
            return last;
        }
        Choice<HeapEntry> choice = chooseAllowingForReplacement(aggregate, grace);
        long size = aggregate.minSize();
        SingleBufferSettings settings = new SingleBufferSettings(new BufferMemorySettings(size, aggregate.contiguous(),
                aggregate.secure(), choice.domain(), choice.settingsHeap(), Sizes.pageRoundUp(size),
                aggregate.alignment()), aggregate.imageFormat());
        // Stamped with the version read before choosing: a change meanwhile makes it stale at once.
        Route route = new Route(aggregate, version, choice, settings);
        lastRoute = route;
        return route;
    }

    /** The routable heaps, computed again only after something that decides routing changed. */
    private List<Candidate<HeapEntry>> candidates() {
        RoutingSnapshot snapshot = routingSnapshot;
        long version = routingVersion.get();
        if (snapshot != null && snapshot.version() == version) {
            return snapshot.candidates();
        }
        List<HeapEntry> preferred = preferredEntries();
        List<Candidate<HeapEntry>> candidates = new ArrayList<>(preferred.size());
        for (HeapEntry entry : preferred) {
            candidates.add(new Candidate<>(entry.id, entry.properties(), entry.secure, entry));
        }
        // Stamped with the version read before computing: a change meanwhile makes it stale at once.
        routingSnapshot = new RoutingSnapshot(version, List.copyOf(candidates));
        return candidates;
    }

    /** A heap bound, registered, quarantined, gone, drained or re-ranked: the next allocation routes afresh. */
    private void routingChanged() {
        routingVersion.incrementAndGet();
    }

    /** The participants' aggregate of a request seen last: clients that repeat a request skip the work. */
    private Routing.Aggregate aggregateOf(AllocationRequest request) {
        LastAggregate last = lastAggregate;
        if (last != null && last.request() == request) {
            return last.aggregate();
        }
        Routing.Aggregate aggregate = Routing.aggregate(request.participants());
        lastAggregate = new LastAggregate(request, aggregate);
        return aggregate;
    }

    /** Per HeapId, the routable instance with the highest service ranking, then the newest. */
    private List<HeapEntry> preferredEntries() {
        Map<HeapId, HeapEntry> best = new java.util.LinkedHashMap<>();
        for (HeapEntry entry : entries) {
            if (entry.routable()) {
                best.merge(entry.id, entry, (a, b) -> a.ranking != b.ranking ? (a.ranking > b.ranking ? a : b)
                        : (a.sequence > b.sequence ? a : b));
            }
        }
        return new ArrayList<>(best.values());
    }

    private void onRegister(HeapEntry entry, HeapProperties properties) {
        String violation = entry.registered(properties);
        routingChanged();
        if (violation != null) {
            quarantine(entry, violation);
        } else if (properties != null && entry.state(true) == HeapState.ACTIVE) {
            LOG.log(Level.INFO, entry + " registered: " + properties);
            events.changed(entry.id, entry.serviceId, "registered", entry + " registered: " + properties);
            warnIfTheIdIsShared(entry);
            synchronized (registrations) {
                registrations.notifyAll();
            }
        }
    }

    /**
     * Two live services under one heap id (two factory configurations without their own heap.id, or a heap's new
     * bundle installed beside the old): only one takes new buffers, so an operator hears of it once per registration.
     */
    private void warnIfTheIdIsShared(HeapEntry registered) {
        List<HeapEntry> sharing = entries.stream().filter(entry -> entry.id.equals(registered.id) && entry.routable())
                .toList();
        if (sharing.size() < 2) {
            return;
        }
        HeapEntry serving = preferredEntries().stream().filter(entry -> entry.id.equals(registered.id)).findFirst()
                .orElse(registered);
        LOG.log(Level.WARNING, "heap " + registered.id + ": " + sharing.size() + " services are registered under this id ("
                + sharing.stream().map(entry -> entry.serviceId + " from " + entry.origin)
                        .collect(java.util.stream.Collectors.joining(", "))
                + "); service " + serving.serviceId + " takes new buffers and the others only drain: give each "
                + "factory configuration its own heap.id, or uninstall the heap being replaced");
    }

    private void quarantine(HeapEntry entry, String reason) {
        if (entry.quarantine(reason)) {
            routingChanged();
            LOG.log(Level.WARNING, "protocol violation: " + entry + " " + reason + "; quarantined, never routed");
            events.changed(entry.id, entry.serviceId, "quarantined", entry + " " + reason);
        }
    }

    private void closeBinding(HeapEntry entry) {
        HeapBinding binding = entry.unbind();
        routingChanged();
        if (binding != null) {
            try {
                binding.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, entry + " threw when its binding closed: " + e);
            }
        }
    }

    /** The collections not yet reclaimed, each listed by the bundle's share that paid for it. */
    private List<RegistryCollection> liveCollections() {
        collectionWalks.increment();
        List<RegistryCollection> all = new ArrayList<>();
        for (Account account : accounts.values()) {
            for (Account.Usage usage : account.usages()) {
                all.addAll(usage.collections.snapshot());
            }
        }
        return all;
    }

    /** The buffers each heap holds for the collections, summed over them: no count moves per buffer. */
    private Map<HeapEntry, Long> liveBuffers() {
        Map<HeapEntry, Long> live = new HashMap<>();
        for (RegistryCollection collection : liveCollections()) {
            live.merge(collection.heap, (long) collection.outstanding(), Long::sum);
        }
        return live;
    }

    /** One buffer of {@code entry} left (deleted or lost): see {@link #removeIfDrained(HeapEntry, int)}. */
    private void removeIfDrained(HeapEntry entry) {
        removeIfDrained(entry, 1);
    }

    /**
     * Forgets a heap whose service is gone once none of its buffers is out; {@code departing} of them just left.
     * Counting them walks every collection, so a count that finds K out is not repeated for the next K - 1
     * departures: draining N buffers costs a few walks, not one per buffer (which made a drain quadratic).
     */
    private void removeIfDrained(HeapEntry entry, int departing) {
        if (!entry.serviceGone()) {
            return; // read after the buffer's own count changed: a count that starts after the service went sees it
        }
        long number = entry.departed(departing);
        if (!entry.drainCountDue(number)) {
            return;
        }
        long outstanding = liveBuffers().getOrDefault(entry, 0L);
        if (outstanding > 0) {
            entry.stillOut(number, outstanding);
            return;
        }
        if (entries.remove(entry)) {
            routingChanged();
            events.gone(entry.id, entry.serviceId);
            LOG.log(departures, entry + " drained: every buffer it gave out is deleted or lost");
            for (RegistryCollection collection : liveCollections()) {
                if (collection.heap == entry && collection.onlyLostLeft()
                        && collection.payer.collections.remove(collection)) {
                    LOG.log(Level.WARNING, "collection " + collection.id() + " dropped: its lost buffers' heap " + entry
                            + " is gone");
                }
            }
        }
    }

    private void checkCallable(String operation) {
        checkCallable(heapCall(), operation);
    }

    /** Refuses a call from inside a heap's allocateVmo ({@code call} is the calling thread's) or after the stop. */
    private void checkCallable(HeapCall call, String operation) {
        HeapEntry caller = call.heap;
        if (caller != null) {
            LOG.log(Level.ERROR, caller + " called " + operation + " from inside its allocateVmo; refused (it would "
                    + "deadlock sysmem)");
            throw new StatusException(Status.BAD_STATE, operation + " called from inside allocateVmo of " + caller.id);
        }
        if (stopped) {
            throw stoppedError();
        }
    }

    private static SysmemException stoppedError() {
        return new SysmemException(SysmemError.UNSPECIFIED, "the heap registry has stopped");
    }

    private static long longProperty(Map<String, ?> properties, String key) {
        return properties.get(key) instanceof Number number ? number.longValue() : 0;
    }
}
