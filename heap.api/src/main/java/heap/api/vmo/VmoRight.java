package heap.api.vmo;

/** Rights a handle carries. A duplicate or child can only have fewer. */
public enum VmoRight {
    READ,
    WRITE,
    MAP,
    DUPLICATE
}
