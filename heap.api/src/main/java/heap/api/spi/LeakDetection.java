package heap.api.spi;

/**
 * What the garbage collector watches to catch what was dropped without close, as Netty's leak detector levels do.
 * Watching costs a leak detector registration (a phantom reference) per object; closing is what frees memory either
 * way, and a bundle's handles, shared mappings and collections are closed when it stops, watched or not.
 *
 * @since 1.2
 */
public enum LeakDetection {
    /**
     * Nothing is watched. A handle or collection dropped without close comes back when its bundle stops (never, for a
     * plain-Java caller); a confined mapping dropped without close keeps its memory held back for good.
     */
    OFF,
    /**
     * The default: one handle, shared mapping or collection in {@link #SAMPLE_INTERVAL} is watched and reported when
     * leaked; every confined mapping is watched, because nothing else can give its memory back.
     */
    SAMPLED,
    /** Every handle, mapping and collection is watched and reported when leaked. */
    PARANOID;

    /** One object in this many is watched at {@link #SAMPLED}. */
    public static final int SAMPLE_INTERVAL = 128;

    /** The level named by the system property {@code heap.leak.detection} (off, sampled, paranoid), else SAMPLED. */
    public static LeakDetection fromSystemProperty() {
        String value = System.getProperty("heap.leak.detection");
        return value == null || value.isBlank() ? SAMPLED : parse(value);
    }

    /** {@code off}, {@code sampled} or {@code paranoid}, any case; IllegalArgumentException naming the value else. */
    public static LeakDetection parse(String value) {
        for (LeakDetection level : values()) {
            if (level.name().equalsIgnoreCase(value.trim())) {
                return level;
            }
        }
        throw new IllegalArgumentException("heap.leak.detection=" + value + " is not one of off, sampled, paranoid");
    }
}
