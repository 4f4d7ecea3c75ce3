package heap.registry;

import java.util.Hashtable;
import org.osgi.annotation.bundle.Header;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.cm.ConfigurationPlugin;
import org.osgi.service.cm.SynchronousConfigurationListener;

/**
 * Puts the platform's configuration checks ({@link ConfigurationGuard}) in place as this bundle starts, before SCR
 * activates its components: a configuration already in {@code deploy/} when the platform starts is checked like a
 * later one (registered by the registry component, the guard came after that component had read its own).
 */
@Header(name = Constants.BUNDLE_ACTIVATOR, value = "${@class}")
public final class RegistryActivator implements BundleActivator {
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
