package heap.api.internal;

import org.osgi.annotation.bundle.Header;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;

/**
 * heap.api's bundle life: its leak detector's thread runs while the bundle is active and ends as it stops, so a
 * heap.api updated or uninstalled in a running framework leaves nothing that keeps its classes in memory. Its koids
 * go on where the revision before it stopped (an update and a refresh): a system property of the framework run
 * keeps the next one, as a JDK string, so no class of a revision outlives it.
 */
@Header(name = Constants.BUNDLE_ACTIVATOR, value = "${@class}")
public final class ApiActivator implements BundleActivator {
    private static final String NEXT_KOID = "heap.api.next.koid.";

    @Override
    public void start(BundleContext context) {
        Long next = Long.getLong(nextKoidProperty(context));
        if (next != null) {
            VmoObject.continueKoidsFrom(next);
        }
        LeakWatcher.startDetector();
    }

    @Override
    public void stop(BundleContext context) throws InterruptedException {
        LeakWatcher.stopDetector();
        System.setProperty(nextKoidProperty(context), Long.toString(VmoObject.firstUntakenKoid()));
    }

    /** One per framework run: a second framework in the same JVM numbers its own. */
    private static String nextKoidProperty(BundleContext context) {
        return NEXT_KOID + context.getProperty(Constants.FRAMEWORK_UUID);
    }
}
