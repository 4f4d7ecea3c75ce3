package heap.api.vmo;

import org.osgi.annotation.versioning.ProviderType;

/** A listener registration; {@link #close()} removes the listener and is idempotent. */
@ProviderType
public interface Registration extends AutoCloseable {
    @Override
    void close();
}
