package heap.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BudgetTest {
    private static final long PAGE = 4096;

    @Test
    void aChargeIsRefusedOnlyWhenWhatIsInUsePlusItWouldPassTheLimit() {
        Budget budget = new Budget(100 * PAGE);
        for (int i = 0; i < 100; i++) {
            assertTrue(budget.charge(PAGE), "page " + i + " fits");
        }
        assertEquals(100 * PAGE, budget.used());
        assertFalse(budget.charge(PAGE), "the limit is reached, not merely the credit");
        assertEquals(100 * PAGE, budget.used(), "a refused charge changes nothing");
        budget.refund(3 * PAGE);
        assertTrue(budget.charge(3 * PAGE), "what was given back can be charged again");
        assertFalse(budget.charge(PAGE));
    }

    @Test
    void creditHeldByOtherThreadsIsPulledBackBeforeARefusal() throws Exception {
        Budget budget = new Budget(64 * PAGE);
        Thread other = Thread.ofPlatform().start(() -> {
            assertTrue(budget.charge(PAGE)); // takes a chunk of credit for its stripe
            budget.refund(PAGE);
        });
        other.join();
        assertTrue(budget.charge(64 * PAGE), "the whole limit, although another stripe took credit");
        assertEquals(64 * PAGE, budget.used());
    }

    @org.junit.jupiter.api.RepeatedTest(5) // a race that passed the limit showed in about one run of three
    void threadsChargingAndRefundingNeverPassTheLimitAndLeaveNothingCharged() throws Exception {
        long limit = 256 * PAGE;
        Budget budget = new Budget(limit);
        AtomicLong inUse = new AtomicLong(); // what the threads hold, charged and not refunded
        AtomicBoolean passed = new AtomicBoolean();
        ConcurrentLinkedQueue<Long> handedOver = new ConcurrentLinkedQueue<>(); // refunded by another thread
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                List<Long> held = new ArrayList<>();
                for (int i = 0; i < 50_000; i++) {
                    if (!held.isEmpty() && random.nextBoolean()) {
                        long bytes = held.removeLast();
                        inUse.addAndGet(-bytes);
                        budget.refund(bytes);
                    } else if (random.nextInt(8) == 0 && handedOver.peek() != null) {
                        Long bytes = handedOver.poll();
                        if (bytes != null) {
                            inUse.addAndGet(-bytes);
                            budget.refund(bytes);
                        }
                    } else {
                        long bytes = PAGE * (1 + random.nextInt(16));
                        if (budget.charge(bytes)) {
                            if (inUse.addAndGet(bytes) > limit) {
                                passed.set(true);
                            }
                            (random.nextInt(4) == 0 ? handedOver : held).add(bytes);
                        }
                    }
                }
                held.forEach(bytes -> {
                    inUse.addAndGet(-bytes);
                    budget.refund(bytes);
                });
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        for (Long bytes = handedOver.poll(); bytes != null; bytes = handedOver.poll()) {
            inUse.addAndGet(-bytes);
            budget.refund(bytes);
        }
        assertFalse(passed.get(), "the bytes held never passed the limit");
        assertEquals(0, inUse.get());
        assertEquals(0, budget.used());
        assertTrue(budget.charge(limit), "all of it is free again");
    }

    @Test
    void aBudgetNeedsAPositiveLimit() {
        assertThrows(IllegalArgumentException.class, () -> new Budget(0));
    }
}
