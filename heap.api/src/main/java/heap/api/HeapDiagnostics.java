package heap.api;

import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/** Integrity checks a heap can run on demand (e.g. the contiguous pool's guard pages), beside {@link Heap}. */
@ConsumerType
public interface HeapDiagnostics {
    /** Runs every check now; returns one line per problem found (empty when all is well). */
    List<String> checkIntegrity();
}
