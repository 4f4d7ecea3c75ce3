package heap.api;

/**
 * Page arithmetic on sizes that are unsigned 64-bit in the contract. Java holds them in a {@code long}, so a
 * value above {@link Long#MAX_VALUE} arrives negative: it is rejected, never wrapped.
 */
public final class Sizes {
    public static final long PAGE_SIZE = 4096;
    /** The largest size whose page rounding still fits: {@code Long.MAX_VALUE} rounded down to a page. */
    public static final long MAX_PAGE_ROUNDABLE = Long.MAX_VALUE & -PAGE_SIZE;

    private Sizes() {
    }

    /** Rounds up to a page; OUT_OF_RANGE for a size above {@code Long.MAX_VALUE} or one whose rounding overflows. */
    public static long pageRoundUp(long size) {
        requireNonNegative("size", size);
        if (size > MAX_PAGE_ROUNDABLE) {
            throw new StatusException(Status.OUT_OF_RANGE, "size " + size + " overflows when rounded up to a page");
        }
        return (size + PAGE_SIZE - 1) & -PAGE_SIZE;
    }

    public static boolean isPageAligned(long value) {
        return (value & (PAGE_SIZE - 1)) == 0;
    }

    /** OUT_OF_RANGE when {@code value}, read as unsigned, is above {@code Long.MAX_VALUE}. */
    public static void requireNonNegative(String what, long value) {
        if (value < 0) {
            throw new StatusException(Status.OUT_OF_RANGE,
                    what + " " + Long.toUnsignedString(value) + " is above Long.MAX_VALUE (" + Long.MAX_VALUE + ")");
        }
    }
}
