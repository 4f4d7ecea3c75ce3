package heap.shell;

import java.net.URI;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;

/**
 * Gogo's {@code update N} without a URL makes Felix read the bundle again from its location. The bundles
 * {@code ./platform} starts come from inside platform.jar (bnd's launcher installs them from a stream, at locations
 * such as {@code jar/heap.system-ram-1.0.0-SNAPSHOT.jar}), which no URL names: Felix printed a MalformedURLException
 * with its stack trace. Such a line gets one sentence saying what to type instead.
 */
final class PlainUpdate {
    private PlainUpdate() {
    }

    /** Why {@code line} cannot work, or null for any other line (which Gogo runs as usual). */
    static String refusal(String line, BundleContext context) {
        String[] tokens = line.strip().split("\\s+");
        if (tokens.length != 2 || !(tokens[0].equals("update") || tokens[0].equals("felix:update"))
                || !tokens[1].matches("\\d{1,18}")) {
            return null;
        }
        Bundle bundle = context.getBundle(Long.parseLong(tokens[1]));
        if (bundle == null || bundle.getHeaders().get(Constants.BUNDLE_UPDATELOCATION) != null
                || isUrl(bundle.getLocation())) {
            return null;
        }
        return "update " + tokens[1] + ": bundle " + bundle.getSymbolicName() + " came from inside platform.jar ("
                + bundle.getLocation() + "), which Felix cannot read again; give it the new jar: update " + tokens[1]
                + " file:/path/to/" + bundle.getSymbolicName() + ".jar";
    }

    private static boolean isUrl(String location) {
        try {
            URI.create(location).toURL();
            return true;
        } catch (IllegalArgumentException | java.net.MalformedURLException e) {
            return false;
        }
    }
}
