package heap.api;

import heap.api.internal.Require;
import java.util.Map;

/**
 * The settings a heap receives with each allocation. {@code imageFormatConstraints} is opaque to most
 * heaps (an empty map when the collection has none; else the image format its participants agreed on, as
 * {@code pixel_format}, {@code pixel_format_modifier}, {@code color_space}, {@code width}, {@code height} and
 * {@code bytes_per_row}); heaps are encouraged to ignore it.
 */
public record SingleBufferSettings(BufferMemorySettings bufferSettings, Map<String, String> imageFormatConstraints) {

    public SingleBufferSettings {
        Require.argument(bufferSettings, "bufferSettings");
        imageFormatConstraints = Map.copyOf(Require.argument(imageFormatConstraints, "imageFormatConstraints"));
    }

    public SingleBufferSettings(BufferMemorySettings bufferSettings) {
        this(bufferSettings, Map.of());
    }
}
