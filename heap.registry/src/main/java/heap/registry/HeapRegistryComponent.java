package heap.registry;

import heap.api.Heap;
import heap.api.allocator.BufferAllocator;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ManagedServiceFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import heap.api.spi.LeakDetection;
import heap.api.spi.Vmos;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * The registry, bound to every {@link Heap} service as they come and go. It offers {@link BufferAllocator} as a
 * bundle-scoped service (one view per client bundle, released when that bundle lets go of it) and takes
 * {@code heap.quota} factory configurations.
 */
@Component(immediate = true, configurationPid = "heap.registry", service = {})
@Designate(ocd = HeapRegistryComponent.Config.class)
public class HeapRegistryComponent extends HeapRegistry {

    @ObjectClassDefinition(name = "Heap registry", description = "Sysmem's limits and its patience with heaps")
    public @interface Config {
        @AttributeDefinition(description = "Largest buffer in bytes")
        long max_buffer_bytes() default 256L << 20;

        @AttributeDefinition(description = "Largest collection in bytes")
        long max_collection_bytes() default 1L << 30;

        @AttributeDefinition(description = "Most buffers per collection")
        int max_buffer_count() default 128;

        @AttributeDefinition(description = "How long a bound heap may take to send OnRegister before it is quarantined")
        long register_timeout_ms() default 5000;

        @AttributeDefinition(description = "How long a heap may take to answer deleteVmo before its buffer is marked lost")
        long delete_timeout_ms() default 5000;

        @AttributeDefinition(description = "After the registry starts or a heap goes away, how long an allocation no heap "
                + "fits waits for a heap to register (a bundle update) before failing with NOT_FOUND")
        long replacement_grace_ms() default 2000;

        @AttributeDefinition(description = "How long a heap may take to answer allocateVmo before the caller gets "
                + "NO_MEMORY (0 = no limit); a VMO it returns late is given back through deleteVmo")
        long allocate_timeout_ms() default 5000;

        @AttributeDefinition(description = "What the garbage collector watches for leaks: off, sampled (one handle or "
                + "collection in 128, every confined mapping) or paranoid (everything); empty = the system property "
                + "heap.leak.detection, else sampled", options = {
                    @Option(label = "as started (heap.leak.detection, else sampled)", value = ""),
                    @Option(label = "off", value = "off"), @Option(label = "sampled", value = "sampled"),
                    @Option(label = "paranoid", value = "paranoid")})
        String leak_detection() default "";
    }

    private static final String NEXT_COLLECTION_ID = "heap.registry.next.collection.id.";

    private final ServiceRegistration<BufferAllocator> allocatorRegistration;
    private final ServiceRegistration<ManagedServiceFactory> quotaRegistration;
    private final JmxExport jmx;
    private final Bundle systemBundle;
    private final String nextCollectionIdProperty; // where the next registry of this framework run goes on

    @Activate
    public HeapRegistryComponent(Config config, BundleContext context) {
        super(limits(config));
        systemBundle = context.getBundle(Constants.SYSTEM_BUNDLE_ID);
        nextCollectionIdProperty = NEXT_COLLECTION_ID + context.getProperty(Constants.FRAMEWORK_UUID);
        Long next = Long.getLong(nextCollectionIdProperty);
        if (next != null) {
            continueCollectionIdsFrom(next);
        }
        setLeakDetection(config);
        jmx = new JmxExport(this, java.lang.management.ManagementFactory.getPlatformMBeanServer());
        setEvents(jmx);
        allocatorRegistration = context.registerService(BufferAllocator.class, new Views(), null);
        Dictionary<String, Object> quotaProperties = new Hashtable<>();
        quotaProperties.put(Constants.SERVICE_PID, QuotaConfigurations.FACTORY_PID);
        quotaRegistration = context.registerService(ManagedServiceFactory.class, new QuotaConfigurations(this),
                quotaProperties);
    }

    @Modified
    void modified(Config config) {
        setLimits(limits(config));
        setLeakDetection(config);
    }

    @Deactivate
    void deactivate() {
        stop(); // first: views let go as the service goes away must not reclaim anything
        System.setProperty(nextCollectionIdProperty, Long.toString(firstUntakenCollectionId()));
        allocatorRegistration.unregister();
        quotaRegistration.unregister();
        jmx.close();
    }

    // Heaps are known by their service.id, as SCR's dynamic references and Aries Typed Event's bus key services.
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindHeap", updated = "updatedHeap")
    void bindHeap(Heap heap, ServiceReference<Heap> reference, Map<String, Object> properties) {
        addHeap(heap, properties, reference.getBundle().getSymbolicName() + " " + reference.getBundle().getVersion());
    }

    void updatedHeap(Map<String, Object> properties) {
        updateHeap(properties);
    }

    void unbindHeap(Map<String, Object> properties) {
        if (systemBundle.getState() == Bundle.STOPPING) {
            frameworkStopping();
        }
        removeHeap(((Number) properties.get("service.id")).longValue());
    }

    /** One view per client bundle; the framework lets go of it when that bundle stops or ungets the service. */
    private final class Views implements ServiceFactory<BufferAllocator> {
        @Override
        public BufferAllocator getService(Bundle bundle, ServiceRegistration<BufferAllocator> registration) {
            return view(bundle.getBundleId(), bundle.getSymbolicName(), bundle.getVersion().toString());
        }

        @Override
        public void ungetService(Bundle bundle, ServiceRegistration<BufferAllocator> registration,
                BufferAllocator view) {
            release(view);
        }
    }

    private static void setLeakDetection(Config config) {
        Vmos.setLeakDetection(config.leak_detection().isBlank() ? LeakDetection.fromSystemProperty()
                : LeakDetection.parse(config.leak_detection()));
    }

    private static Limits limits(Config config) {
        return new Limits(config.max_buffer_bytes(), config.max_collection_bytes(), config.max_buffer_count(),
                Duration.ofMillis(config.register_timeout_ms()), Duration.ofMillis(config.delete_timeout_ms()),
                Duration.ofMillis(config.replacement_grace_ms()), Duration.ofMillis(config.allocate_timeout_ms()));
    }
}
