package heap.api;

/** Which coherency domains a heap supports; every field is defined (absent FIDL fields are {@code false}). */
public record CoherencyDomainSupport(boolean cpuSupported, boolean ramSupported, boolean inaccessibleSupported) {

    public static final CoherencyDomainSupport ALL = new CoherencyDomainSupport(true, true, true);
    public static final CoherencyDomainSupport INACCESSIBLE_ONLY = new CoherencyDomainSupport(false, false, true);

    public boolean supports(CoherencyDomain domain) {
        return switch (domain) {
            case CPU -> cpuSupported;
            case RAM -> ramSupported;
            case INACCESSIBLE -> inaccessibleSupported;
        };
    }

    /**
     * The supported domains as operators read them, in CoherencyDomain order: {@code [cpu, ram, inaccessible]}.
     *
     * @since 1.2
     */
    public java.util.List<String> names() {
        java.util.List<String> names = new java.util.ArrayList<>(3);
        for (CoherencyDomain domain : CoherencyDomain.values()) {
            if (supports(domain)) {
                names.add(domain.name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        return names;
    }

    /** True for secure heaps: only the inaccessible domain, so the CPU can never touch the memory. */
    public boolean onlyInaccessible() {
        return inaccessibleSupported && !cpuSupported && !ramSupported;
    }
}
