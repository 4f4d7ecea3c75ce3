package heap.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import heap.api.HeapId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A bundle's counts: live buffers and bytes packed into one number per cell, summed when read. */
class AccountTest {
    private static final long PAGE = 4096;

    @Test
    void countsFreedOnAnotherThreadThanTheyWereChargedOnSumExactly() throws InterruptedException {
        Account account = new Account(7, "client", "1.0.0");
        Account.Usage usage = account.usage(HeapId.SYSTEM_RAM);
        int buffers = 100_000;
        for (int i = 0; i < buffers; i++) {
            account.charge(usage, 1, 3 * PAGE, List.of());
        }
        // Another thread (its own, not a shared pool's) frees them: its cell goes negative, the sums stay exact.
        Thread freeing = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < buffers - 1; i++) {
                account.freed(usage, 3 * PAGE);
            }
        });
        freeing.join();
        assertEquals(1, usage.liveBuffers());
        assertEquals(3 * PAGE, usage.bytes());
        assertEquals(buffers * 3 * PAGE, usage.peakBytes());
    }

    @Test
    void largeCountsAndPartialPagesAreHeldApart() {
        Account account = new Account(7, "client", "1.0.0");
        Account.Usage usage = account.usage(HeapId.SYSTEM_RAM);
        long huge = 1L << 40; // 1 TiB: 2^28 pages, far from the buffer count's bits
        account.charge(usage, 3, huge, List.of());
        account.charge(usage, 2, PAGE + 1, List.of()); // a partial page is counted whole, charged and freed alike
        assertEquals(5, usage.liveBuffers());
        assertEquals(3 * huge + 4 * PAGE, usage.bytes());
        account.freed(usage, PAGE + 1);
        account.refund(usage, 3, huge);
        assertEquals(1, usage.liveBuffers());
        assertEquals(2 * PAGE, usage.bytes());
        assertEquals(1, usage.failed);
    }
}
