package heap.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The live records of a heap or of the registry, kept for reports and metrics: an intrusive doubly linked list
 * split into one stripe per core, a thread adding to the stripe its id picks. Adding and removing cost a few field
 * writes under an uncontended lock (a field of the padded stripe, not its header): no hash, no boxed key, no node
 * object.
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

    /** One stripe's fields, guarded by the stripe's lock. */
    private static class StripeFields extends Padding.Locked {
        final LiveSet<?> set;
        Member head;
        int size;

        StripeFields(LiveSet<?> set) {
            this.set = set;
        }
    }

    /** One stripe, padded on both sides (128 bytes here) so it shares no cache line with its neighbours. */
    @SuppressWarnings("unused")
    private static final class Stripe extends StripeFields {
        private long q0, q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15;

        Stripe(LiveSet<?> set) {
            super(set);
        }
    }

    private final Stripe[] stripes = new Stripe[Stripes.COUNT];

    public LiveSet() {
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Stripe(this);
        }
    }

    /** Adds a member that is in no set. */
    public void add(T added) {
        Member member = added; // a T's private fields are reached through its Member type
        Stripe stripe = stripes[Stripes.ofThisThread()];
        stripe.lock();
        try {
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
        } finally {
            stripe.unlock();
        }
    }

    /** Removes a member of this set; false when it is not in it (never added, or already removed). */
    public boolean remove(T removed) {
        Member member = removed;
        Stripe hint = member.stripe; // no fence: a stale value is caught under the lock below
        if (hint != null && hint.set == this && unlink(member, hint)) {
            return true;
        }
        // Added on a thread whose write this one may not see yet: each stripe's lock makes it visible.
        for (Stripe stripe : stripes) {
            if (stripe != hint && unlink(member, stripe)) {
                return true;
            }
        }
        return false;
    }

    private static boolean unlink(Member member, Stripe stripe) {
        stripe.lock();
        try {
            if (member.stripe != stripe) {
                return false;
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
            return true;
        } finally {
            stripe.unlock();
        }
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
