package heap.launcher;

/**
 * The Java agent {@code ./platform} starts java with ({@code Premain-Class} of this module's jar). A SIGTERM or SIGHUP
 * before the platform's console has taken the signals over used to end the JVM under a framework still starting:
 * the launcher printed a stack trace and no bundle stopped. From the JVM's start, such a signal is held instead, in
 * the system property {@value #PROPERTY}, which the console (heap.shell) reads once the platform is up, and then
 * stops it as for a signal of its own. Should no console take it within 60 s (or the seconds given as the agent's
 * argument, {@code -javaagent:JAR=SECONDS}), the process exits with the signal's status.
 */
public final class EarlySignals {
    static final String PROPERTY = "heap.signal.early";
    private static final long DEFAULT_BOUND_SECONDS = 60;

    private EarlySignals() {
    }

    public static void premain(String arguments) {
        long bound = arguments == null || arguments.isBlank() ? DEFAULT_BOUND_SECONDS : Long.parseLong(arguments.strip());
        hold("TERM", 128 + 15, bound);
        hold("HUP", 128 + 1, bound);
    }

    private static void hold(String signal, int status, long boundSeconds) {
        Signals.on(signal, () -> {
            synchronized (EarlySignals.class) {
                if (System.getProperty(PROPERTY) != null) {
                    return; // one is held already: a service manager signals java and the script at once
                }
                System.setProperty(PROPERTY, signal);
            }
            Thread.ofPlatform().daemon().name("heap-early-signal").start(() -> {
                try {
                    Thread.sleep(boundSeconds * 1000L);
                } catch (InterruptedException e) {
                    return;
                }
                if (System.getProperty(PROPERTY) != null) {
                    System.err.println("SIG" + signal + " came as the platform started, and no console took it within "
                            + boundSeconds + " s: leaving");
                    Runtime.getRuntime().exit(status);
                }
            });
        });
    }
}
