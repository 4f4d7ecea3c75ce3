package heap.api.spi;

import heap.api.Status;
import heap.api.StatusException;
import heap.api.internal.Require;
import java.util.ArrayList;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Physical address ranges claimed by heaps, so that two live buffers never report one physical address (on a device,
 * two tenants' buffers would be one memory). A heap whose addresses come from configuration (a board's carve-out, a
 * secure heap's protected range) claims its range before handing out any and ends the claim once its last buffer is
 * gone. {@link #PROCESS} is the table of this JVM: it lives in heap.api, so the instance an updated heap bundle starts
 * sees the claim of the instance still draining from before the update.
 *
 * <p>A range that overlaps another heap's claim is refused. One that overlaps only claims of the same heap (the same
 * TYPE#ID) that are {@linkplain Claim#draining() draining} — a new configuration, an updated bundle — is granted
 * with those as its predecessors: the new instance must not hand out an address a predecessor's live buffer still
 * has ({@link Claim#heldByPredecessor}), until they have all ended. A heap whose addresses come from the kernel claims
 * them too, since a configured range is only numbers the kernel may also hand out: the contiguous pool maps again
 * past ({@link #pastClaimsOverlapping}) a configured range it landed on. @since 1.6
 */
public final class PhysicalRanges {
    /** The claims of this JVM, shared by every heap bundle and every revision of one. */
    public static final PhysicalRanges PROCESS = new PhysicalRanges();

    /** Which part of a claimed range a heap's live buffers hold; asked by the heap's successors. */
    @ConsumerType
    @FunctionalInterface
    public interface Occupancy {
        /** True if a live buffer of the heap has any byte of {@code [address, address + size)}. */
        boolean occupied(long address, long size);
    }

    private final List<Claim> claims = new ArrayList<>(); // guarded by this

    /** A table of its own (tests; a platform that keeps several apart), not the JVM's. */
    public PhysicalRanges() {
    }

    /**
     * Claims {@code [base, base + size)} for heap {@code heap} (its TYPE#ID, as logs name it).
     *
     * @throws IllegalStateException naming the claim it overlaps: another heap's, or an active one of this heap
     * @throws StatusException INVALID_ARGS for no range (an empty one, a negative base, one past the last address)
     *         or a null heap or occupancy
     */
    public synchronized Claim claim(long base, long size, String heap, Occupancy occupancy) {
        Require.argument(heap, "heap");
        Require.argument(occupancy, "occupancy");
        if (size <= 0 || base < 0 || base + size < base) {
            throw new StatusException(Status.INVALID_ARGS, "range of " + size + " bytes at " + base
                    + " is not a range of addresses");
        }
        List<Claim> predecessors = new ArrayList<>();
        for (Claim other : claims) {
            if (base < other.base + other.size && other.base < base + size) {
                if (!other.heap.equals(heap) || !other.draining) {
                    throw new IllegalStateException("the range [0x" + Long.toHexString(base) + ", 0x"
                            + Long.toHexString(base + size) + ") of heap " + heap + " overlaps [0x"
                            + Long.toHexString(other.base) + ", 0x" + Long.toHexString(other.base + other.size)
                            + "), which heap " + other.heap + " holds" + (other.draining ? " until its last buffer goes"
                            : other.heap.equals(heap) ? " (another active instance of it)" : "")
                            + ": give each heap a range of its own");
                }
                predecessors.add(other);
            }
        }
        Claim claim = new Claim(this, base, size, heap, occupancy, predecessors);
        claims.add(claim);
        return claim;
    }

    /**
     * The first address past every claim that overlaps {@code [base, base + size)} (and past those a range moved
     * there would overlap), or {@code base} when none does: where a heap whose addresses come from the kernel (a
     * pool it maps) asks for memory again when it landed on another heap's configured range. @since 1.7
     */
    public synchronized long pastClaimsOverlapping(long base, long size) {
        long from = base;
        for (boolean moved = true; moved; ) {
            moved = false;
            for (Claim other : claims) {
                if (from < other.base + other.size && other.base < from + size) {
                    from = other.base + other.size;
                    moved = true;
                }
            }
        }
        return from;
    }

    /**
     * True if claims (one or several, of any heaps) hold every address of {@code [base, base + size)}: what the
     * conformance kit asks of a heap that reports physical addresses. @since 1.7
     */
    public synchronized boolean covers(long base, long size) {
        long from = base;
        for (boolean moved = true; moved && from < base + size; ) {
            moved = false;
            for (Claim claim : claims) {
                if (claim.base <= from && from < claim.base + claim.size) {
                    from = claim.base + claim.size;
                    moved = true;
                }
            }
        }
        return from >= base + size;
    }

    /** How many claims are open: for tests and diagnostics. */
    public synchronized int size() {
        return claims.size();
    }

    private synchronized void remove(Claim claim) {
        claims.remove(claim);
    }

    /** One heap's claim; {@link #close()} ends it once the heap's last buffer is gone. */
    public static final class Claim implements AutoCloseable {
        private final PhysicalRanges table;
        private final long base;
        private final long size;
        private final String heap;
        private final Occupancy occupancy;
        private final List<Claim> predecessors;
        private volatile boolean draining;
        private volatile boolean closed;
        private volatile boolean predecessorsEnded;

        private Claim(PhysicalRanges table, long base, long size, String heap, Occupancy occupancy, List<Claim> predecessors) {
            this.table = table;
            this.base = base;
            this.size = size;
            this.heap = heap;
            this.occupancy = occupancy;
            this.predecessors = List.copyOf(predecessors);
            this.predecessorsEnded = predecessors.isEmpty();
        }

        /** The heap hands out no more buffers: an instance of the same heap may now claim the range beside it. */
        public void draining() {
            draining = true;
        }

        /** True once every predecessor's claim has ended (at once when there was none): one volatile read after that. */
        public boolean predecessorsEnded() {
            if (predecessorsEnded) {
                return true;
            }
            for (Claim predecessor : predecessors) {
                if (!predecessor.closed) {
                    return false;
                }
            }
            predecessorsEnded = true;
            return true;
        }

        /** True if a predecessor's live buffer has any byte of {@code [address, address + size)}: not to be handed out. */
        public boolean heldByPredecessor(long address, long size) {
            for (Claim predecessor : predecessors) {
                if (!predecessor.closed && predecessor.occupancy.occupied(address, size)) {
                    return true;
                }
            }
            return false;
        }

        /** Ends the claim (the heap's last buffer is gone); a second call does nothing. */
        @Override
        public void close() {
            closed = true;
            table.remove(this);
        }
    }
}
