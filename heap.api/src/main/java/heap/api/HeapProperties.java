package heap.api;

import heap.api.internal.Require;

/**
 * What a heap tells its consumer in OnRegister. {@code needClear}: the consumer must zero each new VMO;
 * {@code needFlush}: the consumer must flush caches (also done whenever {@code needClear} is set).
 */
public record HeapProperties(CoherencyDomainSupport coherencyDomainSupport, boolean needClear, boolean needFlush) {

    public HeapProperties {
        Require.argument(coherencyDomainSupport, "coherencyDomainSupport");
    }

    /** Whether the consumer flushes a new VMO: {@code needClear || needFlush}, as the contract says. */
    public boolean flushRequired() {
        return needClear || needFlush;
    }

    /** As operators read it: {@code cpu,ram,inaccessible need_clear=true need_flush=true}. */
    @Override
    public String toString() {
        String domains = String.join(",", coherencyDomainSupport.names());
        return (domains.isEmpty() ? "no domain" : domains) + " need_clear=" + needClear + " need_flush=" + needFlush;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Fields left unset take the FIDL defaults: no domain supported, no clear, no flush. */
    public static final class Builder {
        private CoherencyDomainSupport support = new CoherencyDomainSupport(false, false, false);
        private boolean needClear;
        private boolean needFlush;

        public Builder coherencyDomainSupport(CoherencyDomainSupport support) {
            this.support = Require.argument(support, "coherencyDomainSupport");
            return this;
        }

        public Builder needClear(boolean needClear) {
            this.needClear = needClear;
            return this;
        }

        public Builder needFlush(boolean needFlush) {
            this.needFlush = needFlush;
            return this;
        }

        public HeapProperties build() {
            return new HeapProperties(support, needClear, needFlush);
        }
    }
}
