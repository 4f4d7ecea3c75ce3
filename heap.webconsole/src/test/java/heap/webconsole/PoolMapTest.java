package heap.webconsole;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.PoolRegion;
import heap.api.PoolRegion.Kind;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PoolMapTest {
    private static final List<PoolRegion> LAYOUT = List.of(
            new PoolRegion(0, 4096, Kind.GUARD, 0, 0, 0),
            new PoolRegion(4096, 8192, Kind.BUFFER, 1, 0, 1001),
            new PoolRegion(12288, 4096, Kind.GUARD, 0, 0, 0),
            new PoolRegion(16384, 16384, Kind.FREE, 0, 0, 0),
            new PoolRegion(32768, 4096, Kind.BUFFER, 2, 3, 1002),
            new PoolRegion(36864, 61440, Kind.FREE, 0, 0, 0));

    @Test
    void eachBufferIsOneRectInItsOwnersColourNamedInItsTitle() {
        String svg = PoolMap.svg("pool", 98304, LAYOUT, Map.of(1L, "camera [5]", 2L, "codec <b> [6]"));
        List<String> buffers = elements(svg, "<rect class=\"buffer\"[^>]*>");
        assertEquals(2, buffers.size());
        assertTrue(buffers.get(0).contains("fill=\"" + Html.ownerColour("camera [5]") + "\""));
        assertNotEquals(Html.ownerColour("camera [5]"), Html.ownerColour("codec <b> [6]"), "two owners, two colours");
        assertTrue(svg.contains("<title>collection 2 index 3 koid 1002, offset 32768, size 4096 (4.0 KiB), owner codec "
                + "&lt;b&gt; [6]</title>"), "hover names collection, index, koid, offset, size and owner, escaped");
        assertFalse(svg.contains("<b>"), "an owner's name cannot inject markup");
    }

    @Test
    void guardsAreDrawnAndOnlyTheLargestFreeGapIsMarked() {
        String svg = PoolMap.svg("pool", 98304, LAYOUT, Map.of());
        assertEquals(2, elements(svg, "<rect class=\"guard\"[^>]*>").size());
        List<String> largest = elements(svg, "<rect class=\"free largest\"[^>]*>");
        assertEquals(1, largest.size());
        assertTrue(svg.contains(largest.get(0) + "<title>largest free region, offset 36864, size 61440"), svg);
        assertEquals(1, elements(svg, "<rect class=\"free\"[^>]*>").size());
        assertTrue(svg.contains("data-owner=\"unowned\""), "a buffer of no known collection is shown as unowned");
    }

    @Test
    void aBufferTooSmallToSeeAtTrueScaleStillShowsAndRegionsKeepPoolOrder() {
        String svg = PoolMap.svg("pool", 1L << 40, List.of(new PoolRegion(0, 4096, Kind.BUFFER, 1, 0, 1),
                new PoolRegion(4096, (1L << 40) - 8192, Kind.FREE, 0, 0, 0),
                new PoolRegion((1L << 40) - 4096, 4096, Kind.BUFFER, 2, 0, 2)), Map.of(1L, "a", 2L, "b"));
        List<String> rects = elements(svg, "<rect [^>]*>");
        assertTrue(Double.parseDouble(attribute(rects.get(0), "width")) >= 20, "a 4 KiB buffer in 1 TiB: " + rects.get(0));
        double end = 0;
        for (String rect : rects) {
            assertEquals(end, Double.parseDouble(attribute(rect, "x")), 0.02, "regions follow each other: " + rects);
            end += Double.parseDouble(attribute(rect, "width"));
        }
        assertEquals(PoolMap.WIDTH, end, 0.05, "the regions fill the bar");
    }

    @Test
    void aPoolOfManyRegionsDrawsTheFirstOnesAndOneRectangleForTheRest() {
        List<PoolRegion> many = new java.util.ArrayList<>();
        for (int i = 0; i < PoolMap.MAX_REGIONS + 1000; i++) {
            many.add(new PoolRegion(i * 4096L, 4096, i % 2 == 0 ? Kind.BUFFER : Kind.FREE, i, 0, i));
        }
        String svg = PoolMap.svg("pool", many.size() * 4096L, many, Map.of());
        assertEquals(PoolMap.MAX_REGIONS / 2, elements(svg, "<rect class=\"buffer\"[^>]*>").size());
        assertTrue(svg.contains("<title>1000 more regions from offset " + PoolMap.MAX_REGIONS * 4096L), "the rest named");
        assertTrue(svg.length() < 2_000_000, "the page stays light: " + svg.length() + " characters");
    }

    private static String attribute(String element, String name) {
        Matcher matcher = Pattern.compile(" " + name + "=\"([^\"]*)\"").matcher(element);
        return matcher.find() ? matcher.group(1) : null;
    }

    private static List<String> elements(String svg, String pattern) {
        Matcher matcher = Pattern.compile(pattern).matcher(svg);
        List<String> found = new java.util.ArrayList<>();
        while (matcher.find()) {
            found.add(matcher.group());
        }
        return found;
    }
}
