package heap.registry;

import heap.api.Heap;
import heap.api.HeapBinding;
import heap.api.HeapId;
import heap.api.HeapMetrics;
import heap.api.HeapProperties;
import heap.api.allocator.HeapState;
import heap.api.allocator.HeapStatus;
import heap.memory.Counters;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** One bound heap service: its registration, its state and the registry's counts for it. */
final class HeapEntry {
    /** The registry it is bound to: how a buffer record reaches it without a field of its own. */
    final HeapRegistry registry;
    /** The heap service this entry binds. */
    final Heap service;
    final HeapId id;
    final String origin;
    final long serviceId;
    volatile int ranking; // a live service's ranking can change (ServiceRegistration.setProperties)
    final long sequence;
    /** The heap declared itself secure ({@link Heap#SECURE}): only such heaps get secure_required buffers. */
    final boolean secure;
    // Counted per stripe and summed when read. Its live buffers are not counted here: the registry sums them over
    // the collections it serves (liveBuffers), so an allocation and a delete move no count of the heap's.
    // A buffer both cleared and flushed (the usual pair) is one count, so preparing it is one atomic add.
    private static final int CLEARED_ONLY = 0;
    private static final int FLUSHED_ONLY = 1;
    private static final int CLEARED_AND_FLUSHED = 2;
    private final Counters counts = new Counters(3);
    final LongAdder failures = new LongAdder();
    final LongAdder lost = new LongAdder();
    private HeapProperties properties;
    private int registrations;
    private String quarantineReason;
    private volatile boolean serviceGone; // read on every delete: no lock for that
    // Once its service is gone: every buffer leaving takes a number, and a count of its buffers still out (a walk
    // of every collection) is due only at the number by which all those it last found out can have left.
    private final AtomicLong departures = new AtomicLong();
    private final AtomicLong nextDrainCount = new AtomicLong();
    private HeapBinding binding;

    HeapEntry(HeapRegistry registry, Heap heap, HeapId id, String origin, long serviceId, int ranking, long sequence, boolean secure) {
        this.registry = registry;
        this.service = heap;
        this.id = id;
        this.origin = origin;
        this.serviceId = serviceId;
        this.ranking = ranking;
        this.sequence = sequence;
        this.secure = secure;
    }

    /** Records an OnRegister; returns the protocol violation it is, or null. */
    synchronized String registered(HeapProperties sent) {
        registrations++;
        if (registrations > 1) {
            return "sent OnRegister " + registrations + " times";
        }
        if (quarantineReason != null) {
            return null; // too late: already quarantined for its silence
        }
        if (sent == null) {
            return "sent OnRegister without properties";
        }
        properties = sent;
        return null;
    }

    synchronized boolean quarantine(String reason) {
        if (quarantineReason != null) {
            return false;
        }
        quarantineReason = reason;
        return true;
    }

    synchronized boolean awaitingRegistration() {
        return properties == null && quarantineReason == null && !serviceGone;
    }

    /** Routable candidate: registered, not quarantined, service still present. */
    synchronized boolean routable() {
        return properties != null && quarantineReason == null && !serviceGone;
    }

    synchronized HeapProperties properties() {
        return properties;
    }

    synchronized void bound(HeapBinding newBinding) {
        binding = newBinding;
    }

    /** A buffer was prepared for its client as the heap's properties ask: cleared, flushed, or both. */
    void prepared(boolean cleared, boolean flushed) {
        if (cleared || flushed) {
            counts.add(cleared ? (flushed ? CLEARED_AND_FLUSHED : CLEARED_ONLY) : FLUSHED_ONLY, 1);
        }
    }

    /** The service went away (or the registry stops): the channel closes, buffers stay. */
    HeapBinding unbind() {
        synchronized (this) {
            serviceGone = true;
            HeapBinding closing = binding;
            binding = null;
            return closing;
        }
    }

    boolean serviceGone() {
        return serviceGone;
    }

    /** Numbers {@code buffers} leaving (deleted, lost, never allocated) after the service went; the last number. */
    long departed(int buffers) {
        return departures.addAndGet(buffers);
    }

    /** Whether, at departure {@code number}, its buffers may all be gone: not before the last count's can have left. */
    boolean drainCountDue(long number) {
        return number >= nextDrainCount.get();
    }

    /**
     * A count after departure {@code number} found {@code outstanding} buffers out. Each of them was out when the
     * count read it, after that number was taken, so each leaves with a later one: none can be the last before
     * {@code number + outstanding}.
     */
    void stillOut(long number, long outstanding) {
        nextDrainCount.accumulateAndGet(number + outstanding, Math::max);
    }

    synchronized HeapState state(boolean preferred) {
        if (quarantineReason != null) {
            return HeapState.QUARANTINED;
        }
        if (properties == null && !serviceGone) {
            return HeapState.PENDING;
        }
        return serviceGone || !preferred ? HeapState.DRAINING : HeapState.ACTIVE;
    }

    /** Its status, with {@code live} buffers handed out and neither back nor lost (the registry counts them). */
    HeapStatus status(boolean preferred, long live) {
        HeapState state = state(preferred);
        String reason;
        synchronized (this) {
            reason = quarantineReason != null ? quarantineReason
                    : serviceGone ? "service gone" : state == HeapState.DRAINING ? "replaced by a newer instance" : "";
        }
        Map<String, Long> metrics = service instanceof HeapMetrics m ? safeMetrics(m) : Map.of();
        return new HeapStatus(id, origin, serviceId, ranking, state, Optional.ofNullable(properties()), reason, live,
                counts.sum(CLEARED_ONLY) + counts.sum(CLEARED_AND_FLUSHED),
                counts.sum(FLUSHED_ONLY) + counts.sum(CLEARED_AND_FLUSHED), failures.sum(), lost.sum(), metrics);
    }

    private static Map<String, Long> safeMetrics(HeapMetrics metrics) {
        try {
            return Map.copyOf(metrics.metrics());
        } catch (RuntimeException e) {
            return Map.of();
        }
    }

    @Override
    public String toString() {
        return "heap " + id + " (" + origin + ")";
    }
}
