package heap.api.spi;

import heap.api.vmo.Vmo;
import heap.api.vmo.VmoRight;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Who holds handles — in OSGi, a bundle, as a process in Zircon. A handle made through an owner, and every
 * duplicate, child and mapping later made from it, belongs to that owner until another owner adopts the handle.
 * {@link #release()} closes what the owner still holds, as the kernel does for a process that dies: its handles
 * and shared mappings. A confined mapping can only be closed on its own thread, so it is not the owner's to
 * close: it keeps its memory (never reused) until it is closed or collected. Create one with
 * {@link Vmos#owner(String)}.
 */
@ProviderType
public interface VmoOwner {

    /** What {@link #release()} closed. */
    record Release(int handles, int sharedMappings) {
    }

    /** For logs: the bundle it stands for. */
    String name();

    /**
     * A REFERENCE child of {@code parent} (any handle with DUPLICATE and READ) that belongs to this owner. BAD_STATE
     * once this owner is released.
     */
    Vmo createReference(Vmo parent);

    /** As {@link #createReference(Vmo)}, with at most {@code rights} (those of {@code parent} it also has). */
    Vmo createReference(Vmo parent, Set<VmoRight> rights);

    /**
     * Makes an open handle belong to this owner (Zircon moves a handle when it is sent): its previous owner's
     * release no longer touches it. Mappings made from it earlier stay with their owner. BAD_HANDLE for a closed
     * handle, BAD_STATE once this owner is released, INVALID_ARGS for a handle of another implementation.
     */
    void adopt(Vmo handle);

    /** True while {@code handle} is open and belongs to this owner. */
    boolean owns(Vmo handle);

    /** Open handles and shared mappings that belong to this owner. */
    int openLeases();

    /** True once {@link #release()} ran: nothing can be made for or adopted by this owner any more. */
    boolean isReleased();

    /** Closes every handle and shared mapping the owner holds (once; later calls close nothing). */
    Release release();
}
