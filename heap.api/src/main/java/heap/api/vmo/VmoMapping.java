package heap.api.vmo;

import java.lang.foreign.MemorySegment;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A mapping of a range of a VMO into this process. While open it keeps the VMO (and so its memory) alive, even
 * when every handle is closed. Its segment lives in the mapping's own arena: after {@link #close()} every access
 * through a kept segment throws {@link IllegalStateException}, so a stale segment can neither crash the JVM nor
 * see another buffer's bytes. Closing is idempotent; a mapping dropped without closing is closed by the garbage
 * collector with a leak warning.
 */
@ProviderType
public interface VmoMapping extends AutoCloseable {
    /** The mapped bytes; read-only unless mapped writable. BAD_STATE once the mapping is closed. */
    MemorySegment segment();

    long offset();

    long length();

    boolean writable();

    /** False for a {@link Vmo#map} mapping, which only its creating thread may use and close. */
    boolean isShared();

    boolean isClosed();

    @Override
    void close();
}
