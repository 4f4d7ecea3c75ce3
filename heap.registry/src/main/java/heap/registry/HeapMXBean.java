package heap.registry;

import java.util.Map;

/**
 * One bound heap as a JMX client sees it ({@code heap.platform:type=Heap,heapType=…,id=…,serviceId=…}): its state,
 * bundle and properties, the registry's counts for it and every metric the heap publishes. It appears when the heap
 * service is bound and goes once the heap has drained, so jconsole shows the truth across hot-swaps.
 */
public interface HeapMXBean {
    String getHeapType();

    long getHeapId();

    long getServiceId();

    int getRanking();

    String getBundle();

    /** pending, active, draining or quarantined. */
    String getState();

    String getReason();

    String getDomains();

    boolean isNeedClear();

    boolean isNeedFlush();

    long getLiveBuffers();

    long getClears();

    long getFlushes();

    long getFailures();

    long getLostBuffers();

    /** The heap's own metrics (used_size, capacity, …), as the heap publishes them now. */
    Map<String, Long> getMetrics();
}
