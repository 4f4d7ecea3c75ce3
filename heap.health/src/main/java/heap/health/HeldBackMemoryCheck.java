package heap.health;

import heap.api.allocator.BufferAllocator;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** WARN while a stopped bundle's memory is held back by confined mappings still open on its threads. */
@Component(property = {HealthCheck.NAME + "=Memory held back by stopped bundles", HealthCheck.TAGS + "=" + HeapHealth.TAG})
public class HeldBackMemoryCheck implements HealthCheck {
    private final BufferAllocator allocator;

    @Activate
    public HeldBackMemoryCheck(@Reference BufferAllocator allocator) {
        this.allocator = allocator;
    }

    @Override
    public Result execute() {
        return HeapHealth.result(allocator.owners().stream().filter(owner -> owner.stopped() && owner.heldBackBytes() > 0)
                .map(owner -> "bundle " + owner.bundle() + " stopped, "
                        + HeapHealth.count(owner.heldBackBuffers(), "buffer") + " (" + owner.heldBackBytes()
                        + " bytes) held back by its confined mappings")
                .toList(), Result.Status.WARN, "no stopped bundle holds memory back");
    }
}
