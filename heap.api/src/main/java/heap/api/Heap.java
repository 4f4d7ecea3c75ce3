package heap.api;

import heap.api.vmo.Vmo;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A memory heap ({@code fuchsia.sysmem2.Heap}), registered as an OSGi service with the properties
 * {@link #HEAP_TYPE} and {@link #HEAP_ID}. Heap bundles implement it; the registry consumes it.
 *
 * <p>Rules a heap follows (the conformance kit checks each):
 * <ul>
 * <li>{@link #bind} sends OnRegister to the listener exactly once, before {@code bind} returns.
 * <li>{@link #allocateVmo} returns a SLICE or REFERENCE child of a parent the heap keeps, and keeps no handle or
 *     mapping of that child. When every handle to the child and its descendants is closed, ZERO_CHILDREN on the
 *     parent makes the heap reclaim the buffer, whether or not {@link #deleteVmo} is ever called.
 * <li>Closing a {@link HeapBinding} (the channel) triggers no per-buffer cleanup.
 * </ul>
 */
@ConsumerType
public interface Heap {
    /** Service property: the heap's {@code heap_type} (String, at most 128 characters). */
    String HEAP_TYPE = "heap.type";
    /** Service property: the heap's unsigned 64-bit id (Long; absent means 0). */
    String HEAP_ID = "heap.id";
    /**
     * Service property: {@code true} (Boolean or "true") when the heap is secure — its memory is protected from the
     * CPU, as sysmem learns of its secure heaps from SecureMem. Only such heaps receive {@code secure_required}
     * buffers; a heap that is merely inaccessible-only (device-local memory) never does. A secure heap must
     * support only the inaccessible domain (the conformance kit checks it).
     *
     * @since 1.1
     */
    String SECURE = "heap.secure";

    /**
     * Binds a consumer. The heap calls {@link HeapEventListener#onRegister} exactly once for this binding,
     * before returning. Closing the returned binding is the channel closing: outstanding buffers stay valid.
     */
    HeapBinding bind(HeapEventListener listener);

    /**
     * Allocates a buffer of {@code size} bytes. The caller rounds {@code size} up to a page; heaps reject a size
     * that is zero, not page aligned (INVALID_ARGS) or above {@code Long.MAX_VALUE} (OUT_OF_RANGE), and fail with
     * NO_MEMORY when they cannot hold it. The collection id and index are unsigned and kept as given.
     *
     * @throws StatusException with the reason the heap could not allocate; the heap's state is then unchanged
     */
    Vmo allocateVmo(long size, SingleBufferSettings settings, long bufferCollectionId, long bufferIndex);

    /**
     * Deletes a buffer. {@code vmo} is the handle {@link #allocateVmo} returned, normally its only remaining
     * handle; the heap closes it. The stage completes only once the buffer's resources are reclaimed.
     *
     * @throws StatusException NOT_FOUND for a VMO or id this heap did not hand out, INVALID_ARGS when the id and
     *         index do not match the VMO, BAD_HANDLE for a closed handle; the VMO is then left untouched
     */
    CompletionStage<Void> deleteVmo(long bufferCollectionId, long bufferIndex, Vmo vmo);
}
