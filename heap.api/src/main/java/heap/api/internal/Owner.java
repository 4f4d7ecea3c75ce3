package heap.api.internal;

import heap.api.Status;
import heap.api.StatusException;
import heap.api.spi.VmoOwner;
import heap.api.vmo.Vmo;
import heap.api.vmo.VmoRight;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The leases (handles and shared mappings) an owner holds, as an intrusive doubly linked list: linking and
 * unlinking cost a few field writes under this owner's lock, never a map lookup. A lease's owner field changes
 * only under the lock of the owner it names (lock order for an adoption: the lease, then an owner). Confined
 * mappings are not linked: only their own thread could close them, so they hold their memory until then.
 */
public final class Owner implements VmoOwner {
    private final String name;
    private VmoObject.Lease head; // guarded by this
    private int count; // guarded by this
    private boolean released; // guarded by this

    public Owner(String name) {
        this.name = Require.argument(name, "name");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Vmo createReference(Vmo parent) {
        return handle(parent).createReference(this);
    }

    @Override
    public Vmo createReference(Vmo parent, Set<VmoRight> rights) {
        return handle(parent).createReference(this, Require.argument(rights, "rights"));
    }

    @Override
    public void adopt(Vmo vmo) {
        handle(vmo).moveTo(this);
    }

    @Override
    public boolean owns(Vmo vmo) {
        return vmo instanceof VmoHandle handle && handle.owner() == this;
    }

    @Override
    public synchronized int openLeases() {
        return count;
    }

    @Override
    public synchronized boolean isReleased() {
        return released;
    }

    @Override
    public Release release() {
        List<VmoObject.Lease> leases;
        synchronized (this) {
            if (released) {
                return new Release(0, 0);
            }
            released = true;
            leases = snapshotLocked();
        }
        int handles = 0;
        int shared = 0;
        for (VmoObject.Lease lease : leases) {
            if (lease.endIfOpen()) {
                if (lease.kind() == VmoObject.Lease.Kind.HANDLE) {
                    handles++;
                } else {
                    shared++;
                }
            }
        }
        return new Release(handles, shared);
    }

    private List<VmoObject.Lease> snapshotLocked() {
        List<VmoObject.Lease> leases = new ArrayList<>(count);
        for (VmoObject.Lease lease = head; lease != null; lease = lease.nextInOwner) {
            leases.add(lease);
        }
        return leases;
    }

    /** Links a lease and makes this its owner; false once released or once the lease ended. */
    synchronized boolean link(VmoObject.Lease lease) {
        if (released || lease.isClosed()) {
            return false;
        }
        lease.nextInOwner = head;
        if (head != null) {
            head.prevInOwner = lease;
        }
        head = lease;
        count++;
        lease.setOwner(this);
        return true;
    }

    /** Unlinks the lease if this is still its owner. */
    synchronized boolean unlinkIfOwner(VmoObject.Lease lease) {
        if (lease.owner() != this) {
            return false;
        }
        if (lease.prevInOwner != null) {
            lease.prevInOwner.nextInOwner = lease.nextInOwner;
        } else {
            head = lease.nextInOwner;
        }
        if (lease.nextInOwner != null) {
            lease.nextInOwner.prevInOwner = lease.prevInOwner;
        }
        lease.prevInOwner = null;
        lease.nextInOwner = null;
        lease.setOwner(null);
        count--;
        return true;
    }

    private static VmoHandle handle(Vmo vmo) {
        if (!(Require.argument(vmo, "vmo") instanceof VmoHandle handle)) {
            throw new StatusException(Status.INVALID_ARGS, "not a handle of this VMO implementation: " + vmo);
        }
        return handle;
    }

    @Override
    public String toString() {
        return "owner " + name;
    }
}
