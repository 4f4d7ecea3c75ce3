package heap.api.internal;

import org.osgi.annotation.bundle.Header;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;

/**
 * heap.api's bundle life: its leak detector's thread runs while the bundle is active and ends as it stops, so a
 * heap.api updated or uninstalled in a running framework leaves nothing that keeps its classes in memory.
 */
@Header(name = Constants.BUNDLE_ACTIVATOR, value = "${@class}")
public final class ApiActivator implements BundleActivator {
    @Override
    public void start(BundleContext context) {
        LeakWatcher.startDetector();
    }

    @Override
    public void stop(BundleContext context) throws InterruptedException {
        LeakWatcher.stopDetector();
    }
}
