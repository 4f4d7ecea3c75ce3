package heap.secure;

import heap.api.Heap;
import heap.api.HeapMetrics;
import heap.api.spi.BundleClasses;
import heap.api.spi.PhysicalRanges;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The secure heap as a service. */
@Component(immediate = true, configurationPid = "heap.secure", service = {Heap.class, HeapMetrics.class},
        property = {Heap.HEAP_TYPE + "=heap.platform.HEAP_TYPE.SECURE", Heap.HEAP_ID + ":Long=0",
            Heap.SECURE + ":Boolean=true"})
@Designate(ocd = SecureHeapComponent.Config.class)
public class SecureHeapComponent extends SecureHeap {

    @ObjectClassDefinition(name = "Secure heap", description = "CPU-inaccessible buffers from a protected range")
    public @interface Config {
        // Read by the registry from the service properties (a configuration sets them); declared for the forms.
        @AttributeDefinition(description = "This instance's number among the heaps of its type (TYPE#ID); give each "
                + "factory configuration its own, 0 being the default instance")
        long heap_id() default 0;

        @AttributeDefinition(description = "Size of the protected range in bytes")
        long capacity_bytes() default 256L << 20;

        @AttributeDefinition(description = "Largest min_physical_base_alignment served; above it: NOT_SUPPORTED")
        long max_alignment_bytes() default 1L << 20;

        @AttributeDefinition(description = "Address of the protected range's first byte, as buffer info reports it; "
                + "0 = address space reserved from the kernel, unique in the process; a range overlapping another "
                + "heap's is refused")
        long protected_range_base() default RESERVED_RANGE;
    }

    @Activate
    public SecureHeapComponent(Config config, BundleContext context, Map<String, Object> properties) {
        super(instanceName("secure", properties), config.capacity_bytes(), config.max_alignment_bytes(),
                config.protected_range_base(), PhysicalRanges.PROCESS); // the JVM's claims: no two heaps share an address
        BundleClasses.loadAll(context.getBundle()); // this instance drains with them after an update
        log().log(System.Logger.Level.INFO, () -> "heap " + name() + ": protected range of " + config.capacity_bytes()
                + " bytes at 0x" + Long.toHexString(rangeBase()) + (config.protected_range_base() == RESERVED_RANGE
                        ? " (reserved address space)" : " (configured)") + " ready");
    }

    @Deactivate
    void deactivate() {
        close();
    }
}
