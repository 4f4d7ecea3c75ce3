package heap.api.allocator;

import heap.api.SingleBufferSettings;
import heap.api.vmo.Vmo;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
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

    /**
     * For a weak participant's collection ({@link CollectionNode#setWeak}), sysmem's close_weak_asap of buffer
     * {@code index}: completes once no strong node of the shared collection is left and the buffer's last strong
     * VMO is closed, or when the collection fails. Close your VMOs of that buffer then: weak VMOs still open 5 s
     * later are logged as a leak. The memory stays until they are closed. Empty for a strong participant's buffers.
     * IndexOutOfBoundsException for an index outside {@link #buffers()}. @since 1.8
     */
    default Optional<CompletionStage<Void>> closeWeakAsap(int index) {
        Objects.checkIndex(index, buffers().size());
        return Optional.empty();
    }

    @Override
    void close();
}
