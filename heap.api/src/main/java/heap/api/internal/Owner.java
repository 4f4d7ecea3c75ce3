package heap.api.internal;

import heap.api.Status;
import heap.api.StatusException;
import heap.api.spi.VmoOwner;
import heap.api.vmo.Vmo;
import heap.api.vmo.VmoRight;
import heap.api.internal.VmoObject.OwnerLinks;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The leases (handles and shared mappings) an owner holds, as intrusive doubly linked lists: linking and
 * unlinking cost a few field writes under one lock, never a map lookup. The list is split into one stripe per core,
 * a thread linking into the stripe its id picks, so one bundle's threads do not queue on one lock. A lease's stripe
 * field (which names its owner) changes only under the lock of the stripe it is in (lock order for an adoption: the
 * lease, then a stripe). Confined mappings are not linked: only their own thread could close them, so they hold
 * their memory until then.
 */
public final class Owner implements VmoOwner {
    /** One stripe's fields, guarded by the stripe's lock. */
    abstract static class StripeFields extends PaddedLock {
        final Owner owner;
        VmoObject.OwnerLinks head;
        int count;
        boolean released;

        StripeFields(Owner owner) {
            this.owner = owner;
        }
    }

    /** One stripe of the owner's list, with 128 bytes after its fields too. */
    @SuppressWarnings("unused")
    static final class Stripe extends StripeFields {
        private long q0, q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15;

        Stripe(Owner owner) {
            super(owner);
        }
    }

    private final String name;
    private final Stripe[] stripes = new Stripe[PaddedLock.STRIPES];
    private volatile boolean released;

    public Owner(String name) {
        this.name = Require.argument(name, "name");
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Stripe(this);
        }
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
    public int openLeases() {
        int open = 0;
        for (Stripe stripe : stripes) {
            stripe.lock();
            try {
                open += stripe.count;
            } finally {
                stripe.unlock();
            }
        }
        return open;
    }

    @Override
    public boolean isReleased() {
        return released;
    }

    @Override
    public Release release() {
        synchronized (this) {
            if (released) {
                return new Release(0, 0);
            }
            released = true;
        }
        List<VmoObject.Lease> leases = new ArrayList<>();
        for (Stripe stripe : stripes) {
            stripe.lock();
            try {
                stripe.released = true; // no lease links into this stripe after its snapshot
                for (VmoObject.OwnerLinks lease = stripe.head; lease != null; lease = lease.nextInOwner()) {
                    leases.add(lease.lease());
                }
            } finally {
                stripe.unlock();
            }
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

    /** Links a lease into the calling thread's stripe and makes this its owner; false once released or ended. */
    boolean link(VmoObject.OwnerLinks lease) {
        Stripe stripe = stripes[PaddedLock.ofThisThread()];
        stripe.lock();
        try {
            if (stripe.released || lease.lease().ended()) {
                return false;
            }
            lease.setNextInOwner(stripe.head);
            if (stripe.head != null) {
                stripe.head.setPreviousInOwner(lease);
            }
            stripe.head = lease;
            stripe.count++;
            lease.setStripeInOwner(stripe); // which names this owner
            return true;
        } finally {
            stripe.unlock();
        }
    }

    /** Unlinks the lease if this is still its owner; false also when it moved meanwhile (the caller looks again). */
    boolean unlinkIfOwner(VmoObject.OwnerLinks lease) {
        Stripe stripe = lease.stripeInOwner();
        if (stripe == null || stripe.owner != this) {
            return false;
        }
        stripe.lock();
        try {
            if (lease.stripeInOwner() != stripe) {
                return false; // it moved meanwhile
            }
            OwnerLinks previous = lease.previousInOwner();
            OwnerLinks next = lease.nextInOwner();
            if (previous != null) {
                previous.setNextInOwner(next);
            } else {
                stripe.head = next;
            }
            if (next != null) {
                next.setPreviousInOwner(previous);
            }
            lease.setPreviousInOwner(null);
            lease.setNextInOwner(null);
            lease.setStripeInOwner(null);
            stripe.count--;
            return true;
        } finally {
            stripe.unlock();
        }
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
