package heap.health;

import heap.api.allocator.BufferAllocator;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** WARN while a heap holds buffers it never gave back (deleteVmo went unanswered). */
@Component(property = {HealthCheck.NAME + "=Lost buffers", HealthCheck.TAGS + "=" + HeapHealth.TAG})
public class LostBuffersCheck implements HealthCheck {
    private final BufferAllocator allocator;

    @Activate
    public LostBuffersCheck(@Reference BufferAllocator allocator) {
        this.allocator = allocator;
    }

    @Override
    public Result execute() {
        return HeapHealth.result(allocator.heaps().stream().filter(heap -> heap.lostBuffers() > 0)
                .map(heap -> HeapHealth.name(heap) + " never answered deleteVmo for "
                        + HeapHealth.count(heap.lostBuffers(), "buffer"))
                .toList(), Result.Status.WARN, "no buffer is lost");
    }
}
