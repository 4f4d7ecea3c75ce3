package heap.api;

import org.osgi.annotation.versioning.ConsumerType;

/** One consumer's binding to a heap (the heap's channel). Closing it frees no buffer. */
@ConsumerType
@FunctionalInterface
public interface HeapBinding extends AutoCloseable {
    @Override
    void close();
}
