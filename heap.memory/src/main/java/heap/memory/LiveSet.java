package heap.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The live records of a heap or of the registry, kept for reports and metrics: an intrusive doubly linked list
 * split into one stripe per core, a thread adding to the stripe its id picks. Adding and removing cost a few field
 * writes under an uncontended lock (a field of the padded stripe, not its header): no hash, no boxed key, no node
 * object. A set may be made with stripes of a subclass that carry more fields under the same lock (a bundle's
 * counts on a heap): a caller then changes those and the list in one locked section ({@link #linkLocked},
 * {@link #lockStripeOf}, {@link #unlinkLocked}).
 *
 * <p>A member is in at most one stripe of one set; its {@code stripe}, {@code previous} and {@code next} fields are
 * guarded by the lock of the stripe it is in, and {@code stripe} is null while it is in none. Removing reads
 * {@code stripe} without the lock as a hint only, so neither adding nor removing pays for a volatile field.
 */
public final class LiveSet<T extends LiveSet.Member> {

    /** What a record extends to be kept in a set. */
    public abstract static class Member {
        private Stripe stripe; // written under the stripe's lock; read without it only as a hint
        private Member previous;
        private Member next;
    }

    /**
     * One stripe's lock and list. A subclass adds fields guarded by the same lock, and declares 128 bytes of padding
     * after them (as {@link Padding} explains) so the stripe shares no cache line with its neighbours.
     */
    public abstract static class Stripe extends Padding.Locked {
        private LiveSet<?> set; // set once, as the set is made
        private Member head;
        private int size;
    }

    /** A stripe with nothing more, padded on both sides (128 bytes here). */
    @SuppressWarnings("unused")
    private static final class PaddedStripe extends Stripe {
        private long q0, q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15;
    }

    private final Stripe[] stripes = new Stripe[Stripes.COUNT];

    public LiveSet() {
        this(PaddedStripe::new);
    }

    /** A set whose stripes {@code newStripe} makes, one per {@link Stripes#COUNT}. */
    public LiveSet(Supplier<? extends Stripe> newStripe) {
        for (int i = 0; i < stripes.length; i++) {
            Stripe stripe = newStripe.get();
            stripe.set = this;
            stripes[i] = stripe;
        }
    }

    /** Stripe {@code index} (0 to {@link Stripes#COUNT} - 1), for reading what a subclass keeps in it. */
    public Stripe stripe(int index) {
        return stripes[index];
    }

    /** The calling thread's stripe, not locked. */
    public Stripe stripeOfThisThread() {
        return stripes[Stripes.ofThisThread()];
    }

    /** Adds a member that is in no set. */
    public void add(T added) {
        Stripe stripe = stripeOfThisThread();
        stripe.lock();
        try {
            linkLocked(added, stripe);
        } finally {
            stripe.unlock();
        }
    }

    /** Adds {@code added}, which is in no set, to {@code stripe}: one of this set's, locked by the caller. */
    public void linkLocked(T added, Stripe stripe) {
        Member member = added; // a T's private fields are reached through its Member type
        if (stripe.set != this) {
            throw new IllegalArgumentException("not a stripe of this set");
        }
        if (member.stripe != null) {
            throw new IllegalStateException(member + " is already in a set");
        }
        member.next = stripe.head;
        if (stripe.head != null) {
            stripe.head.previous = member;
        }
        stripe.head = member;
        stripe.size++;
        member.stripe = stripe;
    }

    /** Removes a member of this set; false when it is not in it (never added, or already removed). */
    public boolean remove(T removed) {
        Stripe stripe = lockStripeOf(removed);
        if (stripe == null) {
            return false;
        }
        try {
            unlinkLocked(removed, stripe);
            return true;
        } finally {
            stripe.unlock();
        }
    }

    /**
     * Locks and returns the stripe of this set that {@code member} is in; null, with nothing locked, when it is in
     * none. The caller unlinks it ({@link #unlinkLocked}) or not, then unlocks the stripe.
     */
    public Stripe lockStripeOf(T member) {
        Member ours = member;
        Stripe hint = ours.stripe; // no fence: a stale value is caught under the lock below
        if (hint != null && hint.set == this && lockIfIn(ours, hint)) {
            return hint;
        }
        // Added on a thread whose write this one may not see yet: each stripe's lock makes it visible.
        for (Stripe stripe : stripes) {
            if (stripe != hint && lockIfIn(ours, stripe)) {
                return stripe;
            }
        }
        return null;
    }

    private static boolean lockIfIn(Member member, Stripe stripe) {
        stripe.lock();
        if (member.stripe == stripe) {
            return true;
        }
        stripe.unlock();
        return false;
    }

    /** Unlinks {@code removed} from {@code stripe}, which {@link #lockStripeOf} found and locked for it. */
    public void unlinkLocked(T removed, Stripe stripe) {
        Member member = removed;
        if (member.stripe != stripe) {
            throw new IllegalStateException(member + " is not in that stripe");
        }
        if (member.previous == null) {
            stripe.head = member.next;
        } else {
            member.previous.next = member.next;
        }
        if (member.next != null) {
            member.next.previous = member.previous;
        }
        member.previous = null;
        member.next = null;
        member.stripe = null;
        stripe.size--;
    }

    public int size() {
        int size = 0;
        for (Stripe stripe : stripes) {
            stripe.lock();
            try {
                size += stripe.size;
            } finally {
                stripe.unlock();
            }
        }
        return size;
    }

    /** The members now, in no particular order. */
    @SuppressWarnings("unchecked")
    public List<T> snapshot() {
        List<T> members = new ArrayList<>();
        for (Stripe stripe : stripes) {
            stripe.lock();
            try {
                for (Member member = stripe.head; member != null; member = member.next) {
                    members.add((T) member);
                }
            } finally {
                stripe.unlock();
            }
        }
        return members;
    }

    public void forEach(Consumer<? super T> action) {
        snapshot().forEach(action);
    }
}
