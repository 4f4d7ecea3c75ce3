package heap.config;

import java.util.Hashtable;
import org.osgi.annotation.bundle.Header;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.cm.ConfigurationPlugin;
import org.osgi.service.cm.SynchronousConfigurationListener;

/**
 * Puts the platform's configuration checks ({@link ConfigurationGuard}) in place as this bundle starts: in
 * {@code ./platform} before SCR starts (bundles start in name order, SCR among the last), so a configuration already
 * in {@code deploy/} is checked like a later one.
 */
@Header(name = Constants.BUNDLE_ACTIVATOR, value = "${@class}")
public final class ConfigActivator implements BundleActivator {
    @Override
    public void start(BundleContext context) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(ConfigurationPlugin.CM_RANKING, 0);
        context.registerService(new String[] {ConfigurationPlugin.class.getName(),
            SynchronousConfigurationListener.class.getName()}, new ConfigurationGuard(), properties);
    }

    @Override
    public void stop(BundleContext context) {
        // the framework unregisters the guard with the bundle
    }
}
