package heap.api.allocator;

import heap.api.internal.Require;
import java.util.EnumSet;
import java.util.Set;

/**
 * One image format a participant accepts ({@code fuchsia.sysmem2.ImageFormatConstraints}, the fields this platform
 * negotiates): a pixel format and modifier (0: linear), the color spaces, the image size range, and the row layout.
 * Content is checked at aggregation, as sysmem does, and refused there with CONSTRAINTS_INTERSECTION_EMPTY. @since 1.8
 */
public record ImageFormatConstraints(PixelFormat pixelFormat, long pixelFormatModifier, Set<ColorSpace> colorSpaces,
        int minWidth, int minHeight, int maxWidth, int maxHeight, int minBytesPerRow, int bytesPerRowDivisor) {

    /** sysmem's FORMAT_MODIFIER_LINEAR. */
    public static final long LINEAR = 0;

    public ImageFormatConstraints {
        Require.field(pixelFormat, "pixelFormat");
        colorSpaces = Set.copyOf(Require.elements(colorSpaces, "colorSpaces"));
    }

    public static Builder builder(PixelFormat pixelFormat) {
        return new Builder(pixelFormat);
    }

    public static final class Builder {
        private final PixelFormat pixelFormat;
        private long modifier = LINEAR;
        private final Set<ColorSpace> colorSpaces = EnumSet.noneOf(ColorSpace.class);
        private int minWidth;
        private int minHeight;
        private int maxWidth = Integer.MAX_VALUE;
        private int maxHeight = Integer.MAX_VALUE;
        private int minBytesPerRow;
        private int bytesPerRowDivisor = 1;

        private Builder(PixelFormat pixelFormat) {
            this.pixelFormat = pixelFormat;
        }

        public Builder pixelFormatModifier(long modifier) {
            this.modifier = modifier;
            return this;
        }

        public Builder colorSpaces(ColorSpace... spaces) {
            colorSpaces.addAll(Set.of(spaces));
            return this;
        }

        /** The smallest image the participant needs: the buffers are sized for it. */
        public Builder minSize(int width, int height) {
            this.minWidth = width;
            this.minHeight = height;
            return this;
        }

        public Builder maxSize(int width, int height) {
            this.maxWidth = width;
            this.maxHeight = height;
            return this;
        }

        public Builder minBytesPerRow(int bytes) {
            this.minBytesPerRow = bytes;
            return this;
        }

        public Builder bytesPerRowDivisor(int divisor) {
            this.bytesPerRowDivisor = divisor;
            return this;
        }

        public ImageFormatConstraints build() {
            return new ImageFormatConstraints(pixelFormat, modifier, colorSpaces, minWidth, minHeight, maxWidth,
                    maxHeight, minBytesPerRow, bytesPerRowDivisor);
        }
    }
}
