package heap.memory;

/**
 * How many stripes the striped structures have (LiveSet, Budget, the zeroed cache, a bundle's counts), and which
 * one the calling thread uses: one count and one choice for all of them, so their stripes line up per thread.
 */
public final class Stripes {
    /** The smallest power of two at least the core count (and at least 2): a thread picks its stripe with a mask. */
    public static final int COUNT = Integer.highestOneBit(Math.max(2, Runtime.getRuntime().availableProcessors()) * 2 - 1);

    private Stripes() {
    }

    /** The calling thread's stripe, from 0 to {@link #COUNT} - 1. */
    public static int ofThisThread() {
        return (int) Thread.currentThread().threadId() & (COUNT - 1);
    }
}
