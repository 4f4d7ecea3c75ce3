package heap.api;

/** The {@code zx.Status} codes that heaps and VMO operations fail with (values as in Zircon). */
public enum Status {
    INTERNAL(-1),
    NOT_SUPPORTED(-2),
    NO_MEMORY(-4),
    INVALID_ARGS(-10),
    BAD_HANDLE(-11),
    BAD_STATE(-20),
    TIMED_OUT(-21),
    NOT_FOUND(-25),
    ACCESS_DENIED(-30),
    OUT_OF_RANGE(-14);

    private final int code;

    Status(int code) {
        this.code = code;
    }

    /** The numeric {@code ZX_ERR_*} value. */
    public int code() {
        return code;
    }
}
