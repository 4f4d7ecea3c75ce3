package heap.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PaddingTest {
    /** A stripe as the striped structures declare one: a small field the JVM could tuck in beside the header. */
    @SuppressWarnings("unused")
    private static class StripeFields extends Padding.Locked {
        int count;
        Object head;
    }

    @Test
    void aStripesFieldsLieAtLeast128BytesAfterItsHeaderNotInTheGapBesideIt() throws Exception {
        Field theUnsafe = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
        theUnsafe.setAccessible(true);
        sun.misc.Unsafe unsafe = (sun.misc.Unsafe) theUnsafe.get(null);
        for (String name : List.of("count", "head")) {
            @SuppressWarnings("deprecation")
            long offset = unsafe.objectFieldOffset(StripeFields.class.getDeclaredField(name));
            assertTrue(offset >= 128 + 8, name + " at offset " + offset + " would share a cache line pair with the "
                    + "object before the stripe");
        }
    }

    @Test
    void theFieldLockExcludesOtherThreadsAndWaitsOutALongHolder() throws Exception {
        StripeFields stripe = new StripeFields();
        int threads = 4;
        int rounds = 50_000;
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            started.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < rounds; i++) {
                    stripe.lock();
                    try {
                        int seen = stripe.count; // a lost update shows if two threads are in here at once
                        if (i % 10_000 == 0) {
                            Thread.yield(); // a holder descheduled: the others spin, then yield, and wait it out
                        }
                        stripe.count = seen + 1;
                    } finally {
                        stripe.unlock();
                    }
                }
            }));
        }
        for (Thread thread : started) {
            thread.join();
        }
        assertEquals(threads * rounds, stripe.count);
    }
}
