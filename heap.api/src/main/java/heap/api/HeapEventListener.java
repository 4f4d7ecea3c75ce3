package heap.api;

import org.osgi.annotation.versioning.ConsumerType;

/** Receives a heap's events; implemented by the heap's consumer (the registry). */
@ConsumerType
@FunctionalInterface
public interface HeapEventListener {
    /** OnRegister: the heap's properties, sent exactly once per binding, immediately on bind. */
    void onRegister(HeapProperties properties);
}
