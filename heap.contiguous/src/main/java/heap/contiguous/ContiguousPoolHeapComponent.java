package heap.contiguous;

import heap.api.Heap;
import heap.api.HeapDiagnostics;
import heap.api.HeapMetrics;
import heap.api.spi.BundleClasses;
import heap.api.spi.PhysicalRanges;
import heap.memory.PhysicalMemory;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The contiguous pool as a service. A configuration change restarts it with a new pool; old buffers drain. */
@Component(immediate = true, configurationPid = "heap.contiguous", service = {Heap.class, HeapMetrics.class, HeapDiagnostics.class},
        property = {Heap.HEAP_TYPE + "=heap.platform.HEAP_TYPE.CONTIGUOUS_SYSTEM_RAM", Heap.HEAP_ID + ":Long=0"})
@Designate(ocd = ContiguousPoolHeapComponent.Config.class)
public class ContiguousPoolHeapComponent extends ContiguousPoolHeap {
    private final ScheduledExecutorService guardChecker;

    @ObjectClassDefinition(name = "Contiguous pool heap", description = "Physically contiguous buffers from one reserved pool")
    public @interface Config {
        // Read by the registry from the service properties (a configuration sets them); declared for the forms.
        @AttributeDefinition(description = "This instance's number among the heaps of its type (TYPE#ID); give each "
                + "factory configuration its own, 0 being the default instance")
        long heap_id() default 0;

        @AttributeDefinition(description = "Pool size in bytes; 0 = 5% of physical memory (as sysmem)")
        long pool_size_bytes() default 0;

        @AttributeDefinition(description = "Largest min_physical_base_alignment served; above it: NOT_SUPPORTED")
        long max_alignment_bytes() default 1L << 20;

        @AttributeDefinition(description = "Put a guard page before and after every buffer")
        boolean guard_pages_per_buffer() default false;

        @AttributeDefinition(description = "Milliseconds between guard checks; 0 = only on free and on demand")
        long guard_check_interval_ms() default 5000;

        @AttributeDefinition(description = "Stop handing out memory after a guard page corruption")
        boolean guard_failure_fatal() default false;

        @AttributeDefinition(description = "Keep a pattern in free pages and report writes into them (costs a fill per "
                + "free and a scan of free space per check; commits the whole pool at start)")
        boolean guard_unused_pages() default false;
    }

    @Activate
    public ContiguousPoolHeapComponent(Config config, BundleContext context, Map<String, Object> properties) {
        super(instanceName("contiguous", properties), new PoolSettings(
                config.pool_size_bytes() > 0 ? config.pool_size_bytes() : PhysicalMemory.share(0.05),
                config.max_alignment_bytes(), config.guard_pages_per_buffer(), config.guard_failure_fatal(),
                config.guard_unused_pages()), PhysicalRanges.PROCESS); // the JVM's claims: no two heaps share an address
        BundleClasses.loadAll(context.getBundle()); // this instance drains with them after an update
        guardChecker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                .name("heap." + name() + "-guard-check").factory());
        if (config.guard_check_interval_ms() > 0) {
            guardChecker.scheduleWithFixedDelay(this::checkIntegrity, config.guard_check_interval_ms(),
                    config.guard_check_interval_ms(), TimeUnit.MILLISECONDS);
        }
    }

    @Deactivate
    void deactivate() {
        guardChecker.shutdownNow();
        close();
    }
}
