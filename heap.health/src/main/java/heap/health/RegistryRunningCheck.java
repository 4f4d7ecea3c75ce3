package heap.health;

import heap.api.allocator.BufferAllocator;
import heap.api.allocator.HeapState;
import heap.api.allocator.HeapStatus;
import java.util.List;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * CRITICAL while no registry offers BufferAllocator: nothing can be allocated. The other checks read the registry
 * and go with it, so without this one a stopped registry left the heap checks OK.
 */
@Component(property = {HealthCheck.NAME + "=Heap registry", HealthCheck.TAGS + "=" + HeapHealth.TAG})
public class RegistryRunningCheck implements HealthCheck {
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile BufferAllocator allocator;

    public RegistryRunningCheck() {
    }

    RegistryRunningCheck(BufferAllocator allocator) {
        this.allocator = allocator;
    }

    @Override
    public Result execute() {
        BufferAllocator registry = allocator;
        return HeapHealth.result(registry == null ? List.of("the registry (heap.registry) is not running: no buffer "
                + "can be allocated; lb and scr:info heap.registry.HeapRegistryComponent say why") : List.of(),
                Result.Status.CRITICAL, registry == null ? "" : serving(registry.heaps()));
    }

    /** Active heaps take new buffers; the others (draining, pending, quarantined) are counted apart. */
    static String serving(List<HeapStatus> heaps) {
        long active = heaps.stream().filter(heap -> heap.state() == HeapState.ACTIVE).count();
        long others = heaps.size() - active;
        return "the registry serves " + HeapHealth.count(active, "heap")
                + (others == 0 ? "" : " (and lists " + others + " more: draining, pending or quarantined)");
    }
}
