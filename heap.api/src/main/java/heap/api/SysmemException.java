package heap.api;

import java.util.Objects;

/** An allocator request failed with a {@link SysmemError}; the message names what was wrong. */
public class SysmemException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final SysmemError error;

    public SysmemException(SysmemError error, String message) {
        super(Objects.requireNonNull(error, "error") + ": " + message);
        this.error = error;
    }

    public SysmemException(SysmemError error, String message, Throwable cause) {
        this(error, message);
        initCause(cause);
    }

    public SysmemError error() {
        return error;
    }
}
