package heap.memory;

/**
 * Keeps a stripe's fields and lock off the cache lines of the stripes allocated next to it, so a core taking one
 * stripe does not slow the core using its neighbour (false sharing). A stripe's fields go in a class extending
 * {@link Before}; the class instantiated extends that one and declares 64 bytes of {@code long}s after them (the
 * JVM lays out a superclass's fields first, so only a class hierarchy fixes the order).
 */
public final class Padding {
    private Padding() {
    }

    /** 64 bytes of fields laid out before a subclass's own. */
    @SuppressWarnings("unused")
    public abstract static class Before {
        private long p0, p1, p2, p3, p4, p5, p6, p7;
    }
}
