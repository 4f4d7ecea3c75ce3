package heap.api.internal;

/**
 * 128 bytes laid out before a subclass's fields, the compressed header's spare 4 bytes taken first, so fields one
 * thread writes often share no cache line (or Intel's line pair) with whatever the JVM places before the object;
 * the class instantiated declares 128 bytes of {@code long}s after its fields too (heap.memory.Padding, measured
 * there, is the same for the heaps).
 */
@SuppressWarnings("unused")
abstract class PaddedBefore {
    private int headerGap;
    private long p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15;
}
