package heap.shell;

import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Gogo's {@code refresh} without bundles failed with a bare NullPointerException and refreshed nothing (gogo.command
 * 1.1.2 hands {@code Arrays.asList(null)} to the framework), so an {@code update} of heap.api left every bundle on the
 * old revision. The console runs that line itself: the framework refreshes what is pending removal (the bundles
 * updated or uninstalled since) and every bundle wired to it, as {@code refresh} with no bundles is meant to.
 */
final class PlainRefresh {
    private PlainRefresh() {
    }

    static boolean matches(String line) {
        String command = line.strip();
        return command.equals("refresh") || command.equals("felix:refresh");
    }

    /** Starts the refresh (it runs in the background, as Gogo's does) and says what it takes. */
    static String run(BundleContext context) {
        FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
        Collection<Bundle> pending = wiring.getRemovalPendingBundles();
        if (pending.isEmpty()) {
            return "nothing to refresh: no bundle was updated or uninstalled since the last refresh";
        }
        List<Bundle> wired = wiring.getDependencyClosure(pending).stream().filter(bundle -> !pending.contains(bundle))
                .toList();
        wiring.refreshBundles(null);
        String them = pending.size() == 1 ? "it" : "them";
        return "refreshing " + names(pending) + (wired.isEmpty() ? "" : "; restarting with " + them + " what is wired to "
                + them + ": " + names(wired));
    }

    private static String names(Collection<Bundle> bundles) {
        return bundles.stream().map(bundle -> bundle.getSymbolicName() + " [" + bundle.getBundleId() + "]")
                .sorted().collect(Collectors.joining(", "));
    }
}
