package heap.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.HeapId;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A bundle's counts: live buffers and bytes packed into one number per cell, summed when read; the cells are the
 * stripes that list the collections the bundle paid for.
 */
class AccountTest {
    private static final long PAGE = 4096;

    @Test
    void countsFreedOnAnotherThreadThanTheyWereChargedOnSumExactly() throws InterruptedException {
        Account account = new Account(7, "client", "1.0.0");
        Account.Usage usage = account.usage(HeapId.SYSTEM_RAM);
        int buffers = 100_000;
        for (int i = 0; i < buffers; i++) {
            account.charge(usage, collection(usage, i, 1), 1, 3 * PAGE, List.of());
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
        account.charge(usage, collection(usage, 1, 3), 3, huge, List.of());
        account.charge(usage, collection(usage, 2, 2), 2, PAGE + 1, List.of()); // a partial page is counted whole, charged and freed alike
        assertEquals(5, usage.liveBuffers());
        assertEquals(3 * huge + 4 * PAGE, usage.bytes());
        account.freed(usage, PAGE + 1);
        account.refund(usage, 3, huge);
        assertEquals(1, usage.liveBuffers());
        assertEquals(2 * PAGE, usage.bytes());
        assertEquals(1, usage.failed);
    }

    @Test
    void aCollectionIsListedByItsPayerFromItsChargeUntilItsLastBufferIsFreed() throws InterruptedException {
        Account account = new Account(7, "client", "1.0.0");
        Account.Usage usage = account.usage(HeapId.SYSTEM_RAM);
        RegistryCollection pair = collection(usage, 1, 2);
        account.charge(usage, pair, 2, PAGE, List.of());
        assertEquals(List.of(pair), usage.collections.snapshot());
        account.freed(usage, PAGE); // buffer 0: the collection stays listed
        assertEquals(List.of(pair), usage.collections.snapshot());
        // The last buffer, freed on another thread than the one that listed it: count and listing go in one step.
        Thread freeing = Thread.ofPlatform().start(() -> account.freedLast(usage, pair, PAGE));
        freeing.join();
        assertEquals(List.of(), usage.collections.snapshot());
        assertEquals(0, usage.liveBuffers());
        assertEquals(0, usage.bytes());
    }

    @Test
    void theLastBufferOfACollectionNoLongerListedIsStillUncounted() {
        Account account = new Account(7, "client", "1.0.0");
        Account.Usage usage = account.usage(HeapId.SYSTEM_RAM);
        RegistryCollection one = chargedOne(usage);
        assertTrue(usage.collections.remove(one)); // a drain dropped it, as a collection of lost buffers is
        account.freedLast(usage, one, PAGE);
        assertEquals(0, usage.liveBuffers());
        assertEquals(List.of(), usage.collections.snapshot());
    }

    @Test
    void aStoppedBundlesLastBufferCountsAsReclaimed() {
        Account account = new Account(7, "client", "1.0.0");
        Account.Usage usage = account.usage(HeapId.SYSTEM_RAM);
        RegistryCollection one = chargedOne(usage);
        account.stop();
        account.freedLast(usage, one, PAGE);
        assertEquals(1, usage.reclaimedBuffers);
        assertEquals(PAGE, usage.reclaimedBytes);
    }

    /** A collection of one page, charged to and listed by {@code usage}. */
    private static RegistryCollection chargedOne(Account.Usage usage) {
        RegistryCollection one = collection(usage, 1, 1);
        usage.account.charge(usage, one, 1, PAGE, List.of());
        return one;
    }

    /** A record with only what the counts and the listing read. */
    private static RegistryCollection collection(Account.Usage payer, long id, int buffers) {
        return new RegistryCollection(id, null, buffers, payer, null);
    }
}
