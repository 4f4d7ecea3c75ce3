package heap.api;

/** The errors a client of the buffer allocator sees ({@code fuchsia.sysmem2.Error}). */
public enum SysmemError {
    /** Every heap failure reaches the client as this; the heap's own status is kept in logs and diagnostics. */
    NO_MEMORY,
    CONSTRAINTS_INTERSECTION_EMPTY,
    PROTOCOL_DEVIATION,
    NOT_FOUND,
    HANDLE_ACCESS_DENIED,
    PENDING,
    UNSPECIFIED
}
