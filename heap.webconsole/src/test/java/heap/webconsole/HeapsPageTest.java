package heap.webconsole;

import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.allocator.NegotiationStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the Heaps page shows of the allocator's figures (the in-framework OperatorViewTest checks the served page). */
class HeapsPageTest {

    /** A2: a shared collection shows how long it has waited, where each participant stands, and whom it waits for. */
    @Test
    void aSharedCollectionShowsHowLongItWaitedAndEachParticipant() {
        NegotiationStatus pending = new NegotiationStatus(12, "frames", "pending", "", List.of(
                new NegotiationStatus.Participant("camera", "camera 1.0.0 [5]", "constraints set"),
                new NegotiationStatus.Participant("decoder", "camera 1.0.0 [5]", "token, not bound", true)), "",
                Duration.ofSeconds(7));
        String html = HeapsPage.content(new HeapsPage.Snapshot(List.of(), List.of(), List.of(pending), List.of(),
                List.of(), Map.of(), List.of()));
        assertTrue(html.contains("<th>Waited</th>"), html);
        assertTrue(html.contains("<tr data-negotiation=\"12\"><td>12</td><td>frames</td><td>pending</td><td>7 s</td>"
                + "<td>decoder</td><td>camera 1.0.0 [5]</td><td>token, not bound (waited for)</td></tr>"), html);
        assertTrue(html.contains("<td>camera</td><td>camera 1.0.0 [5]</td><td>constraints set</td></tr>"), html);
    }
}
