package heap.api.internal;

import heap.api.Status;
import heap.api.StatusException;
import heap.api.vmo.Registration;
import heap.api.vmo.Vmo;
import heap.api.vmo.VmoMapping;
import heap.api.vmo.VmoRight;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * One handle to a {@link VmoObject}, with its own rights. An unwatched handle is its own lease (one object per
 * handle, with no fields for leak detection): an {@link Ownable} one, with the links of an owner's list, or, for
 * a heap's own handle to its buffer, which belongs to no bundle, this class itself, without them. A {@link Watched}
 * one has a lease apart, so the leak detector's action does not keep it reachable.
 */
sealed class VmoHandle extends VmoObject.Lease implements Vmo permits VmoHandle.Ownable, VmoHandle.Watched {
    private final byte rights; // a bit per right, by ordinal: a byte per handle, not a reference to a set

    /** The 16 possible rights sets, by bits: what {@link #rights()} returns, shared by every handle. */
    private static final List<Set<VmoRight>> RIGHTS_SETS = rightsSets();
    static final byte ALL_RIGHTS = (byte) (RIGHTS_SETS.size() - 1);

    /** A new handle to {@code object}, which already counts it; watched for a leak if the level says so. */
    static VmoHandle of(VmoObject object, byte rights) {
        return VmoObject.watchForLeak() ? new Watched(object, rights, true) : new Ownable(object, rights);
    }

    /** A heap's own handle to its new buffer, with all rights: no owner can ever hold it, so it keeps no links. */
    static VmoHandle ownerless(VmoObject object) {
        return VmoObject.watchForLeak() ? new Watched(object, ALL_RIGHTS, false) : new VmoHandle(object, ALL_RIGHTS);
    }

    private VmoHandle(VmoObject object, byte rights) {
        super(object);
        this.rights = rights;
    }

    /** An unwatched handle an owner can hold: its own lease, with the owner's list links. */
    static final class Ownable extends VmoHandle implements VmoObject.OwnerLinks {
        private static final java.lang.invoke.VarHandle STRIPE_IN_OWNER;

        static {
            try {
                STRIPE_IN_OWNER = java.lang.invoke.MethodHandles.lookup().findVarHandle(Ownable.class,
                        "stripeInOwner", Owner.Stripe.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private volatile Owner.Stripe stripeInOwner;
        private VmoObject.OwnerLinks previousInOwner;
        private VmoObject.OwnerLinks nextInOwner;

        private Ownable(VmoObject object, byte rights) {
            super(object, rights);
        }

        @Override
        public Owner.Stripe stripeInOwner() {
            return stripeInOwner;
        }

        @Override
        public void setStripeInOwner(Owner.Stripe stripe) {
            STRIPE_IN_OWNER.setRelease(this, stripe);
        }

        @Override
        public VmoObject.OwnerLinks previousInOwner() {
            return previousInOwner;
        }

        @Override
        public void setPreviousInOwner(VmoObject.OwnerLinks previous) {
            previousInOwner = previous;
        }

        @Override
        public VmoObject.OwnerLinks nextInOwner() {
            return nextInOwner;
        }

        @Override
        public void setNextInOwner(VmoObject.OwnerLinks next) {
            nextInOwner = next;
        }
    }

    /** A handle the leak detector watches: its lease is apart, and is the detector's action. */
    static final class Watched extends VmoHandle {
        private final VmoObject.DetachedLease lease;
        private final LeakWatcher.Watch watch;
        private final boolean ownable; // as the unwatched handle it stands for: whatever the leak level, the same

        private Watched(VmoObject object, byte rights, boolean ownable) {
            super(object, rights);
            this.lease = new VmoObject.DetachedLease(object, Kind.HANDLE, null);
            this.watch = LeakWatcher.register(this, lease);
            this.ownable = ownable;
        }

        @Override
        public void close() {
            lease.end();
            watch.cancel(); // the lease ended: the leak action has nothing left to do
        }
    }

    // Class checks, not overridden methods: the heap's handles and the clients' are two classes on every path, and
    // a watched one a third; a virtual call there would be megamorphic.

    /** Whether an owner can hold it: every handle but a heap's own handle to its buffer. */
    final boolean ownable() {
        return this instanceof Ownable || this instanceof Watched watched && watched.ownable;
    }

    /** What keeps the object alive for this handle and links it to its owner. */
    public final VmoObject.Lease lease() {
        return this instanceof Watched watched ? watched.lease : this;
    }

    VmoObject object() {
        return object;
    }

    @Override
    public long koid() {
        return object.koid();
    }

    @Override
    public long parentKoid() {
        return object.parentKoid();
    }

    @Override
    public long size() {
        return object.vmoSize();
    }

    @Override
    public Set<VmoRight> rights() {
        return RIGHTS_SETS.get(rights);
    }

    @Override
    public boolean isInaccessible() {
        return object.inaccessible();
    }

    @Override
    public OptionalLong physicalAddress() {
        return object.physicalAddress();
    }

    @Override
    public boolean isClosed() {
        return lease().ended();
    }

    @Override
    public Vmo duplicate() {
        return duplicate(rights);
    }

    @Override
    public Vmo duplicate(Set<VmoRight> newRights) {
        return duplicate(bitsOf(Require.argument(newRights, "rights")));
    }

    private Vmo duplicate(byte wanted) {
        requireOpen();
        require(VmoRight.DUPLICATE);
        if ((wanted & ~rights) != 0) {
            throw new StatusException(Status.ACCESS_DENIED, "rights can only be reduced: handle to VMO koid " + koid()
                    + " has " + rights() + " and cannot grant " + RIGHTS_SETS.get(wanted & ~rights));
        }
        object.addHandle();
        return keepAlive(open(object, wanted, owner()));
    }

    @Override
    public Vmo createSlice(long offset, long size) {
        requireOpen();
        require(VmoRight.DUPLICATE, VmoRight.READ);
        checkRange("slice", offset, size);
        return keepAlive(open(object.createChild(offset, size), rights, owner()));
    }

    @Override
    public Vmo createReference() {
        return createReference(owner());
    }

    Vmo createReference(Owner newOwner) {
        return createReference(newOwner, rights);
    }

    /** A REFERENCE child with the rights of this handle that are also in {@code wanted}. */
    Vmo createReference(Owner newOwner, Set<VmoRight> wanted) {
        return createReference(newOwner, bitsOf(Require.argument(wanted, "rights")));
    }

    private Vmo createReference(Owner newOwner, byte wanted) {
        requireOpen();
        require(VmoRight.DUPLICATE, VmoRight.READ);
        return keepAlive(open(object.createChild(0, object.vmoSize()), (byte) (rights & wanted), newOwner));
    }

    /**
     * A REFERENCE child of {@code vmo} for {@code owner} (null: unowned) if {@code vmo} is its object's only handle,
     * with no mapping or child, else null; see {@link VmoObject#firstReferenceChild}.
     */
    static Vmo firstReference(Vmo vmo, Runnable onZeroChildren, Owner owner, Object key, Object value) {
        if (!(vmo instanceof VmoHandle parent)) {
            throw new StatusException(Status.INVALID_ARGS, "not a handle of this VMO implementation: " + vmo);
        }
        parent.requireOpen();
        parent.require(VmoRight.DUPLICATE, VmoRight.READ);
        VmoObject child = parent.object().firstReferenceChild(onZeroChildren, key, value);
        return child == null ? null : parent.keepAlive(open(child, parent.rights, owner));
    }

    /** The owner this handle belongs to now, or null (a heap's own handles belong to nobody). */
    Owner owner() {
        return lease().leaseOwner();
    }

    void moveTo(Owner newOwner) {
        requireOpen();
        if (!ownable()) {
            throw new StatusException(Status.BAD_STATE, "handle to VMO koid " + koid() + " is a heap's own handle "
                    + "to its buffer, which belongs to no bundle and cannot be adopted (adopt a duplicate or a child)");
        }
        if (!lease().moveLeaseTo(newOwner)) {
            requireOpen();
            throw released(newOwner);
        }
    }

    /** A handle on a counted reference to {@code target}; closed again if its owner was released meanwhile. */
    private static VmoHandle open(VmoObject target, byte rights, Owner owner) {
        VmoHandle handle = of(target, rights);
        if (owner != null && !handle.lease().joinFirstOwner(owner)) {
            handle.close();
            throw released(owner);
        }
        return handle;
    }

    private static StatusException released(Owner owner) {
        return new StatusException(Status.BAD_STATE, owner + " has been released (its bundle stopped): nothing can "
                + "be made for it or moved to it");
    }

    @Override
    public VmoMapping map(long offset, long length, boolean writable) {
        return map(offset, length, writable, Arena.ofConfined(), false);
    }

    @Override
    public VmoMapping mapShared(long offset, long length, boolean writable) {
        return map(offset, length, writable, Arena.ofShared(), true);
    }

    private VmoMapping map(long offset, long length, boolean writable, Arena arena, boolean shared) {
        try {
            requireOpen();
            requireAccessible("map");
            require(VmoRight.MAP, VmoRight.READ);
            if (writable) {
                require(VmoRight.WRITE);
            }
            checkRange("mapping", offset, length);
            if (length == 0) {
                throw new StatusException(Status.INVALID_ARGS, "cannot map 0 bytes of VMO koid " + koid());
            }
            object.addMapping();
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        // The segment lives in the mapping's own arena: once the mapping closes, a kept segment fails cleanly.
        MemorySegment memory = object.vmoMemory();
        MemorySegment segment = (offset == 0 && length == memory.byteSize() ? memory : memory.asSlice(offset, length))
                .reinterpret(arena, null);
        Mapping mapping = new Mapping(object, writable ? segment : segment.asReadOnly(), offset, writable, arena, shared);
        Owner owner = shared ? owner() : null; // a confined mapping is closed by its thread alone, never by its owner
        if (owner != null && !mapping.lease.joinFirstOwner(owner)) {
            mapping.close();
            throw released(owner);
        }
        return keepAlive(mapping);
    }

    @Override
    public void read(long offset, MemorySegment destination) {
        Require.argument(destination, "destination");
        requireOpen();
        requireAccessible("read");
        require(VmoRight.READ);
        checkRange("read", offset, destination.byteSize());
        if (destination.isReadOnly()) {
            throw new StatusException(Status.INVALID_ARGS, "cannot read VMO koid " + koid() + " into a read-only segment");
        }
        object.pin();
        try {
            MemorySegment.copy(object.vmoMemory(), offset, destination, 0, destination.byteSize());
        } finally {
            object.unpin();
            Reference.reachabilityFence(this);
        }
    }

    @Override
    public void write(long offset, MemorySegment source) {
        Require.argument(source, "source");
        requireWritable("write", offset, source.byteSize());
        object.pin();
        try {
            MemorySegment.copy(source, 0, object.vmoMemory(), offset, source.byteSize());
        } finally {
            object.unpin();
            Reference.reachabilityFence(this);
        }
    }

    @Override
    public void zero(long offset, long length) {
        requireWritable("zero", offset, length);
        object.pin();
        try {
            object.vmoMemory().asSlice(offset, length).fill((byte) 0);
        } finally {
            object.unpin();
            Reference.reachabilityFence(this);
        }
    }

    @Override
    public int childCount() {
        return object.childCount();
    }

    @Override
    public int handleCount() {
        return object.handleCount();
    }

    @Override
    public int mappingCount() {
        return object.mappingCount();
    }

    @Override
    public Registration onZeroChildren(Runnable listener) {
        Require.argument(listener, "listener");
        requireOpen();
        return object.onZeroChildren(listener);
    }

    @Override
    public CompletionStage<Void> whenZeroChildren() {
        requireOpen();
        return object.whenZeroChildren();
    }

    @Override
    public void close() {
        end();
    }

    @Override
    public String toString() {
        return "Vmo[koid=" + koid() + ", size=" + size() + ", rights=" + rights() + (isClosed() ? ", closed" : "") + "]";
    }

    private static byte bitsOf(Set<VmoRight> rights) {
        int bits = 0;
        for (VmoRight right : rights) {
            bits |= 1 << Require.argument(right, "a right in rights").ordinal();
        }
        return (byte) bits;
    }

    private static List<Set<VmoRight>> rightsSets() {
        VmoRight[] all = VmoRight.values();
        List<Set<VmoRight>> sets = new ArrayList<>(1 << all.length);
        for (int mask = 0; mask < 1 << all.length; mask++) {
            EnumSet<VmoRight> set = EnumSet.noneOf(VmoRight.class);
            for (VmoRight right : all) {
                if ((mask & (1 << right.ordinal())) != 0) {
                    set.add(right);
                }
            }
            sets.add(Collections.unmodifiableSet(set));
        }
        return List.copyOf(sets);
    }

    private <T> T keepAlive(T result) {
        Reference.reachabilityFence(this);
        return result;
    }

    private void requireWritable(String operation, long offset, long length) {
        requireOpen();
        requireAccessible(operation);
        require(VmoRight.WRITE);
        checkRange(operation, offset, length);
    }

    private void requireOpen() {
        if (lease().ended()) {
            throw new StatusException(Status.BAD_HANDLE, "handle to VMO koid " + koid() + " is closed");
        }
    }

    private void requireAccessible(String operation) {
        if (object.inaccessible()) {
            throw new StatusException(Status.ACCESS_DENIED, "cannot " + operation + " VMO koid " + koid()
                    + ": it is inaccessible (no CPU-reachable pages)");
        }
    }

    private void require(VmoRight first, VmoRight second) { // two checks, not a varargs array per call
        require(first);
        require(second);
    }

    private void require(VmoRight right) {
        if ((rights & (1 << right.ordinal())) == 0) {
            throw new StatusException(Status.ACCESS_DENIED, "handle to VMO koid " + koid() + " lacks the " + right
                    + " right (it has " + rights() + ")");
        }
    }

    private void checkRange(String what, long offset, long length) {
        long size = object.vmoSize();
        if (offset < 0 || length < 0) {
            throw new StatusException(Status.OUT_OF_RANGE, what + " offset " + Long.toUnsignedString(offset)
                    + " or length " + Long.toUnsignedString(length) + " is above Long.MAX_VALUE");
        }
        if (offset > size || length > size - offset) {
            throw new StatusException(Status.OUT_OF_RANGE, what + " of " + length + " bytes at offset " + offset
                    + " does not fit VMO koid " + koid() + " of size " + size);
        }
    }

    /** A mapping: keeps the object alive until closed, or until the garbage collector finds it leaked. */
    private static final class Mapping implements VmoMapping {
        private final MemorySegment segment;
        private final long offset;
        private final boolean writable;
        private final Arena arena;
        private final Thread owner;
        private final VmoObject.DetachedLease lease;
        private final LeakWatcher.Watch watch;

        Mapping(VmoObject object, MemorySegment segment, long offset, boolean writable, Arena arena, boolean shared) {
            this.segment = segment;
            this.offset = offset;
            this.writable = writable;
            this.arena = arena;
            this.owner = shared ? null : Thread.currentThread();
            if (shared) {
                this.lease = new VmoObject.DetachedLease(object, Kind.SHARED_MAPPING, arena);
                this.watch = VmoObject.watchForLeak() ? LeakWatcher.register(this, lease) : null;
            } else {
                // Watching the scope, not this object: a segment kept after the mapping is dropped keeps the memory.
                this.lease = new VmoObject.DetachedLease(object, Kind.CONFINED_MAPPING, null);
                this.watch = VmoObject.watchConfinedMapping() ? LeakWatcher.registerConfined(arena.scope(), lease) : null;
            }
        }

        @Override
        public MemorySegment segment() {
            if (lease.ended()) {
                throw new StatusException(Status.BAD_STATE, "mapping at offset " + offset + " is closed");
            }
            return segment;
        }

        @Override
        public long offset() {
            return offset;
        }

        @Override
        public long length() {
            return segment.byteSize();
        }

        @Override
        public boolean writable() {
            return writable;
        }

        @Override
        public boolean isShared() {
            return owner == null;
        }

        @Override
        public boolean isClosed() {
            return lease.ended();
        }

        @Override
        public void close() {
            if (lease.ended()) {
                return;
            }
            if (owner != null) {
                if (owner != Thread.currentThread()) {
                    throw new StatusException(Status.BAD_STATE, "mapping at offset " + offset + " is confined to thread "
                            + owner.getName() + "; close it there (or use mapShared)");
                }
                arena.close(); // before the lease ends: no access can be in flight when the memory goes
            }
            lease.end();
            if (watch != null) {
                watch.cancel();
                // Reachable until cancelled: the collector cannot find the scope of a mapping being closed.
                java.lang.ref.Reference.reachabilityFence(this);
            }
        }
    }
}
