package heap.api.allocator;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What {@link BufferAllocator#getVmoInfo} answers for a VMO the allocator handed out: its collection and index, and
 * for a weak VMO its buffer's close_weak_asap ({@link BufferCollection#closeWeakAsap}, empty for a strong one; since
 * 1.8).
 */
public record VmoInfo(long bufferCollectionId, long bufferIndex, Optional<CompletionStage<Void>> closeWeakAsap) {
    public VmoInfo {
        Objects.requireNonNull(closeWeakAsap, "closeWeakAsap");
    }

    /** A strong VMO's answer. */
    public VmoInfo(long bufferCollectionId, long bufferIndex) {
        this(bufferCollectionId, bufferIndex, Optional.empty());
    }
}
