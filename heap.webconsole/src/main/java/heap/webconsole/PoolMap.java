package heap.webconsole;

import heap.api.PoolRegion;
import java.util.List;
import java.util.Map;

/**
 * A heap's pool drawn as SVG: one bar, the pool's edges at its ends; each buffer a rectangle in its owner's colour,
 * guard pages dark, free gaps light, the largest free gap outlined. Hovering a rectangle shows what it is (an SVG
 * title, so no script is needed). Regions too narrow to see are still drawn, one pixel wide.
 */
final class PoolMap {
    static final int WIDTH = 1000;
    static final int HEIGHT = 48;

    private PoolMap() {
    }

    /** {@code ownerOfCollection}: collection id to owning bundle; a buffer of an unknown collection is "unowned". */
    static String svg(String heapName, long capacity, List<PoolRegion> regions, Map<Long, String> ownerOfCollection) {
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
        for (PoolRegion region : regions) {
            double x = WIDTH * (double) region.offset() / capacity;
            double width = Math.max(1, WIDTH * (double) region.size() / capacity);
            String where = "offset " + region.offset() + ", size " + region.size() + " (" + Html.bytes(region.size()) + ")";
            switch (region.kind()) {
                case BUFFER -> {
                    String owner = ownerOfCollection.getOrDefault(region.collectionId(), "unowned");
                    rect(svg, "buffer", x, width, Html.ownerColour(owner), "data-owner=\"" + Html.escape(owner)
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
        }
        return svg.append("</svg>").toString();
    }

    private static void rect(StringBuilder svg, String cssClass, double x, double width, String fill, String extra,
            String title) {
        svg.append(String.format(java.util.Locale.ROOT,
                "<rect class=\"%s\" x=\"%.2f\" y=\"4\" width=\"%.2f\" height=\"%d\" fill=\"%s\" %s><title>%s</title></rect>",
                cssClass, x, width, HEIGHT - 8, fill, extra, Html.escape(title)));
    }
}
