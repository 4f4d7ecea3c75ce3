package heap.api;

import java.util.Map;
import java.util.Objects;

/**
 * The settings a heap receives with each allocation. {@code imageFormatConstraints} is opaque to most
 * heaps (an empty map when the collection has none); heaps are encouraged to ignore it.
 */
public record SingleBufferSettings(BufferMemorySettings bufferSettings, Map<String, String> imageFormatConstraints) {

    public SingleBufferSettings {
        Objects.requireNonNull(bufferSettings, "bufferSettings");
        imageFormatConstraints = Map.copyOf(Objects.requireNonNull(imageFormatConstraints, "imageFormatConstraints"));
    }

    public SingleBufferSettings(BufferMemorySettings bufferSettings) {
        this(bufferSettings, Map.of());
    }
}
