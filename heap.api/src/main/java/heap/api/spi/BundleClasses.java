package heap.api.spi;

import heap.api.internal.Require;
import java.net.URL;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import org.osgi.framework.Bundle;

/**
 * Loads every class of a heap bundle as its heap starts: call {@link #loadAll} from the heap component's constructor
 * or activate method. Once the bundle is updated, Felix disposes its old revision at once when nothing is wired to it,
 * and the old revision's loader can load nothing more, while the old heap instance still frees the buffers it gave
 * out (deleteVmo, the last handle's release): every class those paths might need must be loaded by then. Without it,
 * the first free after an update failed with NoClassDefFoundError for a class only the free path used, and that
 * buffer's memory was never given back. @since 1.5
 */
public final class BundleClasses {
    private static final System.Logger LOG = System.getLogger("heap.api.spi");

    private BundleClasses() {
    }

    /**
     * Loads every {@code .class} entry of {@code bundle} and returns how many loaded; one that cannot be loaded is
     * logged (a WARNING naming it) and skipped.
     */
    public static int loadAll(Bundle bundle) {
        Require.argument(bundle, "bundle");
        Enumeration<URL> entries = bundle.findEntries("/", "*.class", true);
        int loaded = 0;
        List<String> failed = new ArrayList<>();
        while (entries != null && entries.hasMoreElements()) {
            String path = entries.nextElement().getPath();
            String name = path.substring(path.startsWith("/") ? 1 : 0, path.length() - ".class".length()).replace('/', '.');
            if (name.startsWith("META-INF.") || name.endsWith("module-info")) {
                continue;
            }
            try {
                bundle.loadClass(name);
                loaded++;
            } catch (ClassNotFoundException | LinkageError e) {
                failed.add(name + " (" + e + ")");
            }
        }
        if (!failed.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, bundle.getSymbolicName() + ": " + failed.size() + " classes could not "
                    + "be loaded ahead; a buffer freed after an update of this bundle may need them: " + failed);
        }
        return loaded;
    }
}
