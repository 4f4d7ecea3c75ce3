package heap.health;

import heap.api.HeapMetrics;
import heap.api.allocator.BufferAllocator;
import heap.api.allocator.HeapState;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** WARN while a bounded heap is fuller than {@code occupancy.warn.percent} of its capacity. */
@Component(configurationPid = "heap.health.occupancy", property = {HealthCheck.NAME + "=Pool occupancy",
        HealthCheck.TAGS + "=" + HeapHealth.TAG})
@Designate(ocd = PoolOccupancyCheck.Config.class)
public class PoolOccupancyCheck implements HealthCheck {
    @ObjectClassDefinition(name = "Heap pool occupancy check")
    public @interface Config {
        @AttributeDefinition(description = "Warn when used_size is above this percentage of capacity (1 to 100)",
                min = "1", max = "100")
        int occupancy_warn_percent() default 90;
    }

    private final BufferAllocator allocator;
    private volatile int warnPercent;

    @Activate
    public PoolOccupancyCheck(@Reference BufferAllocator allocator, Config config) {
        this.allocator = allocator;
        modified(config);
    }

    @Modified
    void modified(Config config) {
        warnPercent = Math.clamp(config.occupancy_warn_percent(), 1, 100);
    }

    @Override
    public Result execute() {
        int percent = warnPercent;
        return HeapHealth.result(allocator.heaps().stream()
                .filter(heap -> heap.state() == HeapState.ACTIVE && heap.metrics().containsKey(HeapMetrics.CAPACITY))
                .filter(heap -> heap.metrics().getOrDefault(HeapMetrics.USED_SIZE, 0L) * 100
                        > percent * heap.metrics().get(HeapMetrics.CAPACITY))
                .map(heap -> HeapHealth.name(heap) + " is " + heap.metrics().get(HeapMetrics.USED_SIZE) * 100
                        / heap.metrics().get(HeapMetrics.CAPACITY) + "% full (" + heap.metrics().get(HeapMetrics.USED_SIZE)
                        + " of " + heap.metrics().get(HeapMetrics.CAPACITY) + " bytes), above " + percent + "%")
                .toList(), Result.Status.WARN, "every pool is at most " + percent + "% full");
    }
}
