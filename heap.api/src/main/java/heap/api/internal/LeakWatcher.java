package heap.api.internal;

import java.lang.ref.Cleaner;
import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;

/**
 * The leak detector: runs an action once a watched object is unreachable, or when the watch is cleaned, whichever
 * comes first, exactly once. What {@link Cleaner} does, with the registrations kept in padded stripes (a thread
 * linking into the stripe its id picks) instead of one list under one lock per cleaner: every confined mapping
 * registers and deregisters here, and the cleaners' lists, side by side in memory, bounced between cores (B5).
 * One daemon thread runs the actions of what the garbage collector found.
 */
final class LeakWatcher {
    private static final ReferenceQueue<Object> FOUND = new ReferenceQueue<>();
    private static final Stripe[] STRIPES = stripes(PaddedLock.STRIPES);

    static {
        Thread.ofPlatform().daemon().name("vmo-leak-detector").start(LeakWatcher::runFound);
    }

    private LeakWatcher() {
    }

    /** One stripe's list of watches, guarded by the stripe's lock. */
    private static class StripeFields extends PaddedLock {
        Watch head;
    }

    /** A stripe padded on both sides. */
    @SuppressWarnings("unused")
    private static final class Stripe extends StripeFields {
        private long q0, q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15;

        /** Links {@code watch} into this stripe. */
        void link(Watch watch) {
            lock();
            try {
                watch.next = head;
                if (head != null) {
                    head.previous = watch;
                }
                head = watch;
                watch.linked = true;
            } finally {
                unlock();
            }
        }

        /** Unlinks {@code watch}; false when it was unlinked before (cleaned, or found by the collector). */
        boolean unlink(Watch watch) {
            lock();
            try {
                if (!watch.linked) {
                    return false;
                }
                if (watch.previous == null) {
                    head = watch.next;
                } else {
                    watch.previous.next = watch.next;
                }
                if (watch.next != null) {
                    watch.next.previous = watch.previous;
                }
                watch.previous = null;
                watch.next = null;
                watch.linked = false;
                return true;
            } finally {
                unlock();
            }
        }
    }

    private static Stripe[] stripes(int count) {
        Stripe[] stripes = new Stripe[count];
        for (int i = 0; i < count; i++) {
            stripes[i] = new Stripe();
        }
        return stripes;
    }

    /** A registration: reachable from its stripe's list until it is cleaned or found, so the collector can find it. */
    static final class Watch extends PhantomReference<Object> implements Cleaner.Cleanable {
        private final Runnable action;
        private final Stripe home; // where it is linked: cleaning from another thread unlinks it there
        private boolean linked; // guarded by home's lock: false once unlinked
        private Watch previous;
        private Watch next;

        private Watch(Object watched, Runnable action, Stripe home) {
            super(watched, FOUND);
            this.action = action;
            this.home = home;
        }

        @Override
        public void clean() {
            if (home.unlink(this)) {
                clear();
                action.run();
            }
        }

        /** Ends the watch without its action: what closed the watched object already did the action's work. */
        void cancel() {
            if (home.unlink(this)) {
                clear();
            }
        }
    }

    /**
     * Watches {@code watched}: {@code action} runs once, when it is unreachable or when the watch is cleaned. Both
     * are non-null: the VMO model passes its own, and {@code Vmos.watch} checks a caller's.
     */
    static Watch register(Object watched, Runnable action) {
        Stripe stripe = STRIPES[PaddedLock.ofThisThread()];
        Watch watch = new Watch(watched, action, stripe);
        stripe.link(watch);
        return watch;
    }

    private static void runFound() {
        while (true) {
            try {
                ((Watch) FOUND.remove()).clean();
            } catch (InterruptedException e) {
                // a daemon: it runs as long as the JVM
            } catch (RuntimeException | Error e) {
                VmoObject.LOG.log(System.Logger.Level.ERROR, "a leak detector action failed", e);
            }
        }
    }
}
