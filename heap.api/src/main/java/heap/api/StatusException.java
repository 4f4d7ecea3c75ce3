package heap.api;

import java.util.Objects;

/** A heap or VMO operation failed with a {@link Status}; the message names the offending value. */
public class StatusException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final Status status;

    public StatusException(Status status, String message) {
        super(Objects.requireNonNull(status, "status") + ": " + message);
        this.status = status;
    }

    public StatusException(Status status, String message, Throwable cause) {
        this(status, message);
        initCause(cause);
    }

    public Status status() {
        return status;
    }
}
