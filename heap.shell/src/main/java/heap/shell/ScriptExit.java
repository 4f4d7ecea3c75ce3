package heap.shell;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Gives the console's process its exit status: 0, or 1 when a command failed, or 128 + the signal's number when a
 * signal stopped the platform (143 for SIGTERM, as a process killed by it). The launcher exits with a code of its own
 * once the framework has stopped, so a shutdown hook sets the status instead.
 */
final class ScriptExit {
    /** Failed command lines, heap commands and any other: a script that had one exits 1. */
    private static final AtomicInteger FAILURES = new AtomicInteger();
    /** The status of a stop a signal asked for, or 0 while none did. */
    private static final AtomicInteger SIGNALLED = new AtomicInteger();
    private static boolean installed;
    private static volatile boolean interactive;

    static void failed() {
        FAILURES.incrementAndGet();
    }

    static int failures() {
        return FAILURES.get();
    }

    /** At a terminal the exit status is 0 whatever failed: only scripts report failures through it. */
    static void interactive() {
        interactive = true;
    }

    /** A signal asks the platform to stop with {@code status}; false when one already had (the stop is under way). */
    static boolean signalled(int status) {
        return SIGNALLED.compareAndSet(0, status);
    }

    static int status() {
        int signalled = SIGNALLED.get();
        return signalled != 0 ? signalled : !interactive && failures() > 0 ? 1 : 0;
    }

    private ScriptExit() {
    }

    static synchronized void install() {
        if (!installed) {
            installed = true;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                System.out.flush();
                Runtime.getRuntime().halt(status());
            }, "heap-shell-exit-status"));
        }
    }
}
