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
    /**
     * How many stripes a striped list has: the smallest power of two at least the core count (and at least 2), so
     * a thread picks its stripe with a mask, as heap.memory's {@code Stripes} does.
     */
    static final int STRIPES = Integer.highestOneBit(Math.max(2, Runtime.getRuntime().availableProcessors()) * 2 - 1);

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
        return (int) Thread.currentThread().threadId() & (STRIPES - 1);
    }

    final void lock() {
        if (!LOCKED.compareAndSet(this, 0, 1)) {
            lockContended();
        }
    }

    final void unlock() {
        LOCKED.setRelease(this, 0);
    }

    private void lockContended() {
        for (int spins = 0; locked != 0 || !LOCKED.compareAndSet(this, 0, 1); spins++) {
            backOff(spins);
        }
    }

    /**
     * How a waiter on one of the VMO model's spin locks (these stripes, a VMO tree's lock) waits before its next try:
     * spinning briefly, then yielding. Their sections are a few field writes, or one release's snapshot.
     */
    static void backOff(int spins) {
        if (spins < 100) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }
}
