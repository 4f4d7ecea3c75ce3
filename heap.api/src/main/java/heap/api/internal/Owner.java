package heap.api.internal;

import heap.api.Status;
import heap.api.StatusException;
import heap.api.spi.VmoOwner;
import heap.api.vmo.Vmo;
import java.util.ArrayList;
import java.util.List;

/**
 * The leases (handles and mappings) an owner holds, as an intrusive doubly linked list: linking and unlinking
 * cost a few field writes under this owner's lock, never a map lookup. Lock order: a lease, then its owner.
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
    public Release heldBack() {
        return tally(snapshot(), 0, 0);
    }

    @Override
    public Release release() {
        List<VmoObject.Lease> leases;
        synchronized (this) {
            if (released) {
                leases = null;
            } else {
                released = true;
                leases = snapshotLocked();
            }
        }
        if (leases == null) {
            return heldBack();
        }
        int handles = 0;
        int shared = 0;
        for (VmoObject.Lease lease : leases) {
            if (lease.kind() != VmoObject.Lease.Kind.CONFINED_MAPPING && lease.endIfOpen()) {
                if (lease.kind() == VmoObject.Lease.Kind.HANDLE) {
                    handles++;
                } else {
                    shared++;
                }
            }
        }
        return tally(snapshot(), handles, shared);
    }

    private static Release tally(List<VmoObject.Lease> remaining, int handles, int shared) {
        int heldBack = 0;
        long bytes = 0;
        for (VmoObject.Lease lease : remaining) {
            if (lease.kind() == VmoObject.Lease.Kind.CONFINED_MAPPING) {
                heldBack++;
                bytes += lease.objectSize();
            }
        }
        return new Release(handles, shared, heldBack, bytes);
    }

    private synchronized List<VmoObject.Lease> snapshot() {
        return snapshotLocked();
    }

    private List<VmoObject.Lease> snapshotLocked() {
        List<VmoObject.Lease> leases = new ArrayList<>(count);
        for (VmoObject.Lease lease = head; lease != null; lease = lease.nextInOwner) {
            leases.add(lease);
        }
        return leases;
    }

    /** Links a lease; false once released (the caller then closes what it was making). */
    synchronized boolean link(VmoObject.Lease lease) {
        if (released) {
            return false;
        }
        lease.nextInOwner = head;
        if (head != null) {
            head.prevInOwner = lease;
        }
        head = lease;
        count++;
        return true;
    }

    synchronized void unlink(VmoObject.Lease lease) {
        if (lease.prevInOwner != null) {
            lease.prevInOwner.nextInOwner = lease.nextInOwner;
        } else if (head == lease) {
            head = lease.nextInOwner;
        }
        if (lease.nextInOwner != null) {
            lease.nextInOwner.prevInOwner = lease.prevInOwner;
        }
        lease.prevInOwner = null;
        lease.nextInOwner = null;
        count--;
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
