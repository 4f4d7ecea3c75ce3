package heap.memory;

/**
 * Keeps a stripe's fields and lock off the cache lines of the stripes allocated next to it, so a core taking one
 * stripe does not slow the core using its neighbour (false sharing). A stripe's fields go in a class extending
 * {@link Before}; the class used extends that one and {@link #AFTER} names its trailing padding fields.
 */
public final class Padding {
    /** What the trailing padding is for, in a comment next to it: 64 bytes of {@code long}s. */
    public static final int AFTER = 64;

    private Padding() {
    }

    /** 64 bytes of fields laid out before a subclass's own. */
    @SuppressWarnings("unused")
    public abstract static class Before {
        private long p0, p1, p2, p3, p4, p5, p6, p7;
    }
}
