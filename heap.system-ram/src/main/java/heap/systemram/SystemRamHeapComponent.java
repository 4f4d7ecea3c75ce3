package heap.systemram;

import heap.api.Heap;
import heap.api.HeapId;
import heap.api.HeapMetrics;
import heap.api.spi.BundleClasses;
import heap.memory.PhysicalMemory;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The system-RAM heap as a service; a configuration change restarts it (old buffers stay valid). */
@Component(immediate = true, configurationPid = "heap.systemram", service = {Heap.class, HeapMetrics.class},
        property = {Heap.HEAP_TYPE + "=" + HeapId.SYSTEM_RAM_TYPE, Heap.HEAP_ID + ":Long=0"})
@Designate(ocd = SystemRamHeapComponent.Config.class)
public class SystemRamHeapComponent extends SystemRamHeap {

    @ObjectClassDefinition(name = "System-RAM heap", description = "The default heap: lazily committed, zeroed memory")
    public @interface Config {
        // Read by the registry from the service properties (a configuration sets them); declared for the forms.
        @AttributeDefinition(description = "This instance's number among the heaps of its type (TYPE#ID); give each "
                + "factory configuration its own, 0 being the default instance")
        long heap_id() default 0;

        @AttributeDefinition(description = "Most bytes mapped in total, live buffers and the small-buffer cache (which is unmapped before a buffer is refused); 0 = half of physical memory")
        long max_total_bytes() default 0;

        @AttributeDefinition(description = "Largest single buffer in bytes (sysmem's default: 256 MiB)")
        long max_buffer_bytes() default 256L << 20;

        @AttributeDefinition(description = "Bytes of freed buffers of up to 64 KiB kept zeroed for reuse instead of unmapped; 0 = none")
        long small_cache_bytes() default 16L << 20;
    }

    @Activate
    public SystemRamHeapComponent(Config config, BundleContext context, Map<String, Object> properties) {
        super(instanceName("system-ram", properties), config.max_total_bytes() > 0 ? config.max_total_bytes() : PhysicalMemory.share(0.5),
                config.max_buffer_bytes(), config.small_cache_bytes());
        BundleClasses.loadAll(context.getBundle()); // this instance drains with them after an update
        log().log(System.Logger.Level.INFO, () -> {
            Map<String, Long> limits = metrics();
            return "heap " + name() + ": up to " + limits.get(CAPACITY) + " bytes, " + limits.get(MAX_BUFFER_SIZE)
                    + " per buffer, a cache of " + config.small_cache_bytes() + " bytes of small buffers, ready";
        });
    }
}
