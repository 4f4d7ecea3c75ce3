package heap.api.spi;

import heap.api.Status;
import heap.api.StatusException;
import heap.api.internal.Owner;
import heap.api.internal.Require;
import heap.api.internal.VmoObject;
import heap.api.vmo.Vmo;
import java.lang.foreign.MemorySegment;
import java.util.OptionalLong;

/**
 * Creates root VMOs. {@code onRelease} runs exactly once, on the thread that closes the last handle, mapping or
 * child of the root: that is when the creator frees the memory. It is never left to the garbage collector; the
 * collector only closes handles that were leaked, and says so in the log and in {@link #leakedHandles()}.
 * A null argument fails with {@link StatusException} INVALID_ARGS naming it.
 */
public final class Vmos {
    private Vmos() {
    }

    /** A root over {@code memory}, whose official size is {@code memory.byteSize()}. */
    public static Vmo root(MemorySegment memory, Runnable onRelease) {
        return root(memory, OptionalLong.empty(), onRelease);
    }

    /** A root over {@code memory} that reports {@code physicalAddress} as the address of its byte 0. */
    public static Vmo root(MemorySegment memory, OptionalLong physicalAddress, Runnable onRelease) {
        return VmoObject.root(accessibleSize(memory, physicalAddress, onRelease), memory, physicalAddress, onRelease);
    }

    /** A root with an official size and no pages: every map, read and write fails with ACCESS_DENIED. */
    public static Vmo inaccessible(long size, OptionalLong physicalAddress, Runnable onRelease) {
        return VmoObject.root(inaccessibleSize(size, physicalAddress, onRelease), null, physicalAddress, onRelease);
    }

    /**
     * Attaches {@code value} to the memory object behind {@code vmo} (shared by its duplicates, not by its children),
     * once, under {@code key}: a heap or the registry finds its own record of a VMO it handed out with
     * {@link #attachment} instead of a map by koid. Fails with BAD_STATE when the object already has an attachment,
     * INVALID_ARGS for a null argument or a VMO this platform did not make. @since 1.2
     */
    public static void attach(Vmo vmo, Object key, Object value) {
        VmoObject.attach(vmo, key, value);
    }

    /**
     * What was attached to the object behind {@code vmo} under {@code key} (compared by identity: a key kept private
     * keeps the record private), or null. @since 1.2
     */
    public static Object attachment(Vmo vmo, Object key) {
        return VmoObject.attachment(vmo, key);
    }

    /**
     * Whether {@code vmo} is the only handle to its memory object, with no mapping and no child: what a heap hands
     * over from allocateVmo (the registry checks it to catch a heap that kept something). @since 1.2
     */
    public static boolean soleHandle(Vmo vmo) {
        return VmoObject.soleHandle(vmo);
    }

    /**
     * What the registry does with a VMO a heap returned, in one lock round instead of three and an attach: if
     * {@code vmo} is the only handle to its object, with no mapping or child (as {@link #soleHandle}), registers
     * {@code onZeroChildren} on it and returns its first REFERENCE child, with the rights of {@code vmo}, belonging
     * to {@code owner} (null: to nobody), with {@code value} attached under {@code key} (as {@link #attach});
     * otherwise returns null and changes nothing. BAD_HANDLE for a closed {@code vmo}, ACCESS_DENIED without
     * DUPLICATE and READ, INVALID_ARGS for a null argument or a VMO or owner of another implementation; BAD_STATE
     * when {@code owner} is released, after the child was closed again (so the listener has run). @since 1.3
     */
    public static Vmo firstReference(Vmo vmo, Runnable onZeroChildren, VmoOwner owner, Object key, Object value) {
        Require.argument(vmo, "vmo");
        Require.argument(onZeroChildren, "onZeroChildren");
        Require.argument(key, "key");
        Require.argument(value, "value");
        if (owner != null && !(owner instanceof Owner)) {
            throw new StatusException(Status.INVALID_ARGS, "not an owner of this VMO implementation: " + owner);
        }
        return VmoObject.firstReference(vmo, onZeroChildren, (Owner) owner, key, value);
    }

    /**
     * What a heap hands out, in one step: a REFERENCE child of a new root over {@code memory} that no handle refers
     * to. The child and its descendants keep the root alive; when the last of them is closed the root is released
     * and {@code onRelease} runs — the heap's ZERO_CHILDREN, without a root handle kept and a listener on it.
     * @since 1.2
     */
    public static Vmo childOfNewRoot(MemorySegment memory, OptionalLong physicalAddress, Runnable onRelease) {
        return VmoObject.childOfNewRoot(accessibleSize(memory, physicalAddress, onRelease), memory, physicalAddress,
                onRelease, null, null);
    }

    /**
     * As {@link #childOfNewRoot(MemorySegment, OptionalLong, Runnable)}, with {@code value} attached to the child
     * under {@code key} as it is made (as {@link #attach}, without a second step). @since 1.3
     */
    public static Vmo childOfNewRoot(MemorySegment memory, OptionalLong physicalAddress, Runnable onRelease,
            Object key, Object value) {
        return VmoObject.childOfNewRoot(accessibleSize(memory, physicalAddress, onRelease), memory, physicalAddress,
                onRelease, Require.argument(key, "key"), Require.argument(value, "value"));
    }

    /** As {@link #childOfNewRoot(MemorySegment, OptionalLong, Runnable)} for an inaccessible root. @since 1.2 */
    public static Vmo inaccessibleChildOfNewRoot(long size, OptionalLong physicalAddress, Runnable onRelease) {
        return VmoObject.childOfNewRoot(inaccessibleSize(size, physicalAddress, onRelease), null, physicalAddress,
                onRelease, null, null);
    }

    /**
     * As {@link #childOfNewRoot(MemorySegment, OptionalLong, Runnable, Object, Object)} for an inaccessible root.
     * @since 1.3
     */
    public static Vmo inaccessibleChildOfNewRoot(long size, OptionalLong physicalAddress, Runnable onRelease,
            Object key, Object value) {
        return VmoObject.childOfNewRoot(inaccessibleSize(size, physicalAddress, onRelease), null, physicalAddress,
                onRelease, Require.argument(key, "key"), Require.argument(value, "value"));
    }

    /** The checks of a root over memory; its official size. */
    private static long accessibleSize(MemorySegment memory, OptionalLong physicalAddress, Runnable onRelease) {
        Require.argument(memory, "memory");
        Require.argument(physicalAddress, "physicalAddress");
        Require.argument(onRelease, "onRelease");
        if (memory.byteSize() == 0) {
            throw new StatusException(Status.INVALID_ARGS, "a VMO needs at least one byte of memory");
        }
        return memory.byteSize();
    }

    /** The checks of an inaccessible root; its official size. */
    private static long inaccessibleSize(long size, OptionalLong physicalAddress, Runnable onRelease) {
        Require.argument(physicalAddress, "physicalAddress");
        Require.argument(onRelease, "onRelease");
        if (size <= 0) {
            throw new StatusException(Status.INVALID_ARGS, "an inaccessible VMO needs a positive size, not "
                    + Long.toUnsignedString(size));
        }
        return size;
    }

    /** A new owner of handles (a bundle, for the registry): see {@link VmoOwner}. */
    public static VmoOwner owner(String name) {
        return new Owner(name);
    }

    /** How many handles and mappings the garbage collector has closed because their owner never did. */
    public static long leakedHandles() {
        return VmoObject.leakedHandles();
    }

    /** Sets what the garbage collector watches from now on (objects made before keep their watch). @since 1.2 */
    public static void setLeakDetection(LeakDetection level) {
        VmoObject.setLeakDetection(Require.argument(level, "level"));
    }

    /** @since 1.2 */
    public static LeakDetection leakDetection() {
        return VmoObject.leakDetection();
    }

    /**
     * Whether the object being made now (a handle, a collection) is watched for leaks at the current level: always
     * at PARANOID, one in {@link LeakDetection#SAMPLE_INTERVAL} at SAMPLED, never at OFF. @since 1.2
     */
    public static boolean watchForLeak() {
        return VmoObject.watchForLeak();
    }

    /**
     * Watches an object of the caller's that holds handles (the registry's collections) the way handles are watched:
     * {@code onLeak} runs on the VMO leak detectors once {@code watched} is unreachable. The caller samples first
     * with {@link #watchForLeak()}, so an object the level does not watch costs no action object. {@code onLeak}
     * must not reach {@code watched}. @since 1.2
     */
    public static java.lang.ref.Cleaner.Cleanable watch(Object watched, Runnable onLeak) {
        Require.argument(watched, "watched");
        Require.argument(onLeak, "onLeak");
        return VmoObject.watch(watched, onLeak);
    }
}
