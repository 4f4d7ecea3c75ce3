package heap.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Keeps a stripe's fields and lock off the cache lines of whatever the JVM places next to it, so a core taking one
 * stripe does not slow the core using another (false sharing). A stripe's fields go in a class extending
 * {@link Before} (or {@link Locked}); the class instantiated extends that one and declares 128 bytes of
 * {@code long}s after them (the JVM lays out a superclass's fields first, so only a class hierarchy fixes the
 * order). 128 bytes, not 64: Intel cores fetch cache lines in pairs.
 *
 * <p>Two things measured on this path (B5) defeat padding and are avoided here: the JVM puts a subclass's
 * {@code int} or reference into the 4 bytes after a compressed object header, before any padding, and
 * {@code synchronized} writes the object header itself. Either one puts a written word beside the previous object
 * in memory: the stripe array a thread reads on every call, or after a garbage collection anything at all.
 */
public final class Padding {
    private Padding() {
    }

    /** 128 bytes laid out before a subclass's own fields, the header's spare 4 bytes taken first. */
    @SuppressWarnings("unused")
    public abstract static class Before {
        private int headerGap;
        private long p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15;
    }

    /**
     * A lock in a field between the paddings instead of the object header, for a stripe's short critical sections:
     * it spins briefly and then yields, which suits sections of a few field writes (or one small clear) that
     * threads rarely share.
     */
    public abstract static class Locked extends Before {
        private static final VarHandle LOCKED;

        static {
            try {
                LOCKED = MethodHandles.lookup().findVarHandle(Locked.class, "locked", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private volatile int locked;

        public final void lock() {
            if (!LOCKED.compareAndSet(this, 0, 1)) {
                lockContended();
            }
        }

        public final void unlock() {
            LOCKED.setRelease(this, 0);
        }

        private void lockContended() {
            for (int spins = 0; locked != 0 || !LOCKED.compareAndSet(this, 0, 1); spins++) {
                if (spins < 100) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }
    }
}
