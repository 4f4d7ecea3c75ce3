package heap.health;

import heap.api.allocator.BufferAllocator;
import heap.api.allocator.NegotiationStatus;
import java.time.Duration;
import java.util.stream.Collectors;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * WARN while a shared collection has waited 5 s or more for its participants (nothing times out: sysmem logs such a
 * collection, and so does the registry), naming the participants it waits for.
 */
@Component(property = {HealthCheck.NAME + "=Stalled shared collections", HealthCheck.TAGS + "=" + HeapHealth.TAG})
public class StalledNegotiationsCheck implements HealthCheck {
    private static final Duration STALLED = Duration.ofSeconds(5);

    private final BufferAllocator allocator;

    @Activate
    public StalledNegotiationsCheck(@Reference BufferAllocator allocator) {
        this.allocator = allocator;
    }

    @Override
    public Result execute() {
        return HeapHealth.result(allocator.negotiations().stream()
                .filter(negotiation -> negotiation.state().equals("pending") && negotiation.waited().compareTo(STALLED) >= 0)
                .map(StalledNegotiationsCheck::stalled).toList(),
                Result.Status.WARN, "no shared collection has waited " + STALLED.toSeconds() + " s for its participants");
    }

    private static String stalled(NegotiationStatus negotiation) {
        return "shared collection " + negotiation.id() + (negotiation.name().isEmpty() ? "" : " '" + negotiation.name()
                + "'") + " has waited " + negotiation.waited().toSeconds() + " s for " + negotiation.participants().stream()
                .filter(NegotiationStatus.Participant::blocking)
                .map(participant -> "'" + participant.name() + "' (bundle " + participant.bundle() + "): "
                        + participant.state())
                .collect(Collectors.joining("; "));
    }
}
