package heap.api.allocator;

import heap.api.SingleBufferSettings;
import heap.api.vmo.Vmo;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * An allocated collection. Its buffers live while any client handle, child or mapping of them is open;
 * {@link #close()} closes the handles this object holds (a client's duplicates keep their buffers alive). A
 * collection dropped without closing is a leak: the garbage collector closes its handles and it is logged.
 */
@ProviderType
public interface BufferCollection extends AutoCloseable {
    /** The collection id (unsigned 64-bit), as {@link BufferAllocator#getVmoInfo} reports it. */
    long id();

    /** The settings chosen: heap, coherency domain, sizes, contiguous, secure. */
    SingleBufferSettings settings();

    /** One client VMO per buffer, in index order. */
    List<Vmo> buffers();

    @Override
    void close();
}
