package heap.registry;

import heap.api.allocator.ColorSpace;
import heap.api.allocator.ImageFormatConstraints;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Sysmem's image-format aggregation (logical_buffer_collection.cc AccumulateConstraintImageFormats and
 * AccumulateConstraintImageFormat), for the fields this platform negotiates: the formats every participant that
 * lists any accepts, matched by pixel format and modifier, each combined (color spaces intersected, the larger
 * minimum size and the smaller maximum, the larger minimum row, the row divisors' least common multiple) and dropped
 * when that leaves nothing. Pure functions; every refusal is CONSTRAINTS_INTERSECTION_EMPTY naming the cause.
 */
final class ImageFormats {
    /** Sysmem's limit of image-format entries per participant. */
    static final int MAX_FORMATS = 64;

    private ImageFormats() {
    }

    /**
     * The format chosen and the image it sizes the buffers for: {@code bytes} = rows × bytes per row (with the chroma
     * planes). What a heap gets in {@code SingleBufferSettings.imageFormatConstraints}: {@link #settings()}.
     */
    record Chosen(ImageFormatConstraints format, ColorSpace colorSpace, int width, int height, long bytesPerRow,
            long bytes) {
        Map<String, String> settings() {
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("pixel_format", format.pixelFormat().name());
            settings.put("pixel_format_modifier", Long.toUnsignedString(format.pixelFormatModifier()));
            settings.put("color_space", colorSpace.name());
            settings.put("width", Integer.toString(width));
            settings.put("height", Integer.toString(height));
            settings.put("bytes_per_row", Long.toString(bytesPerRow));
            return settings;
        }
    }

    /**
     * The format the participants agree on, or empty when none lists any. The order is the first listing
     * participant's (sysmem orders by a per-usage cost table this port does not have: its preference stands in).
     */
    static Optional<Chosen> aggregate(List<List<ImageFormatConstraints>> perParticipant, List<String> names) {
        List<ImageFormatConstraints> agreed = null;
        List<String> listing = new ArrayList<>();
        for (int i = 0; i < perParticipant.size(); i++) {
            List<ImageFormatConstraints> theirs = perParticipant.get(i);
            if (theirs.isEmpty()) {
                continue;
            }
            String who = "participant '" + names.get(i) + "'";
            check(theirs, who);
            listing.add(who);
            agreed = agreed == null ? new ArrayList<>(theirs) : intersect(agreed, theirs);
            if (agreed.isEmpty()) {
                throw Routing.refused("no image format is accepted by every participant that lists any ("
                        + String.join(", ", listing) + "): none is in all their lists with a color space and a "
                        + "size range in common");
            }
        }
        return agreed == null ? Optional.empty() : Optional.of(chosen(agreed.getFirst()));
    }

    /** Sysmem's CheckSanitizeImageFormatConstraints, for these fields. */
    private static void check(List<ImageFormatConstraints> formats, String who) {
        if (formats.size() > MAX_FORMATS) {
            throw Routing.refused(who + " lists " + formats.size() + " image formats, above the limit of "
                    + MAX_FORMATS);
        }
        for (ImageFormatConstraints format : formats) {
            String which = "image format " + format.pixelFormat() + " of " + who;
            if (format.colorSpaces().isEmpty()) {
                throw Routing.refused(which + " lists no color space");
            }
            if (format.minWidth() < 0 || format.minHeight() < 0 || format.minBytesPerRow() < 0) {
                throw Routing.refused(which + " has a negative minimum size or row");
            }
            if (format.bytesPerRowDivisor() < 1) {
                throw Routing.refused(which + " has bytes_per_row_divisor " + format.bytesPerRowDivisor()
                        + " (at least 1)");
            }
            if (format.minWidth() > format.maxWidth() || format.minHeight() > format.maxHeight()) {
                throw Routing.refused(which + " has a minimum size above its maximum");
            }
        }
    }

    /** The formats of {@code agreed} that {@code theirs} has too, each combined; those left empty dropped. */
    private static List<ImageFormatConstraints> intersect(List<ImageFormatConstraints> agreed,
            List<ImageFormatConstraints> theirs) {
        List<ImageFormatConstraints> kept = new ArrayList<>();
        for (ImageFormatConstraints ours : agreed) {
            for (ImageFormatConstraints other : theirs) {
                if (ours.pixelFormat() == other.pixelFormat()
                        && ours.pixelFormatModifier() == other.pixelFormatModifier()) {
                    combine(ours, other).ifPresent(kept::add);
                    break; // the first entry of that format in their list, as sysmem's loop takes
                }
            }
        }
        return kept;
    }

    private static Optional<ImageFormatConstraints> combine(ImageFormatConstraints a, ImageFormatConstraints b) {
        Set<ColorSpace> spaces = EnumSet.noneOf(ColorSpace.class);
        spaces.addAll(a.colorSpaces());
        spaces.retainAll(b.colorSpaces());
        int minWidth = Math.max(a.minWidth(), b.minWidth());
        int minHeight = Math.max(a.minHeight(), b.minHeight());
        int maxWidth = Math.min(a.maxWidth(), b.maxWidth());
        int maxHeight = Math.min(a.maxHeight(), b.maxHeight());
        long divisor = lcm(a.bytesPerRowDivisor(), b.bytesPerRowDivisor());
        if (spaces.isEmpty() || minWidth > maxWidth || minHeight > maxHeight || divisor > Integer.MAX_VALUE) {
            return Optional.empty();
        }
        return Optional.of(new ImageFormatConstraints(a.pixelFormat(), a.pixelFormatModifier(), spaces, minWidth,
                minHeight, maxWidth, maxHeight, Math.max(a.minBytesPerRow(), b.minBytesPerRow()), (int) divisor));
    }

    /** The image the agreed format sizes the buffers for: its minimum size, rows padded to the divisor. */
    private static Chosen chosen(ImageFormatConstraints format) {
        long row = Math.max(format.minBytesPerRow(), (long) format.minWidth() * format.pixelFormat().bytesPerPixel());
        long bytesPerRow = Math.ceilDiv(row, format.bytesPerRowDivisor()) * format.bytesPerRowDivisor();
        ColorSpace first = format.colorSpaces().stream().sorted().findFirst().orElseThrow();
        long bytes;
        try {
            bytes = format.pixelFormat().imageBytes(bytesPerRow, format.minHeight());
        } catch (ArithmeticException tooLarge) {
            throw Routing.refused("the agreed image format " + format.pixelFormat() + " at " + format.minWidth() + "x"
                    + format.minHeight() + " needs more than 2^63 bytes");
        }
        return new Chosen(format, first, format.minWidth(), format.minHeight(), bytesPerRow, bytes);
    }

    /**
     * Why the buffers' format ({@code buffers}, empty: none) does not fit a late participant's list, or null when it
     * does (sysmem's TryLateLogicalAllocation pins the image format): one of its entries must name the same pixel
     * format and modifier, include the color space, and allow the image and its rows.
     */
    static String misfit(Optional<Chosen> buffers, List<ImageFormatConstraints> theirs) {
        if (theirs.isEmpty()) {
            return null;
        }
        if (buffers.isEmpty()) {
            return "it needs an image format and the buffers have none";
        }
        Chosen image = buffers.get();
        for (ImageFormatConstraints format : theirs) {
            if (format.pixelFormat() == image.format().pixelFormat()
                    && format.pixelFormatModifier() == image.format().pixelFormatModifier()
                    && format.colorSpaces().contains(image.colorSpace())
                    && fits(format, image.width(), image.height(), image.bytesPerRow())) {
                return null;
            }
        }
        return "none of its image formats fits the buffers' " + image.format().pixelFormat() + " " + image.width()
                + "x" + image.height() + " in " + image.colorSpace();
    }

    private static boolean fits(ImageFormatConstraints format, int width, int height, long bytesPerRow) {
        return width >= format.minWidth() && width <= format.maxWidth() && height >= format.minHeight()
                && height <= format.maxHeight() && bytesPerRow >= format.minBytesPerRow()
                && bytesPerRow % format.bytesPerRowDivisor() == 0;
    }

    private static long lcm(long a, long b) {
        long x = a;
        long y = b;
        while (y != 0) {
            long t = x % y;
            x = y;
            y = t;
        }
        return a / x * b;
    }
}
