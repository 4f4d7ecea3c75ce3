package heap.shell;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;

/**
 * How the console stops the platform: at the end of its input, and on SIGTERM or SIGHUP (a service manager's stop, the
 * terminal going), which stop it as the end of input does — bundles deactivate and heaps give their memory back —
 * with the exit status of a process the signal killed (143, 129). A signal that comes while the platform starts is
 * held until it is up, so the launcher never has the framework stopped under it midway; so is one that came before
 * this bundle started, which the launcher's agent (./platform's {@code -javaagent}) held in a system property.
 */
final class PlatformStop {
    /** Where the launcher's agent holds a signal that came before the console was there: TERM or HUP. */
    static final String EARLY_SIGNAL = "heap.signal.early";
    private static final System.Logger LOG = System.getLogger("heap.shell");
    private static final long STOP_BOUND_MILLIS = 20_000;
    private static final Object LOCK = new Object();
    private static boolean up; // guarded by LOCK
    private static String held; // guarded by LOCK: the signal that came before the platform was up

    private PlatformStop() {
    }

    static void onSignals(Bundle framework) {
        Interrupts.on("TERM", () -> arrived(framework, "TERM"));
        Interrupts.on("HUP", () -> arrived(framework, "HUP"));
    }

    /** The platform is up: a signal held until now stops it (true then: nothing more to start). */
    static boolean platformIsUp(Bundle framework) {
        String signal;
        synchronized (LOCK) {
            up = true;
            String early = System.getProperty(EARLY_SIGNAL);
            System.clearProperty(EARLY_SIGNAL); // taken: the agent's bound ends with it
            signal = held != null ? held : early;
        }
        if (signal != null) {
            stop(framework, signal, " (it came as the platform started)");
        }
        return signal != null;
    }

    private static void arrived(Bundle framework, String signal) {
        synchronized (LOCK) {
            if (!up) {
                if (held == null) {
                    held = signal;
                }
                return;
            }
        }
        stop(framework, signal, "");
    }

    /** Bounded: a stop that outlasts 20 s (a bundle hanging in its deactivation) is cut short. A second signal changes nothing. */
    private static void stop(Bundle framework, String signal, String when) {
        int status = 128 + (signal.equals("HUP") ? 1 : 15);
        if (!ScriptExit.signalled(status)) {
            return;
        }
        LOG.log(System.Logger.Level.INFO, "SIG" + signal + when + ": stopping the platform (exit status " + status + ")");
        Thread.ofPlatform().daemon().name("heap-console-stop-bound").start(() -> {
            try {
                Thread.sleep(STOP_BOUND_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("the platform did not stop within " + STOP_BOUND_MILLIS / 1000 + " s of SIG" + signal
                    + ": leaving");
            Runtime.getRuntime().halt(status);
        });
        framework(framework);
    }

    /** Stops the framework; the process then exits with {@link ScriptExit#status()}. */
    static void framework(Bundle framework) {
        try {
            framework.stop();
        } catch (BundleException | IllegalStateException e) {
            Runtime.getRuntime().exit(ScriptExit.status());
        }
    }
}
