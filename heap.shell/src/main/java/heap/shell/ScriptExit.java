package heap.shell;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Gives the console's process its exit status: 0, or 1 when a command failed. The launcher exits with a code of its
 * own once the console stops the framework, so a shutdown hook sets the status instead.
 */
final class ScriptExit {
    /** Failed command lines, heap commands and any other: a script that had one exits 1. */
    private static final AtomicInteger FAILURES = new AtomicInteger();
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

    private ScriptExit() {
    }

    static synchronized void install() {
        if (!installed) {
            installed = true;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                System.out.flush();
                Runtime.getRuntime().halt(!interactive && failures() > 0 ? 1 : 0);
            }, "heap-shell-exit-status"));
        }
    }
}
