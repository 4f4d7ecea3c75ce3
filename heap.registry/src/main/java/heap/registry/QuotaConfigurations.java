package heap.registry;

import java.lang.System.Logger.Level;
import java.util.Dictionary;
import java.util.Optional;
import org.osgi.service.cm.ManagedServiceFactory;

/**
 * Factory configurations {@code heap.quota}: {@code bundle} (a glob of symbolic names), optional {@code heap.type},
 * {@code max.bytes} and {@code max.buffers}; an empty value is an absent one. Metatype describes them
 * ({@code OSGI-INF/metatype/heap.quota.xml}), so the Web Console offers a form to create one. A configuration that
 * does not parse is refused with one log line and the quotas in force stay as they were; the registry's listing
 * shows the refusal until the next good update.
 */
final class QuotaConfigurations implements ManagedServiceFactory {
    static final String FACTORY_PID = "heap.quota";

    private final HeapRegistry registry;

    QuotaConfigurations(HeapRegistry registry) {
        this.registry = registry;
    }

    @Override
    public String getName() {
        return "Heap quotas";
    }

    @Override
    public void updated(String pid, Dictionary<String, ?> properties) {
        Quota quota;
        try {
            quota = parse(pid, properties);
        } catch (IllegalArgumentException e) {
            HeapRegistry.LOG.log(Level.ERROR, FACTORY_PID + " configuration " + pid + " refused: " + e.getMessage()
                    + "; the quotas in force are unchanged");
            registry.refuseQuota(pid, e.getMessage());
            return;
        }
        registry.putQuota(quota);
        HeapRegistry.LOG.log(Level.INFO, quota + " in force");
    }

    @Override
    public void deleted(String pid) {
        registry.removeQuota(pid);
        HeapRegistry.LOG.log(Level.INFO, "quota " + pid + " removed");
    }

    static Quota parse(String pid, Dictionary<String, ?> properties) {
        Object bundle = properties.get("bundle");
        if (bundle == null) {
            throw new IllegalArgumentException("bundle is missing: it names the bundles the quota limits, a glob of "
                    + "symbolic names such as com.acme.* or *");
        }
        if (!(bundle instanceof String glob)) {
            throw new IllegalArgumentException("bundle=" + bundle + " is not a string (a glob of symbolic names)");
        }
        Object heapType = blankAsAbsent(properties.get("heap.type"));
        if (heapType != null && !(heapType instanceof String)) {
            throw new IllegalArgumentException("heap.type=" + heapType + " is not a string");
        }
        return new Quota(pid, glob.trim(), Optional.ofNullable((String) heapType).map(String::trim),
                limit(properties, "max.bytes"), limit(properties, "max.buffers"));
    }

    /** An empty value is an absent one: a form (the Web Console's) sends the fields left empty. */
    private static Object blankAsAbsent(Object value) {
        return value instanceof String text && text.isBlank() ? null : value;
    }

    private static long limit(Dictionary<String, ?> properties, String key) {
        Object value = blankAsAbsent(properties.get(key));
        if (value == null) {
            return -1;
        }
        if (value instanceof Number number) {
            return number.longValue();
        }
        try {
            return Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "=" + value + " is not a whole number of "
                    + (key.endsWith("bytes") ? "bytes" : "buffers"));
        }
    }
}
