package heap.api.allocator;

/** Where a bound heap stands with the allocator. */
public enum HeapState {
    /** Bound, waiting for its OnRegister. */
    PENDING,
    /** Registered and routable: new allocations of its HeapId go to it. */
    ACTIVE,
    /** Gone or replaced by another instance of its HeapId: no new allocations, still deletes its outstanding buffers. */
    DRAINING,
    /** Broke the protocol (OnRegister twice or never): never routed. */
    QUARANTINED
}
