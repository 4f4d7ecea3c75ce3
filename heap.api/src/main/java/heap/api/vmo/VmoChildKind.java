package heap.api.vmo;

/** How a child VMO shares its parent's pages. */
public enum VmoChildKind {
    /** A range of the parent, sharing its pages. */
    SLICE,
    /** The whole parent, sharing its pages. */
    REFERENCE
}
