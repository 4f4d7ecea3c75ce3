package heap.api.internal;

import heap.api.Status;
import heap.api.StatusException;
import heap.api.SysmemError;
import heap.api.SysmemException;

/** Missing arguments fail with the error their API documents, naming the argument, instead of a bare NPE. */
public final class Require {
    private Require() {
    }

    /** For VMO and heap operations: INVALID_ARGS. */
    public static <T> T argument(T value, String name) {
        if (value == null) {
            throw new StatusException(Status.INVALID_ARGS, name + " is null");
        }
        return value;
    }

    /** For allocator requests and constraints: PROTOCOL_DEVIATION, as sysmem answers a malformed message. */
    public static <T> T field(T value, String name) {
        if (value == null) {
            throw new SysmemException(SysmemError.PROTOCOL_DEVIATION, name + " is null");
        }
        return value;
    }

    /** As {@link #field}, and for each element too (immutable collections cannot even be asked for null). */
    public static <C extends Iterable<?>> C elements(C values, String name) {
        for (Object value : field(values, name)) {
            field(value, "an element of " + name);
        }
        return values;
    }
}
