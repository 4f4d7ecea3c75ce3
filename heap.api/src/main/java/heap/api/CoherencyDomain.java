package heap.api;

/** Where a buffer's data is kept coherent. Secure buffers are always {@link #INACCESSIBLE}. */
public enum CoherencyDomain {
    CPU,
    RAM,
    INACCESSIBLE
}
