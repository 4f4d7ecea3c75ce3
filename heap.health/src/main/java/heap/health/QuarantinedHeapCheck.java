package heap.health;

import heap.api.allocator.BufferAllocator;
import heap.api.allocator.HeapState;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** CRITICAL while a heap is quarantined (it broke the protocol: never routed to, its buffers at risk). */
@Component(property = {HealthCheck.NAME + "=Quarantined heaps", HealthCheck.TAGS + "=" + HeapHealth.TAG})
public class QuarantinedHeapCheck implements HealthCheck {
    private final BufferAllocator allocator;

    @Activate
    public QuarantinedHeapCheck(@Reference BufferAllocator allocator) {
        this.allocator = allocator;
    }

    @Override
    public Result execute() {
        return HeapHealth.result(allocator.heaps().stream().filter(heap -> heap.state() == HeapState.QUARANTINED)
                .map(heap -> HeapHealth.name(heap) + " is quarantined: " + heap.reason()).toList(),
                Result.Status.CRITICAL, "no heap is quarantined");
    }
}
