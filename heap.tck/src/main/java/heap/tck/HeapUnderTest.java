package heap.tck;

import heap.api.BufferMemorySettings;
import heap.api.CoherencyDomain;
import heap.api.CoherencyDomainSupport;
import heap.api.Heap;
import heap.api.HeapId;
import heap.api.HeapMetrics;
import heap.api.HeapProperties;
import heap.api.SingleBufferSettings;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The hook through which a heap tells the kit what it needs: the heap, its id, and its {@link HeapMetrics}
 * ({@code live_buffers}, {@code used_size}, {@code reclaimed}, and {@code capacity} when bounded). Whether the
 * heap is CPU accessible comes from its own OnRegister properties.
 */
public final class HeapUnderTest {
    private final HeapId id;
    private final Heap heap;
    private final HeapMetrics metrics;
    private final HeapProperties properties;
    private final boolean declaredSecure;

    /** Binds the heap once to learn its properties (the binding is closed again at once). */
    public HeapUnderTest(HeapId id, Heap heap, HeapMetrics metrics) {
        this(id, heap, metrics, false);
    }

    /** As above, for a heap that declares itself secure ({@link Heap#SECURE}) or not. */
    public HeapUnderTest(HeapId id, Heap heap, HeapMetrics metrics, boolean declaredSecure) {
        this.id = Objects.requireNonNull(id, "id");
        this.heap = Objects.requireNonNull(heap, "heap");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        HeapProperties[] received = new HeapProperties[1];
        heap.bind(sent -> received[0] = sent).close();
        if (received[0] == null) {
            throw new AssertionError("heap " + id + " sent no OnRegister on bind");
        }
        this.properties = received[0];
        this.declaredSecure = declaredSecure;
    }

    /** True when the heap's service declares {@link Heap#SECURE}. */
    public boolean declaredSecure() {
        return declaredSecure;
    }

    /** The same heap, declaring itself secure (as its service property {@link Heap#SECURE} would). */
    public HeapUnderTest declaringSecure() {
        return new HeapUnderTest(id, heap, metrics, true);
    }

    public HeapId id() {
        return id;
    }

    public Heap heap() {
        return heap;
    }

    public HeapMetrics metrics() {
        return metrics;
    }

    /** For a heap object that also implements {@link HeapMetrics}, as every heap of this platform does. */
    public static HeapUnderTest of(HeapId id, Heap heap) {
        if (!(heap instanceof HeapMetrics metrics)) {
            throw new IllegalArgumentException("heap " + id + " (" + heap.getClass().getName()
                    + ") does not implement HeapMetrics; pass its metrics with new HeapUnderTest(id, heap, metrics)");
        }
        return new HeapUnderTest(id, heap, metrics);
    }

    /** For a heap service: its id from {@code heap.type} and {@code heap.id}, and {@code heap.secure}. */
    public static HeapUnderTest of(Map<String, ?> serviceProperties, Heap heap) {
        HeapUnderTest plain = of(HeapId.fromServiceProperties(serviceProperties), heap);
        Object secure = serviceProperties.get(Heap.SECURE);
        return Boolean.TRUE.equals(secure) || "true".equals(secure) ? plain.declaringSecure() : plain;
    }

    /** The properties the heap sent on its first bind. */
    public HeapProperties properties() {
        return properties;
    }

    /** True when the CPU can map the heap's buffers (it supports the CPU or RAM domain). */
    public boolean cpuAccessible() {
        CoherencyDomainSupport support = properties.coherencyDomainSupport();
        return support.cpuSupported() || support.ramSupported();
    }

    public OptionalLong capacity() {
        Long capacity = metrics.metrics().get(HeapMetrics.CAPACITY);
        return capacity == null ? OptionalLong.empty() : OptionalLong.of(capacity);
    }

    public long metric(String key) {
        Long value = metrics.metrics().get(key);
        if (value == null) {
            throw new AssertionError("heap " + id + " publishes no metric " + key);
        }
        return value;
    }

    /** Settings for one buffer of {@code size} bytes on this heap, in the first domain it supports. */
    public SingleBufferSettings settings(long size) {
        CoherencyDomainSupport support = properties.coherencyDomainSupport();
        CoherencyDomain domain = support.cpuSupported() ? CoherencyDomain.CPU
                : support.ramSupported() ? CoherencyDomain.RAM : CoherencyDomain.INACCESSIBLE;
        boolean secure = support.onlyInaccessible();
        return new SingleBufferSettings(new BufferMemorySettings(size, false, secure, domain, id, size, 0));
    }

    @Override
    public String toString() {
        return id.toString();
    }
}
