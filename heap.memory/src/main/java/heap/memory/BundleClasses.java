package heap.memory;

import java.net.URL;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import org.osgi.framework.Bundle;

/**
 * Loads every class of a heap bundle as its heap starts. Once the bundle is updated, Felix disposes its old revision
 * at once when nothing is wired to it, and the old revision's loader can load nothing more; the old heap instance
 * still drains (deleteVmo, the last handle's release), so every class those paths might need must be loaded by then.
 * Found when a buffer freed after an update failed in {@code released()} with NoClassDefFoundError for a record
 * class only the free path uses, and its memory was never given back.
 */
public final class BundleClasses {
    private static final System.Logger LOG = System.getLogger("heap.memory");

    private BundleClasses() {
    }

    /** Loads every {@code .class} entry of {@code bundle}; returns how many loaded. */
    public static int loadAll(Bundle bundle) {
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
