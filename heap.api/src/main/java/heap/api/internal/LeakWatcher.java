package heap.api.internal;

import java.lang.ref.Cleaner;
import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The leak detector: runs an action once a watched object is unreachable, or when the watch is cleaned, whichever
 * comes first, exactly once. What {@link Cleaner} does, with the registrations kept in padded stripes (a thread
 * linking into the stripe its id picks) instead of one list under one lock per cleaner: every confined mapping
 * registers and deregisters here, and the cleaners' lists, side by side in memory, bounced between cores (B5).
 * A confined mapping's watch is made and cancelled by its own thread, so a platform thread keeps those in a list
 * of its own that only it changes, with no lock (see {@link ThreadWatches}). One daemon thread runs the actions of
 * what the garbage collector found.
 */
final class LeakWatcher {
    private static final ReferenceQueue<Object> FOUND = new ReferenceQueue<>();
    private static final Stripe[] STRIPES = stripes(PaddedLock.STRIPES);
    /** Every thread's list of confined mappings' watches, so they stay reachable after their thread ends. */
    private static final Set<ThreadWatches> THREADS = ConcurrentHashMap.newKeySet();
    // A weak reference (THREADS holds the list while its thread lives): a thread-local value of a JDK class, so the
    // threads' maps keep none of this bundle's objects, and with them its class loader, once it is refreshed away.
    private static final ThreadLocal<WeakReference<ThreadWatches>> OF_THIS_THREAD =
            ThreadLocal.withInitial(() -> new WeakReference<>(new ThreadWatches()));
    /** How often the detector drops the lists of threads that ended, once nothing in them is left to find. */
    private static final long PRUNE_MILLIS = 10_000;
    /** The thread running {@link #runFound}, or null once heap.api's bundle stopped it. */
    private static volatile Thread detector;

    static {
        startDetector();
    }

    /** Starts the detector thread unless it runs: as the class is first used, and as heap.api's bundle starts. */
    static synchronized void startDetector() {
        if (detector == null) {
            Thread thread = Thread.ofPlatform().daemon().name("vmo-leak-detector").unstarted(LeakWatcher::runFound);
            detector = thread; // before it starts: its loop runs while it is the detector
            thread.start();
        }
    }

    /**
     * Ends the detector thread, as heap.api's bundle stops: no thread runs its code afterwards, so a refreshed-away
     * heap.api can be unloaded. Bundles still using it meanwhile close what they hold as they stop.
     */
    static void stopDetector() throws InterruptedException {
        Thread running;
        synchronized (LeakWatcher.class) {
            running = detector;
            detector = null;
        }
        if (running != null) {
            running.interrupt();
            // Bounded: an action still running (a leaked handle being closed) ends the thread when it returns.
            if (!running.join(java.time.Duration.ofSeconds(5))) {
                VmoObject.LOG.log(System.Logger.Level.WARNING, "the leak detector is still running an action; it "
                        + "ends when that returns");
            }
        }
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
        void link(Striped watch) {
            lock();
            try {
                head = Watch.linkFirst(head, watch);
                watch.linked = true;
            } finally {
                unlock();
            }
        }

        /** Unlinks {@code watch}; false when it was unlinked before (cleaned, or found by the collector). */
        boolean unlink(Striped watch) {
            lock();
            try {
                if (!watch.linked) {
                    return false;
                }
                head = Watch.unlink(head, watch);
                watch.linked = false;
                return true;
            } finally {
                unlock();
            }
        }
    }

    /**
     * One platform thread's confined mappings' watches. Only the thread links and unlinks them (a confined mapping
     * is made and closed on its thread, and the collector cannot find one that is being closed); the detector only
     * marks what it found and counts it here, and the thread unlinks those on its next registration. Once the thread
     * has ended, the detector sweeps its list and drops it when nothing is left in it.
     */
    private static final class ThreadWatches {
        final Thread thread = Thread.currentThread();
        Watch head; // the thread's, or the detector's once the thread ended
        // Counted before a watch is marked found, lowered as the thread unlinks found ones: never below the number
        // marked and still linked, so a thread that reads zero has none to sweep.
        final AtomicInteger found = new AtomicInteger();

        ThreadWatches() {
            THREADS.add(this);
        }

        /** Unlinks the watches the collector found. */
        void sweep() {
            int unlinked = 0;
            for (Watch watch = head; watch != null; ) {
                Watch next = watch.next;
                if (((Confined) watch).found) {
                    head = Watch.unlink(head, watch);
                    unlinked++;
                }
                watch = next;
            }
            found.addAndGet(-unlinked);
        }
    }

    private static Stripe[] stripes(int count) {
        Stripe[] stripes = new Stripe[count];
        for (int i = 0; i < count; i++) {
            stripes[i] = new Stripe();
        }
        return stripes;
    }

    /** A registration: reachable from its list until it is cleaned or found, so the collector can find it. */
    abstract static sealed class Watch extends PhantomReference<Object> permits Striped, Confined {
        final Runnable action;
        private Watch previous;
        private Watch next;

        private Watch(Object watched, Runnable action) {
            super(watched, FOUND);
            this.action = action;
        }

        /** Ends the watch without its action: what closed the watched object already did the action's work. */
        abstract void cancel();

        /** The collector found the watched object unreachable. */
        abstract void found();

        /** Links {@code watch} before {@code head}; the new head. Under whatever guards the list. */
        static Watch linkFirst(Watch head, Watch watch) {
            watch.next = head;
            if (head != null) {
                head.previous = watch;
            }
            return watch;
        }

        /** Unlinks {@code watch} from the list starting at {@code head}; the new head. */
        static Watch unlink(Watch head, Watch watch) {
            Watch newHead = head;
            if (watch.previous == null) {
                newHead = watch.next;
            } else {
                watch.previous.next = watch.next;
            }
            if (watch.next != null) {
                watch.next.previous = watch.previous;
            }
            watch.previous = null;
            watch.next = null;
            return newHead;
        }
    }

    /** A watch in a stripe: any thread may clean or cancel it. */
    static final class Striped extends Watch implements Cleaner.Cleanable {
        private final Stripe home; // where it is linked: cleaning from another thread unlinks it there
        private boolean linked; // guarded by home's lock: false once unlinked

        private Striped(Object watched, Runnable action, Stripe home) {
            super(watched, action);
            this.home = home;
        }

        @Override
        public void clean() {
            if (home.unlink(this)) {
                clear();
                action.run();
            }
        }

        @Override
        void cancel() {
            if (home.unlink(this)) {
                clear();
            }
        }

        @Override
        void found() {
            clean();
        }
    }

    /** A confined mapping's watch, in its thread's list: cancelled on that thread, or found, never both. */
    static final class Confined extends Watch {
        private final ThreadWatches list;
        private volatile boolean found;

        private Confined(Object watched, Runnable action, ThreadWatches list) {
            super(watched, action);
            this.list = list;
        }

        /** On the mapping's thread, which alone changes its list. */
        @Override
        void cancel() {
            list.head = unlink(list.head, this);
            clear();
        }

        @Override
        void found() {
            list.found.incrementAndGet(); // first: the count never falls below the watches marked and still linked
            found = true;
            action.run();
        }
    }

    /**
     * Watches {@code watched}: {@code action} runs once, when it is unreachable or when the watch is cleaned. Both
     * are non-null: the VMO model passes its own, and {@code Vmos.watch} checks a caller's.
     */
    static Striped register(Object watched, Runnable action) {
        Stripe stripe = STRIPES[PaddedLock.ofThisThread()];
        Striped watch = new Striped(watched, action, stripe);
        stripe.link(watch);
        return watch;
    }

    /**
     * Watches a confined mapping's scope: {@code action} runs once it is unreachable, unless the mapping's thread
     * cancels the watch first. A virtual thread's mappings go to the stripes: a list of its own would outlive its task.
     */
    static Watch registerConfined(Object scope, Runnable action) {
        if (Thread.currentThread().isVirtual()) {
            return register(scope, action);
        }
        ThreadWatches mine = OF_THIS_THREAD.get().get();
        if (mine.found.get() != 0) {
            mine.sweep();
        }
        Confined watch = new Confined(scope, action, mine);
        mine.head = Watch.linkFirst(mine.head, watch);
        return watch;
    }

    /** How many watches the calling thread's list holds, found ones not yet unlinked included (for tests). */
    static int linkedOnThisThread() {
        int linked = 0;
        for (Watch watch = OF_THIS_THREAD.get().get().head; watch != null; watch = watch.next) {
            linked++;
        }
        return linked;
    }

    /** Whether the detector still keeps a list of {@code thread}'s (for tests). */
    static boolean keepsListOf(Thread thread) {
        return THREADS.stream().anyMatch(list -> list.thread == thread);
    }

    /** Sweeps the lists of threads that ended (no thread changes them now) and drops those left empty. */
    static void pruneEndedThreads() {
        for (ThreadWatches list : THREADS) {
            if (!list.thread.isAlive()) { // the thread's last changes to its list happen-before this
                list.sweep();
                if (list.head == null) {
                    THREADS.remove(list);
                }
            }
        }
    }

    private static void runFound() {
        long prunedAt = System.nanoTime();
        while (detector == Thread.currentThread()) {
            try {
                Watch watch = (Watch) FOUND.remove(PRUNE_MILLIS);
                if (watch != null) {
                    watch.found();
                }
                if (System.nanoTime() - prunedAt > PRUNE_MILLIS * 1_000_000) {
                    prunedAt = System.nanoTime();
                    pruneEndedThreads();
                }
            } catch (InterruptedException e) {
                // stopped (the loop's condition says so), or a stray interrupt: the loop goes on
            } catch (RuntimeException | Error e) {
                VmoObject.LOG.log(System.Logger.Level.ERROR, "a leak detector action failed", e);
            }
        }
    }
}
