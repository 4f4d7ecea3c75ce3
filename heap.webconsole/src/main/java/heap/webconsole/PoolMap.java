package heap.webconsole;

import heap.api.PoolRegion;
import heap.api.Sizes;
import java.util.List;
import java.util.Map;

/**
 * A heap's pool drawn as SVG: one bar, regions in pool order; each buffer a rectangle in its owner's colour, guard
 * pages dark, free gaps light, the largest free gap outlined. Hovering a rectangle shows what it is (an SVG title, so
 * no script is needed). Widths grow with the logarithm of a region's size in pages: at true scale a 64 KiB buffer
 * in a 1 GiB pool would be a twentieth of a pixel; this way every region shows, and the titles give the sizes.
 */
final class PoolMap {
    static final int WIDTH = 1000;
    static final int HEIGHT = 48;
    /** Regions drawn one by one; past them, the rest of the pool is one grey rectangle (the page stays light). */
    static final int MAX_REGIONS = 4000;
    private static final long PAGE = Sizes.PAGE_SIZE;

    private PoolMap() {
    }

    /** {@code ownerOfCollection}: collection id to owning bundle; a buffer of an unknown collection is "unowned". */
    static String svg(String heapName, long capacity, List<PoolRegion> allRegions, Map<Long, String> ownerOfCollection) {
        List<PoolRegion> regions = allRegions;
        PoolRegion rest = null;
        if (allRegions.size() > MAX_REGIONS) {
            regions = allRegions.subList(0, MAX_REGIONS);
            PoolRegion last = allRegions.getLast();
            rest = new PoolRegion(allRegions.get(MAX_REGIONS).offset(), last.end() - allRegions.get(MAX_REGIONS).offset(),
                    PoolRegion.Kind.FREE, 0, 0, 0);
        }
        PoolRegion largestFree = null;
        for (PoolRegion region : regions) {
            if (region.kind() == PoolRegion.Kind.FREE && (largestFree == null || region.size() > largestFree.size())) {
                largestFree = region;
            }
        }
        StringBuilder svg = new StringBuilder();
        svg.append("<svg class=\"pool-map\" data-heap=\"").append(Html.escape(heapName)).append("\" width=\"")
                .append(WIDTH).append("\" height=\"").append(HEIGHT).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ')
                .append(HEIGHT).append("\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">");
        svg.append("<title>").append(Html.escape(heapName)).append(": ").append(Html.bytes(capacity)).append("</title>");
        double totalWeight = rest == null ? 0 : weight(rest);
        for (PoolRegion region : regions) {
            totalWeight += weight(region);
        }
        double x = 0;
        for (PoolRegion region : regions) {
            double width = WIDTH * weight(region) / totalWeight;
            String where = "offset " + region.offset() + ", size " + region.size() + " (" + Html.bytes(region.size()) + ")";
            switch (region.kind()) {
                case BUFFER -> {
                    String owner = ownerOfCollection.getOrDefault(region.collectionId(), "unowned");
                    rect(svg, "buffer", x, width, Html.ownerColour(owner), "stroke=\"#fff\" data-owner=\"" + Html.escape(owner)
                            + "\" data-collection=\"" + Long.toUnsignedString(region.collectionId()) + "\" data-koid=\""
                            + region.koid() + "\"", "collection " + Long.toUnsignedString(region.collectionId())
                            + " index " + Long.toUnsignedString(region.index()) + " koid " + region.koid() + ", "
                            + where + ", owner " + owner);
                }
                case GUARD -> rect(svg, "guard", x, width, "#333", "", "guard page, " + where);
                case FREE -> {
                    boolean largest = region == largestFree;
                    rect(svg, largest ? "free largest" : "free", x, width, "#e8e8e8",
                            largest ? "stroke=\"#c00\" stroke-width=\"2\"" : "",
                            (largest ? "largest free region, " : "free, ") + where);
                }
            }
            x += width;
        }
        if (rest != null) {
            rect(svg, "more", x, WIDTH - x, "#bbb", "", (allRegions.size() - MAX_REGIONS) + " more regions from offset "
                    + rest.offset() + " (" + Html.bytes(rest.size()) + "), not drawn one by one");
        }
        return svg.append("</svg>").toString();
    }

    /** 1 for a page, 2 for three pages, 21 for a GiB: log2(1 + pages). */
    private static double weight(PoolRegion region) {
        return Math.log1p((double) region.size() / PAGE) / Math.log(2);
    }

    private static void rect(StringBuilder svg, String cssClass, double x, double width, String fill, String extra,
            String title) {
        svg.append(String.format(java.util.Locale.ROOT,
                "<rect class=\"%s\" x=\"%.2f\" y=\"4\" width=\"%.2f\" height=\"%d\" fill=\"%s\" %s><title>%s</title></rect>",
                cssClass, x, width, HEIGHT - 8, fill, extra, Html.escape(title)));
    }
}
