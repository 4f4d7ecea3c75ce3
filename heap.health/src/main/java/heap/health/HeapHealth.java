package heap.health;

import heap.api.allocator.HeapStatus;
import java.util.List;
import org.apache.felix.hc.api.FormattingResultLog;
import org.apache.felix.hc.api.Result;

/** What the checks share: a heap's name as operators read it, a count in words, a result from a list of findings. */
final class HeapHealth {
    static final String TAG = "heap";

    private HeapHealth() {
    }

    static String name(HeapStatus heap) {
        return heap.id().heapType() + "#" + heap.id().id() + " (" + heap.origin() + ")";
    }

    /** "1 buffer", "2 buffers". */
    static String count(long count, String noun) {
        return count + " " + noun + (count == 1 ? "" : "s");
    }

    /** {@code problems} at {@code status}, or OK with {@code allWell}. */
    static Result result(List<String> problems, Result.Status status, String allWell) {
        FormattingResultLog log = new FormattingResultLog();
        if (problems.isEmpty()) {
            log.info(allWell);
        } else if (status == Result.Status.CRITICAL) {
            problems.forEach(log::critical);
        } else {
            problems.forEach(log::warn);
        }
        return new Result(log);
    }
}
