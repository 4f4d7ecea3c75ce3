package heap.api;

import heap.api.internal.Require;
import java.util.Map;

/**
 * Identifies a heap: {@code heapType} (at most 128 characters) and an unsigned 64-bit {@code id}
 * (0 for a singleton heap). A heap service publishes both as the service properties
 * {@link Heap#HEAP_TYPE} and {@link Heap#HEAP_ID}.
 */
public record HeapId(String heapType, long id) {

    public static final int MAX_HEAP_TYPE_LENGTH = 128;
    public static final String SYSTEM_RAM_TYPE = "fuchsia.sysmem.heap.HEAP_TYPE.SYSTEM_RAM";
    public static final HeapId SYSTEM_RAM = new HeapId(SYSTEM_RAM_TYPE, 0);
    /** The contiguous pool: serves SYSTEM_RAM requests that need physically contiguous memory. */
    public static final HeapId CONTIGUOUS_SYSTEM_RAM = new HeapId("heap.platform.HEAP_TYPE.CONTIGUOUS_SYSTEM_RAM", 0);
    /** The secure (protected) pool: CPU-inaccessible memory. */
    public static final HeapId SECURE = new HeapId("heap.platform.HEAP_TYPE.SECURE", 0);

    public HeapId {
        Require.argument(heapType, "heap_type");
        if (heapType.isEmpty()) {
            throw new StatusException(Status.INVALID_ARGS, "heap_type is empty");
        }
        if (heapType.length() > MAX_HEAP_TYPE_LENGTH) {
            throw new StatusException(Status.INVALID_ARGS, "heap_type has " + heapType.length()
                    + " characters, more than " + MAX_HEAP_TYPE_LENGTH + ": " + heapType.substring(0, 32) + "...");
        }
    }

    /** Reads the id from a heap service's properties; a missing {@code heap.id} means 0. */
    public static HeapId fromServiceProperties(Map<String, ?> properties) {
        Require.argument(properties, "properties");
        Object type = properties.get(Heap.HEAP_TYPE);
        if (!(type instanceof String heapType)) {
            throw new StatusException(Status.INVALID_ARGS, "heap service has no String property " + Heap.HEAP_TYPE
                    + " (got " + type + ")");
        }
        return new HeapId(heapType, idOf(properties.get(Heap.HEAP_ID)));
    }

    /**
     * A {@code heap.id} property's value as the registry reads it: absent is 0, a number is taken as unsigned, text
     * as an unsigned decimal; anything else is INVALID_ARGS naming it. For whoever checks or shows an id before the
     * heap is registered (a configuration, a heap's own log name). @since 1.4
     */
    public static long idOf(Object id) {
        return switch (id) {
            case null -> 0L;
            case Number number -> number.longValue();
            case String text -> parseUnsigned(text);
            default -> throw new StatusException(Status.INVALID_ARGS, "heap service property " + Heap.HEAP_ID
                    + " is a " + id.getClass().getSimpleName() + ", not a number: " + id);
        };
    }

    private static long parseUnsigned(String text) {
        try {
            return Long.parseUnsignedLong(text.trim());
        } catch (NumberFormatException e) {
            throw new StatusException(Status.INVALID_ARGS, "heap service property " + Heap.HEAP_ID
                    + " is not an unsigned 64-bit number: " + text, e);
        }
    }

    @Override
    public String toString() {
        return heapType + "#" + Long.toUnsignedString(id);
    }
}
