package heap.api.allocator;

/**
 * The pixel formats this platform lays out (a subset of sysmem's PixelFormat): plane 0's bytes per pixel, and the
 * image's bytes as a multiple of plane 0's (the chroma planes of 4:2:0 formats add half). @since 1.8
 */
public enum PixelFormat {
    R8G8B8A8(4, 1, 1),
    B8G8R8A8(4, 1, 1),
    R8G8B8(3, 1, 1),
    L8(1, 1, 1),
    /** 4:2:0, a luma plane and one interleaved chroma plane. */
    NV12(1, 3, 2),
    /** 4:2:0, a luma plane and two chroma planes. */
    I420(1, 3, 2);

    private final int bytesPerPixel;
    private final int sizeNumerator;
    private final int sizeDenominator;

    PixelFormat(int bytesPerPixel, int sizeNumerator, int sizeDenominator) {
        this.bytesPerPixel = bytesPerPixel;
        this.sizeNumerator = sizeNumerator;
        this.sizeDenominator = sizeDenominator;
    }

    /** Bytes per pixel of the first plane. */
    public int bytesPerPixel() {
        return bytesPerPixel;
    }

    /** The bytes of an image whose first plane has {@code bytesPerRow} and {@code height} rows. */
    public long imageBytes(long bytesPerRow, long height) {
        return Math.ceilDiv(Math.multiplyExact(Math.multiplyExact(bytesPerRow, height), sizeNumerator),
                sizeDenominator);
    }
}
