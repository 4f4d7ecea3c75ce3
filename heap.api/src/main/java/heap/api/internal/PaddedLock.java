package heap.api.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A stripe of the VMO model's striped lists (an owner's leases, the leak detector's watches): its lock is a field
 * after the padding, not the object header ({@code synchronized} would write the header, beside whatever precedes
 * the stripe in memory, such as the stripe array every call reads). heap.memory's {@code Padding.Locked} is the same
 * for the heaps, which cannot see this package.
 */
abstract class PaddedLock extends PaddedBefore {
    /** How many stripes a striped list has: one per core, at least two. */
    static final int STRIPES = Math.max(2, Runtime.getRuntime().availableProcessors());

    private static final VarHandle LOCKED;

    static {
        try {
            LOCKED = MethodHandles.lookup().findVarHandle(PaddedLock.class, "locked", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int locked;

    /** The calling thread's stripe, from 0 to {@link #STRIPES} - 1. */
    static int ofThisThread() {
        return (int) (Thread.currentThread().threadId() % STRIPES);
    }

    final void lock() {
        for (int spins = 0; !LOCKED.compareAndSet(this, 0, 1); spins++) {
            if (spins < 100) {
                Thread.onSpinWait();
            } else {
                Thread.yield(); // sections are a few field writes, or one release's snapshot
            }
        }
    }

    final void unlock() {
        LOCKED.setRelease(this, 0);
    }
}
