package heap.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

class LiveSetTest {
    private static final class Record extends LiveSet.Member {
        final int id;

        Record(int id) {
            this.id = id;
        }
    }

    @Test
    void holdsWhatWasAddedAndNotRemoved() {
        LiveSet<Record> set = new LiveSet<>();
        List<Record> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            records.add(new Record(i));
            set.add(records.get(i));
        }
        assertTrue(set.remove(records.get(0)));
        assertTrue(set.remove(records.get(5)));
        assertTrue(set.remove(records.get(9)));
        Set<Integer> ids = new HashSet<>();
        set.forEach(record -> ids.add(record.id));
        assertEquals(Set.of(1, 2, 3, 4, 6, 7, 8), ids);
        assertEquals(7, set.size());
    }

    @Test
    void aMemberIsInOneSetOnceAndRemovedOnce() {
        LiveSet<Record> set = new LiveSet<>();
        LiveSet<Record> other = new LiveSet<>();
        Record record = new Record(1);
        assertFalse(set.remove(record), "never added");
        set.add(record);
        assertThrows(IllegalStateException.class, () -> set.add(record));
        assertThrows(IllegalStateException.class, () -> other.add(record));
        assertFalse(other.remove(record), "another set's member");
        assertEquals(1, set.size());
        assertTrue(set.remove(record));
        assertFalse(set.remove(record), "already removed");
        assertEquals(0, set.size());
        other.add(record); // free to join another set now
        assertEquals(List.of(record), other.snapshot());
    }

    @Test
    void membersAddedOnOneThreadAndRemovedOnAnotherLeaveNothingBehind() throws Exception {
        LiveSet<Record> set = new LiveSet<>();
        int perThread = 20_000;
        List<List<Record>> made = List.of(new ArrayList<>(), new ArrayList<>());
        CyclicBarrier start = new CyclicBarrier(2);
        List<Thread> adders = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            List<Record> mine = made.get(t);
            adders.add(Thread.ofPlatform().start(() -> {
                await(start);
                for (int i = 0; i < perThread; i++) {
                    Record record = new Record(i);
                    mine.add(record);
                    set.add(record);
                }
            }));
        }
        for (Thread adder : adders) {
            adder.join();
        }
        assertEquals(2 * perThread, set.size());
        List<Thread> removers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            List<Record> theirs = made.get(1 - t); // each thread removes what the other added
            removers.add(Thread.ofPlatform().start(() -> {
                await(start);
                theirs.forEach(set::remove);
            }));
        }
        for (Thread remover : removers) {
            remover.join();
        }
        assertEquals(0, set.size());
        assertEquals(List.of(), set.snapshot());
    }

    /** A stripe that counts beside its list, under the same lock, as a bundle's counts on a heap do. */
    @SuppressWarnings("unused")
    private static final class CountingStripe extends LiveSet.Stripe {
        long count;
        private long q0, q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15;
    }

    @Test
    void aStripesOwnFieldsAndItsListChangeInOneLockedSection() throws Exception {
        LiveSet<Record> set = new LiveSet<>(CountingStripe::new);
        Record record = new Record(1);
        CountingStripe mine = (CountingStripe) set.stripeOfThisThread();
        mine.lock();
        try {
            mine.count++;
            set.linkLocked(record, mine);
        } finally {
            mine.unlock();
        }
        // Found and unlinked from another thread, whose own stripe may be another one.
        Thread other = Thread.ofPlatform().start(() -> {
            LiveSet.Stripe found = set.lockStripeOf(record);
            try {
                ((CountingStripe) found).count--;
                set.unlinkLocked(record, found);
            } finally {
                found.unlock();
            }
        });
        other.join();
        assertEquals(0, mine.count);
        assertEquals(0, set.size());
        assertNull(set.lockStripeOf(record), "in no stripe any more");
    }

    @Test
    void aMemberInNoStripeLeavesEveryStripeUnlocked() {
        LiveSet<Record> set = new LiveSet<>();
        Record member = new Record(1);
        set.add(member);
        assertNull(set.lockStripeOf(new Record(2)));
        // Every stripe is free again: size() and remove() take each lock in turn.
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            assertEquals(1, set.size());
            assertTrue(set.remove(member));
        });
    }

    @Test
    void aStripeOfAnotherSetOrAMemberOfAnotherStripeIsRefused() {
        LiveSet<Record> set = new LiveSet<>();
        LiveSet<Record> other = new LiveSet<>();
        Record record = new Record(1);
        LiveSet.Stripe foreign = other.stripeOfThisThread();
        foreign.lock();
        try {
            assertThrows(IllegalArgumentException.class, () -> set.linkLocked(record, foreign));
            assertThrows(IllegalStateException.class, () -> set.unlinkLocked(record, foreign), "in no stripe");
        } finally {
            foreign.unlock();
        }
        assertEquals(0, set.size());
        assertEquals(0, other.size());
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
