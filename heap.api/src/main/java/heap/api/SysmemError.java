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
    UNSPECIFIED,
    /**
     * A negotiation with token groups tried 64 combinations of their children and none could be allocated (sysmem's
     * kMaxGroupChildCombinations). @since 1.5
     */
    TOO_MANY_GROUP_CHILD_COMBINATIONS
}
