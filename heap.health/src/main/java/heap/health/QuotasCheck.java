package heap.health;

import heap.api.allocator.BufferAllocator;
import heap.api.allocator.QuotaStatus;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * WARN while a quota limits less than its configuration says: its heap type names no heap listed (a typo, a heap
 * not deployed), or its last update was refused (the limits from before, or none, stay in force).
 */
@Component(property = {HealthCheck.NAME + "=Quotas", HealthCheck.TAGS + "=" + HeapHealth.TAG})
public class QuotasCheck implements HealthCheck {
    private final BufferAllocator allocator;

    @Activate
    public QuotasCheck(@Reference BufferAllocator allocator) {
        this.allocator = allocator;
    }

    @Override
    public Result execute() {
        List<QuotaStatus> quotas = allocator.quotas();
        List<String> problems = new ArrayList<>();
        for (QuotaStatus quota : quotas) {
            if (quota.limitsNothing()) {
                problems.add("quota " + quota.pid() + " limits nothing: no heap listed is of type " + quota.heapType());
            }
            if (!quota.inForce()) {
                problems.add("quota " + quota.pid() + ": its last update was refused (" + quota.refusal() + "); "
                        + (quota.bundles() == null ? "no limit is in force for it" : "the limits from before stay"));
            }
        }
        return HeapHealth.result(problems, Result.Status.WARN, quotas.isEmpty() ? "no quota is configured"
                : HeapHealth.count(quotas.size(), "quota") + " in force");
    }
}
