package heap.itest.watchdog;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * Bounds an in-framework test run: if the framework is still up after {@code itest.launch.timeout.seconds}
 * (a tester that never finds its tests waits forever), it says so and halts the JVM, which fails the build.
 */
public class LaunchWatchdog implements BundleActivator {
    private Thread watchdog;

    @Override
    public void start(BundleContext context) {
        String configured = context.getProperty("itest.launch.timeout.seconds");
        long seconds = configured == null ? 600 : Long.parseLong(configured.trim());
        watchdog = Thread.ofPlatform().daemon().name("itest-launch-watchdog").start(() -> {
            try {
                Thread.sleep(seconds * 1000);
            } catch (InterruptedException stopped) {
                return;
            }
            System.err.println("in-framework test run still going after " + seconds + " s: halting the framework JVM");
            Runtime.getRuntime().halt(3);
        });
    }

    @Override
    public void stop(BundleContext context) {
        watchdog.interrupt();
    }
}
