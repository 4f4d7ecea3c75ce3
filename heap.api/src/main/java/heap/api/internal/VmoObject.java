package heap.api.internal;

import heap.api.Status;
import heap.api.spi.LeakDetection;
import heap.api.StatusException;
import heap.api.vmo.Registration;
import heap.api.vmo.Vmo;
import heap.api.vmo.VmoRight;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A memory object. It lives while it has handles, mappings, pins (operations in progress) or children; when the
 * last goes, it leaves its parent (raising ZERO_CHILDREN there on the transition to none) or, for a root, runs
 * the creator's release callback. One lock per tree keeps those cascades atomic; callbacks run after it is
 * released, on the closing thread.
 *
 * <p>The classes: a {@link Reference} (a REFERENCE child of the whole parent, which asks its parent for its pages)
 * and an {@link Extent} (a root or a slice, with pages of its own) take an attachment; a {@link BufferObject} is a
 * heap's buffer, root and record in one object, and takes none.
 */
public abstract sealed class VmoObject permits VmoObject.Reference, BufferObject {
    static final System.Logger LOG = System.getLogger("heap.api.vmo");
    /** Registers {@code action} for when {@code watched} is unreachable (or the watch is cleaned), once. */
    public static Cleaner.Cleanable watch(Object watched, Runnable action) {
        return LeakWatcher.register(watched, action);
    }

    private static volatile LeakDetection leakDetection = LeakDetection.fromSystemProperty();

    public static void setLeakDetection(LeakDetection level) {
        leakDetection = level;
    }

    public static LeakDetection leakDetection() {
        return leakDetection;
    }

    /** A handle, a shared mapping or a collection: watched at PARANOID, sampled at SAMPLED. */
    public static boolean watchForLeak() {
        return switch (leakDetection) {
            case PARANOID -> true;
            case SAMPLED -> ThreadLocalRandom.current().nextInt(LeakDetection.SAMPLE_INTERVAL) == 0;
            case OFF -> false;
        };
    }

    /** A confined mapping: only the leak detector can give back memory its dropped segment no longer reaches. */
    static boolean watchConfinedMapping() {
        return leakDetection != LeakDetection.OFF;
    }

    private static final java.lang.invoke.VarHandle ATTACHMENT_KEY;
    private static final java.lang.invoke.VarHandle ATTACHMENT;
    private static final java.lang.invoke.VarHandle FLAGS;

    static {
        try {
            ATTACHMENT_KEY = java.lang.invoke.MethodHandles.lookup().findVarHandle(Reference.class, "attachmentKey",
                    Object.class);
            ATTACHMENT = java.lang.invoke.MethodHandles.lookup().findVarHandle(Reference.class, "attachment",
                    Object.class);
            FLAGS = java.lang.invoke.MethodHandles.lookup().findVarHandle(VmoObject.class, "flags", byte.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final AtomicLong KOIDS = new AtomicLong(1001);
    private static final long LARGEST_KOID_BLOCK = 1024;
    /**
     * A thread that used its last block of koids at this pace or faster (100 000 a second) is busy: its blocks keep
     * growing. A console command takes milliseconds, a benchmark's buffer well under a microsecond.
     */
    private static final long BUSY_NANOS_PER_KOID = 10_000;

    // A thread's koids: a block taken from the shared counter at a time, so threads do not bounce its cache line. A
    // busy thread's blocks grow to 1024 koids; a thread at a person's or a script's pace (a console command's, new or
    // pooled) takes just the koids it needs, so the koids an operator types stay close together. Its next, end, block
    // size and when the block was taken sit in the middle of a long[], 128 bytes of padding on each side (threads'
    // arrays end up side by side once the garbage collector moves them): a thread-local value of a JDK class, so the
    // threads' maps keep none of this bundle's objects, and with them its class loader, once it is refreshed away.
    private static final int KOID_NEXT = 16;
    private static final int KOID_END = KOID_NEXT + 1;
    private static final int KOID_BLOCK_SIZE = KOID_END + 1;
    private static final int KOID_BLOCK_NANOS = KOID_BLOCK_SIZE + 1;
    private static final ThreadLocal<long[]> KOID_BLOCKS = ThreadLocal.withInitial(() -> new long[KOID_BLOCK_NANOS + 17]);

    /** The first of {@code count} consecutive koids. */
    static long nextKoids(int count) {
        long[] block = KOID_BLOCKS.get();
        if (block[KOID_END] - block[KOID_NEXT] < count) {
            long now = System.nanoTime();
            long last = block[KOID_BLOCK_SIZE];
            boolean busy = now - block[KOID_BLOCK_NANOS] < last * BUSY_NANOS_PER_KOID;
            long size = busy ? Math.max(count, Math.min(last * 2, LARGEST_KOID_BLOCK)) : count;
            block[KOID_BLOCK_SIZE] = size;
            block[KOID_BLOCK_NANOS] = now;
            block[KOID_NEXT] = KOIDS.getAndAdd(size);
            block[KOID_END] = block[KOID_NEXT] + size;
        }
        long first = block[KOID_NEXT];
        block[KOID_NEXT] += count;
        return first;
    }

    /** The first koid no thread has taken (nor holds in its block): where a later revision of this bundle goes on. */
    static long firstUntakenKoid() {
        return KOIDS.get();
    }

    /**
     * Koids from here on are {@code first} or above, as a revision of heap.api that starts after another in the same
     * framework run continues its koids: unique per run, as Zircon's are per boot. Never goes back.
     */
    static void continueKoidsFrom(long first) {
        KOIDS.accumulateAndGet(first, Math::max);
    }

    private static final AtomicLong LEAKED = new AtomicLong();

    private final long koid;

    // Guarded by lockTree(), the one lock of the whole tree (a byte of its root; every descendant shares it): the
    // counters, the released flag and the zero-children listeners and future. An object is released exactly once,
    // when all four counters are 0; releasing decrements its parent's children under the same lock, so a cascade up
    // the tree is atomic. Callbacks (the root's onRelease, ZERO_CHILDREN listeners) are collected under the lock and
    // run after it is released, on the thread that closed the last reference.
    private int handles;
    private int pins;
    private char mappings; // 16 bits, and two bytes less per object: addMapping refuses the 65 536th
    private int children;
    // One byte of bits, so an object of this class fits 48 bytes: HIDDEN_ROOT (set once, before the object is
    // published, and kept by every write), RELEASED (written under the tree lock) and, in a root's, TREE_LOCKED
    // (set by compare-and-set, cleared by a release store).
    private byte flags;
    // Null, the one listener (most objects get one at most: no list for it), or ZeroChildrenWaiters, made on need.
    private Object zeroChildren;

    static final long NO_ADDRESS = Long.MIN_VALUE;
    private static final byte TREE_LOCKED = 1;
    private static final byte RELEASED = 2;
    private static final byte HIDDEN_ROOT = 4; // its parent is a root no handle reaches: only its koid, koid - 1
    private static final int MAX_MAPPINGS = Character.MAX_VALUE;

    VmoObject(boolean hiddenRoot, long koid) {
        this.koid = koid;
        this.flags = hiddenRoot ? HIDDEN_ROOT : 0;
    }

    /**
     * A REFERENCE child of the whole of its parent, whose pages, size and address are the parent's; and what every
     * object but a heap's buffer has: an attachment.
     */
    static sealed class Reference extends VmoObject permits Extent {
        final VmoObject parent; // null for a root (an Extent); a heap's buffer, always a root, keeps no such field
        // Set once, without a lock: the key by compare-and-set, then the value, so whoever reads a value sees its key.
        private volatile Object attachmentKey;
        private volatile Object attachment;

        Reference(VmoObject parent) {
            this(parent, false, nextKoids(1));
        }

        Reference(VmoObject parent, boolean hiddenRoot, long koid) {
            super(hiddenRoot, koid);
            this.parent = parent;
        }
    }

    /**
     * An object with pages of its own: a root, a child of a hidden root, or a slice. A REFERENCE child of the whole
     * parent is a {@link Reference} and asks its parent (24 bytes less per client buffer).
     */
    static final class Extent extends Reference {
        private final long size;
        private final MemorySegment memory;
        private final long physicalAddress; // NO_ADDRESS when none: a long, not an OptionalLong object per VMO
        private final Runnable onRelease; // a root's (or a hidden root's) release callback; null for a slice

        private Extent(VmoObject parent, boolean hiddenRoot, long koid, long size, MemorySegment memory,
                long physicalAddress, Runnable onRelease) {
            super(parent, hiddenRoot, koid);
            this.size = size;
            this.memory = memory;
            this.physicalAddress = physicalAddress;
            this.onRelease = onRelease;
        }

        @Override
        void runRelease() {
            onRelease.run();
        }
    }

    public static Vmo root(long size, MemorySegment memory, OptionalLong physicalAddress, Runnable onRelease) {
        VmoObject root = new Extent(null, false, nextKoids(1), size, memory, address(physicalAddress),
                Require.argument(onRelease, "onRelease"));
        root.handles = 1;
        return VmoHandle.of(root, VmoHandle.ALL_RIGHTS);
    }

    /**
     * A REFERENCE child of a new root that no handle refers to: the child and its descendants keep the root alive,
     * and when the last of them goes the root is released and {@code onRelease} runs (a heap's whole layering).
     * {@code value} is attached to the child under {@code key}, unless both are null.
     */
    public static Vmo childOfNewRoot(long size, MemorySegment memory, OptionalLong physicalAddress, Runnable onRelease,
            Object key, Object value) {
        // Nothing can reach that root but its one child, so it is not an object of its own: the child takes the
        // koid after the root's, runs onRelease when it is released, and is its own tree's lock.
        VmoObject child = new Extent(null, true, nextKoids(2) + 1, size, memory, address(physicalAddress),
                Require.argument(onRelease, "onRelease"));
        child.handles = 1;
        ATTACHMENT_KEY.set(child, key); // plain stores (null: none): the handle is published after them
        ATTACHMENT.set(child, value);
        return VmoHandle.of(child, VmoHandle.ALL_RIGHTS);
    }

    /**
     * The first handle of {@code object}, new and not reachable yet: once; BAD_STATE for a second time, and then
     * nothing changes (a second first handle would let the object go while the first is open).
     */
    static Vmo firstHandle(VmoObject object) {
        // No lock: the object is not published yet. Were it handed out twice, a handle count too low could only
        // release it early; its memory stays while a mapping or pin holds it, and a released object fails cleanly.
        if (object.handles != 0 || (object.flags & RELEASED) != 0) {
            throw new StatusException(Status.BAD_STATE, "VMO koid " + object.koid + " already has its first handle");
        }
        object.handles = 1;
        return VmoHandle.ownerless(object);
    }

    /**
     * Attaches {@code value} to the object behind {@code vmo} under {@code key}, once: how a heap or the registry
     * finds its record of a VMO it handed out without a map by koid. Only a caller holding {@code key} reads it back.
     */
    public static void attach(Vmo vmo, Object key, Object value) {
        VmoObject object = objectOf(Require.argument(vmo, "vmo"));
        Require.argument(key, "key");
        Require.argument(value, "value");
        if (object == null) {
            throw new StatusException(Status.INVALID_ARGS, "cannot attach to " + vmo + ": not a VMO of this platform");
        }
        if (!(object instanceof Reference)) {
            throw new StatusException(Status.BAD_STATE, "VMO koid " + object.koid + " is a heap's buffer, which is "
                    + "its own record and takes no attachment");
        }
        if (!ATTACHMENT_KEY.compareAndSet(object, null, key)) {
            throw new StatusException(Status.BAD_STATE, "VMO koid " + object.koid + " already has an attachment");
        }
        ATTACHMENT.setRelease(object, value); // no fence: a reader that sees the value sees the key set before it
    }

    /**
     * Whether {@code vmo} is the only handle to its object, with no mapping or child: what a heap must hand over
     * (one lock taken, not three). For a VMO this platform did not make, its own counts are asked.
     */
    public static boolean soleHandle(Vmo vmo) {
        VmoObject object = objectOf(Require.argument(vmo, "vmo"));
        if (object == null) {
            return vmo.handleCount() == 1 && vmo.mappingCount() == 0 && vmo.childCount() == 0;
        }
        VmoObject tree = object.lockTree();
        try {
            return object.handles == 1 && object.mappings == 0 && object.children == 0;
        } finally {
            tree.unlockTree();
        }
    }

    /** {@code heap.api.spi.Vmos#firstReference}: null when {@code vmo} is not its object's only use. */
    public static Vmo firstReference(Vmo vmo, Runnable onZeroChildren, Owner owner, Object key, Object value) {
        return VmoHandle.firstReference(vmo, onZeroChildren, owner, key, value);
    }

    /** What was attached to the object behind {@code vmo} under {@code key}, or null (none, another key, not ours). */
    public static Object attachment(Vmo vmo, Object key) {
        if (vmo == null || !(objectOf(vmo) instanceof Reference object)) {
            return null;
        }
        Object value = object.attachment;
        return value != null && object.attachmentKey == key ? value : null;
    }

    static VmoObject objectOf(Vmo vmo) {
        return vmo instanceof VmoHandle handle ? handle.object() : null;
    }

    public static long leakedHandles() {
        return LEAKED.get();
    }

    long koid() {
        return koid;
    }

    long parentKoid() {
        VmoObject parent = parentOf(this);
        return parent != null ? parent.koid : (flags & HIDDEN_ROOT) != 0 ? koid - 1 : 0;
    }

    /** A type check, not a virtual call: the lock's path, and a heap's buffer has no parent field to read. */
    private static VmoObject parentOf(VmoObject object) {
        return object instanceof Reference reference ? reference.parent : null;
    }

    /**
     * The object whose pages this one shows: itself for an Extent or a heap's buffer, its parent's for a REFERENCE
     * child. Class checks, not virtual calls: every heap's buffer class would make such a call megamorphic.
     */
    private VmoObject withPages() {
        VmoObject object = this;
        while (object.getClass() == Reference.class) {
            object = ((Reference) object).parent;
        }
        return object;
    }

    final long vmoSize() {
        VmoObject object = withPages();
        return object instanceof Extent extent ? extent.size : ((BufferObject) object).size();
    }

    /** The root of this object's tree, whose byte is the tree's lock (trees are a few levels deep). */
    private VmoObject treeRoot() {
        VmoObject root = this;
        for (VmoObject up = parentOf(root); up != null; up = parentOf(root)) {
            root = up;
        }
        return root;
    }

    /**
     * Takes the tree's lock and returns the root, whose {@link #unlockTree} releases it: one compare-and-set, and a
     * release store to unlock, where a monitor takes a locked instruction for each (five lock rounds per buffer).
     */
    private VmoObject lockTree() {
        VmoObject root = treeRoot();
        byte unlocked = (byte) (root.flags & ~TREE_LOCKED); // the other bits change only under the lock
        if (!FLAGS.compareAndSet(root, unlocked, (byte) (unlocked | TREE_LOCKED))) {
            root.lockContended();
        }
        return root;
    }

    private void unlockTree() {
        FLAGS.setRelease(this, (byte) (flags & ~TREE_LOCKED));
    }

    private void lockContended() {
        for (int spins = 0; ; spins++) {
            byte now = (byte) FLAGS.getOpaque(this);
            if ((now & TREE_LOCKED) == 0 && FLAGS.compareAndSet(this, now, (byte) (now | TREE_LOCKED))) {
                return;
            }
            PaddedLock.backOff(spins); // sections are a few counter updates; callbacks run after the lock is released
        }
    }

    boolean inaccessible() {
        return vmoMemory() == null; // an inaccessible root has no pages, and neither has any child of it
    }

    /** Its pages, or null when inaccessible. */
    final MemorySegment vmoMemory() {
        VmoObject object = withPages();
        return object instanceof Extent extent ? extent.memory : ((BufferObject) object).memory();
    }

    /** The physical address of byte 0, or NO_ADDRESS. */
    final long vmoAddress() {
        VmoObject object = withPages();
        return object instanceof Extent extent ? extent.physicalAddress : ((BufferObject) object).address();
    }

    /** What runs when this object, a root, is released (a child runs nothing). */
    void runRelease() {
    }

    OptionalLong physicalAddress() {
        long address = vmoAddress();
        return address == NO_ADDRESS ? OptionalLong.empty() : OptionalLong.of(address);
    }

    /** The stored form of a creator's physical address: a long, NO_ADDRESS for none. */
    private static long address(OptionalLong physicalAddress) {
        return physicalAddress.isPresent() ? physicalAddress.getAsLong() : NO_ADDRESS;
    }

    VmoObject createChild(long offset, long childSize) {
        VmoObject child;
        if (offset == 0 && childSize == vmoSize()) {
            child = new Reference(this); // a REFERENCE child (the whole object): nothing of its own to keep
        } else {
            MemorySegment memory = vmoMemory();
            long address = vmoAddress();
            child = new Extent(this, false, nextKoids(1), childSize,
                    memory == null ? null : memory.asSlice(offset, childSize),
                    address == NO_ADDRESS ? NO_ADDRESS : address + offset, null);
        }
        VmoObject tree = lockTree();
        try {
            addChild(child);
        } finally {
            tree.unlockTree();
        }
        return child;
    }

    /** Under the tree lock: {@code child}, new, with its first handle, is one more child of this live object. */
    private void addChild(VmoObject child) {
        requireAlive();
        children++;
        child.handles = 1;
    }

    /**
     * The first REFERENCE child of an object whose one handle is the caller's, with {@code onZeroChildren} listening
     * and {@code value} attached to the child under {@code key}, all in one lock round; null, and nothing changed,
     * when the object has another handle, a mapping or a child.
     */
    VmoObject firstReferenceChild(Runnable onZeroChildren, Object key, Object value) {
        Reference child = new Reference(this);
        ATTACHMENT_KEY.set(child, key); // plain stores: the child is published by the lock's release below
        ATTACHMENT.set(child, value);
        VmoObject tree = lockTree();
        try {
            requireAlive();
            if (handles != 1 || mappings != 0 || children != 0) {
                return null;
            }
            addZeroChildrenListener(onZeroChildren);
            addChild(child);
        } finally {
            tree.unlockTree();
        }
        return child;
    }

    void addHandle() {
        VmoObject tree = lockTree();
        try {
            requireAlive();
            handles++;
        } finally {
            tree.unlockTree();
        }
    }

    /**
     * Ends {@code lease} (a handle or a confined mapping) once: its closed flag is set under the tree lock that
     * drops its count anyway, so ending costs no compare-and-set of its own. False when it had ended already.
     */
    private boolean endLease(Lease lease, boolean leaked) {
        Object callbacks;
        VmoObject tree = lockTree();
        try {
            if (lease.ended()) {
                return false;
            }
            lease.markEndedUnderTreeLock();
            if (lease.kind() == Lease.Kind.HANDLE) {
                handles--;
            } else {
                mappings--;
            }
            callbacks = releaseIfUnused(null);
        } finally {
            tree.unlockTree();
        }
        if (leaked) {
            lease.reportLeak(); // before it leaves its owner, whom the report names, and before the memory goes
        }
        lease.leaveOwner();
        runAll(callbacks);
        return true;
    }

    /** Whether {@code lease} ended, read under the tree lock its end takes (an owner move's check, see there). */
    private boolean endedUnderTreeLock(Lease lease) {
        VmoObject tree = lockTree();
        try {
            return lease.ended();
        } finally {
            tree.unlockTree();
        }
    }

    /** Counts an operation in progress, so the memory stays alive until it ends. */
    void pin() {
        VmoObject tree = lockTree();
        try {
            requireAlive();
            pins++;
        } finally {
            tree.unlockTree();
        }
    }

    void unpin() {
        Object callbacks;
        VmoObject tree = lockTree();
        try {
            pins--;
            callbacks = releaseIfUnused(null);
        } finally {
            tree.unlockTree();
        }
        runAll(callbacks);
    }

    int childCount() {
        VmoObject tree = lockTree();
        try {
            return children;
        } finally {
            tree.unlockTree();
        }
    }

    int handleCount() {
        VmoObject tree = lockTree();
        try {
            return handles;
        } finally {
            tree.unlockTree();
        }
    }

    int mappingCount() {
        VmoObject tree = lockTree();
        try {
            return mappings;
        } finally {
            tree.unlockTree();
        }
    }

    /** An open mapping keeps the object alive like an operation in progress. */
    void addMapping() {
        VmoObject tree = lockTree();
        try {
            requireAlive();
            if (mappings == MAX_MAPPINGS) {
                throw new StatusException(Status.NO_MEMORY, "VMO koid " + koid + " has " + MAX_MAPPINGS
                        + " mappings open, the most one object can have");
            }
            mappings++;
        } finally {
            tree.unlockTree();
        }
    }

    /** A shared mapping ended (its arena is closed). */
    private void removeMapping() {
        Object callbacks;
        VmoObject tree = lockTree();
        try {
            mappings--;
            callbacks = releaseIfUnused(null);
        } finally {
            tree.unlockTree();
        }
        runAll(callbacks);
    }

    /** What few objects need, kept out of every object's fields: more listeners than one, or a future. */
    private static final class ZeroChildrenWaiters {
        final List<Runnable> listeners = new ArrayList<>(2);
        CompletableFuture<Void> future;
    }

    private ZeroChildrenWaiters waiters() {
        if (zeroChildren instanceof ZeroChildrenWaiters waiting) {
            return waiting;
        }
        ZeroChildrenWaiters waiting = new ZeroChildrenWaiters();
        if (zeroChildren instanceof Runnable first) {
            waiting.listeners.add(first);
        }
        zeroChildren = waiting;
        return waiting;
    }

    /** Under the tree lock: the first listener in the field itself, more in the waiters. */
    private void addZeroChildrenListener(Runnable listener) {
        if (zeroChildren == null) {
            zeroChildren = listener;
        } else {
            waiters().listeners.add(listener);
        }
    }

    Registration onZeroChildren(Runnable listener) {
        VmoObject tree = lockTree();
        try {
            addZeroChildrenListener(listener);
        } finally {
            tree.unlockTree();
        }
        return () -> {
            VmoObject locked = lockTree();
            try {
                if (zeroChildren == listener) {
                    zeroChildren = null;
                } else if (zeroChildren instanceof ZeroChildrenWaiters waiting) {
                    waiting.listeners.remove(listener);
                }
            } finally {
                locked.unlockTree();
            }
        };
    }

    CompletionStage<Void> whenZeroChildren() {
        VmoObject tree = lockTree();
        try {
            if (children == 0) {
                return CompletableFuture.completedStage(null);
            }
            ZeroChildrenWaiters waiting = waiters();
            if (waiting.future == null) {
                waiting.future = new CompletableFuture<>();
            }
            return waiting.future.minimalCompletionStage();
        } finally {
            tree.unlockTree();
        }
    }

    private void requireAlive() {
        if ((flags & RELEASED) != 0) {
            throw new StatusException(Status.BAD_HANDLE, "VMO koid " + koid + " has been released");
        }
    }

    /**
     * Releases this object if nothing uses it any more; returns {@code callbacks} with what must run. Callbacks are
     * null, one Runnable, or a list of them: a cascade almost always has one, and it then costs no list.
     */
    private Object releaseIfUnused(Object callbacks) {
        if ((flags & RELEASED) != 0 || handles > 0 || pins > 0 || mappings > 0 || children > 0) {
            return callbacks;
        }
        flags |= RELEASED; // under the tree lock: a root's TREE_LOCKED bit is set, and stays so until unlockTree
        VmoObject parent = parentOf(this);
        return parent == null ? add(callbacks, this) : parent.childReleased(callbacks); // this: its runRelease
    }

    private Object childReleased(Object callbacks) {
        if (--children == 0) {
            if (zeroChildren instanceof Runnable listener) {
                callbacks = add(callbacks, listener);
            } else if (zeroChildren instanceof ZeroChildrenWaiters waiting) {
                for (Runnable listener : waiting.listeners) {
                    callbacks = add(callbacks, listener);
                }
                if (waiting.future != null) {
                    CompletableFuture<Void> future = waiting.future;
                    waiting.future = null;
                    callbacks = add(callbacks, (Runnable) () -> future.complete(null));
                }
            }
        }
        return releaseIfUnused(callbacks);
    }

    /** A callback is a Runnable (a ZERO_CHILDREN listener) or a released root (its runRelease); more in a list. */
    @SuppressWarnings("unchecked")
    private static Object add(Object callbacks, Object callback) {
        if (callbacks == null) {
            return callback;
        }
        List<Object> list;
        if (callbacks instanceof List<?> more) {
            list = (List<Object>) more;
        } else {
            list = new ArrayList<>(2);
            list.add(callbacks);
        }
        list.add(callback);
        return list;
    }

    private void runAll(Object callbacks) {
        if (callbacks instanceof List<?> list) {
            for (Object callback : list) {
                run(callback);
            }
        } else if (callbacks != null) {
            run(callbacks);
        }
    }

    private void run(Object callback) {
        try {
            if (callback instanceof VmoObject root) {
                root.runRelease();
            } else {
                ((Runnable) callback).run();
            }
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "callback of VMO koid " + koid + " failed", e);
        }
    }

    /**
     * What keeps an object alive for one handle or mapping, and links it into its owner's list. An unwatched handle
     * is its own lease (VmoHandle extends this class: no second object per handle); a watched handle, which the leak
     * detector's action must not reach, and every mapping have a {@link DetachedLease}, which is that action. A
     * handle's lease is registered on the handle; a shared mapping's on the mapping object; a confined mapping's on
     * its segment's scope, so its memory stays until no segment of it can be reached.
     *
     * <p>The links of an owner's list are kept by the leases that can have an owner ({@link OwnerLinks}): every
     * one but a heap's own handle to its buffer, which belongs to no bundle (12 bytes less per buffer).
     */
    static class Lease {
        enum Kind { HANDLE, SHARED_MAPPING, CONFINED_MAPPING }

        private static final java.lang.invoke.VarHandle CLOSED;

        static {
            try {
                CLOSED = java.lang.invoke.MethodHandles.lookup().findVarHandle(Lease.class, "closed", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final VmoObject object;
        private volatile boolean closed; // set once, by CLOSED's compareAndSet: no AtomicBoolean per lease

        Lease(VmoObject object) {
            this.object = object;
        }

        /** Its owner links, or null for a lease no owner can hold (class checks: both classes are final). */
        final OwnerLinks links() {
            return this instanceof VmoHandle.Ownable handle ? handle
                    : this instanceof DetachedLease detached ? detached : null;
        }

        // Class checks, not overridden methods: the heap's handles, the clients' and the mappings' leases are three
        // classes on one path, and a virtual call there would be megamorphic.
        final Kind kind() {
            return this instanceof DetachedLease detached ? detached.kind : Kind.HANDLE;
        }

        /** Only a shared mapping's arena: any thread, the leak detector too, may close it. */
        final Arena sharedArena() {
            return this instanceof DetachedLease detached ? detached.sharedArena : null;
        }

        final boolean ended() {
            return closed;
        }

        /** A shared mapping's end: its arena closes before the count drops, outside the tree lock. */
        private boolean markEnded() {
            return CLOSED.compareAndSet(this, false, true);
        }

        /** A release store: the tree lock's section makes it the one end, and its unlock publishes it. */
        private void markEndedUnderTreeLock() {
            CLOSED.setRelease(this, true);
        }

        final Owner leaseOwner() {
            OwnerLinks links = links();
            Owner.Stripe stripe = links == null ? null : links.stripeInOwner();
            return stripe == null ? null : stripe.owner;
        }

        /** Joins the first owner of a lease no other thread has seen yet. */
        final boolean joinFirstOwner(Owner to) {
            return to.link(links());
        }

        /**
         * Moves to {@code to} (an adoption: rare, serialized on the leased object, never on a monitor a client can
         * reach); false when {@code to} is released or this lease ended, and then it stays with its previous owner.
         */
        final boolean moveLeaseTo(Owner to) {
            OwnerLinks links = links();
            synchronized (object) {
                Owner from = leaseOwner();
                while (from != null && !from.unlinkIfOwner(links)) {
                    from = leaseOwner();
                }
                if (!to.link(links)) {
                    if (from != null) {
                        from.link(links);
                    }
                    return false;
                }
                // The link was a release store. Reading the flag under the tree lock orders it with an end that sets
                // it there; a shared mapping's end sets it by compare-and-set, which the lock's also orders with.
                if (object.endedUnderTreeLock(this)) {
                    leaveOwner(); // ended while moving: its end may not have seen the new owner
                }
                return true;
            }
        }

        /** The stripe field is only ever changed under the lock of the owner's stripe the lease is in. */
        private void leaveOwner() {
            for (Owner current = leaseOwner(); current != null; current = leaseOwner()) {
                if (current.unlinkIfOwner(links())) {
                    return;
                }
            }
        }

        /** Ends the lease once; later calls do nothing. A confined mapping's arena is closed by its caller first. */
        final void end() {
            endIfOpen();
        }

        /** As {@link #end()}; true when this call ended it. */
        final boolean endIfOpen() {
            return endOnce(false);
        }

        /** The garbage collector found the handle or mapping unreachable and still open. */
        final void endLeaked() {
            endOnce(true);
        }

        private boolean endOnce(boolean leaked) {
            Arena arena = sharedArena();
            if (arena == null) {
                return object.endLease(this, leaked);
            }
            if (!markEnded()) {
                return false;
            }
            if (leaked) {
                reportLeak();
            }
            leaveOwner();
            arena.close(); // before the memory can go: a kept segment now fails instead of reading it
            object.removeMapping();
            return true;
        }

        private void reportLeak() {
            LEAKED.incrementAndGet();
            Owner leakedBy = leaseOwner();
            LOG.log(System.Logger.Level.WARNING, "leaked VMO " + (kind() == Kind.HANDLE ? "handle" : "mapping")
                    + " of koid " + object.koid + " (size " + object.vmoSize() + ") was never closed; the garbage "
                    + "collector closed it" + (leakedBy == null ? "" : " (owner " + leakedBy.name() + ")"));
        }
    }

    /**
     * The links of an owner's list, of a lease that can have an owner: the owner's stripe it is linked into (which
     * names the owner; null when none), written only under that stripe's lock by a release store (no fence), and its
     * neighbours there, guarded by the stripe. Implemented by the leases that keep them as fields of their own.
     */
    interface OwnerLinks {
        Lease lease();

        Owner.Stripe stripeInOwner();

        /** Under the lock of {@code stripe}, or of the stripe being left when null. */
        void setStripeInOwner(Owner.Stripe stripe);

        OwnerLinks previousInOwner();

        void setPreviousInOwner(OwnerLinks previous);

        OwnerLinks nextInOwner();

        void setNextInOwner(OwnerLinks next);
    }

    /** A lease apart from what it leases: a watched handle's, or a mapping's. It is the leak detector's action. */
    static final class DetachedLease extends Lease implements Runnable, OwnerLinks {
        private static final java.lang.invoke.VarHandle STRIPE_IN_OWNER;

        static {
            try {
                STRIPE_IN_OWNER = java.lang.invoke.MethodHandles.lookup().findVarHandle(DetachedLease.class,
                        "stripeInOwner", Owner.Stripe.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final Kind kind;
        private final Arena sharedArena;
        private volatile Owner.Stripe stripeInOwner;
        private OwnerLinks previousInOwner;
        private OwnerLinks nextInOwner;

        DetachedLease(VmoObject object, Kind kind, Arena sharedArena) {
            super(object);
            this.kind = kind;
            this.sharedArena = sharedArena;
        }

        @Override
        public Lease lease() {
            return this;
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
        public OwnerLinks previousInOwner() {
            return previousInOwner;
        }

        @Override
        public void setPreviousInOwner(OwnerLinks previous) {
            previousInOwner = previous;
        }

        @Override
        public OwnerLinks nextInOwner() {
            return nextInOwner;
        }

        @Override
        public void setNextInOwner(OwnerLinks next) {
            nextInOwner = next;
        }

        @Override
        public void run() {
            endLeaked();
        }
    }
}
