package heap.health;

import heap.api.HeapDiagnostics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * CRITICAL while a heap's integrity check finds a corruption (an overwritten guard page, a write into free pages);
 * back to OK once the corrupted region is freed, as the heaps stop reporting it then.
 */
@Component(property = {HealthCheck.NAME + "=Guard corruption", HealthCheck.TAGS + "=" + HeapHealth.TAG})
public class GuardCorruptionCheck implements HealthCheck {
    private final Map<HeapDiagnostics, String> heaps = new ConcurrentHashMap<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addHeap(HeapDiagnostics heap, Map<String, Object> properties) {
        heaps.put(heap, properties.get("heap.type") + "#" + properties.getOrDefault("heap.id", 0L));
    }

    void removeHeap(HeapDiagnostics heap) {
        heaps.remove(heap);
    }

    @Override
    public Result execute() {
        List<String> problems = new ArrayList<>();
        heaps.forEach((heap, name) -> heap.checkIntegrity().forEach(problem -> problems.add(name + ": " + problem)));
        return HeapHealth.result(problems, Result.Status.CRITICAL, "no guard page or free page is corrupted");
    }
}
