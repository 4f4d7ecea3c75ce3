package heap.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A byte limit that threads charge without writing one shared counter per allocation: each stripe (a thread picks
 * one by its id) holds credit taken from the pool in chunks, and charges and refunds touch only that credit. When
 * the pool runs short, the credit every stripe holds is pulled back before a charge is refused, so the limit is
 * never passed, and a charge fails only when the bytes in use plus it would pass it (or, racing at the limit with
 * a charge on another thread, when that thread's credit is in flight).
 *
 * <p>Invariant: {@code granted} = bytes charged + credit held by the stripes (each cell's credit is changed only
 * by atomic adds, so a stripe shared by two threads, or drained while a thread charges it, stays consistent).
 */
public final class Budget {
    private static final VarHandle CREDIT;

    static {
        try {
            CREDIT = MethodHandles.lookup().findVarHandle(CellFields.class, "credit", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One stripe's credit, after the padding that keeps it off its neighbour's cache line. */
    private static class CellFields extends Padding.Before {
        volatile long credit;
    }

    /** A cell padded on both sides (128 bytes here): the JVM lays a superclass's fields first, so the order holds. */
    @SuppressWarnings("unused")
    private static final class Cell extends CellFields {
        private long q0, q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15;
    }

    private final long limit;
    private final long chunk;
    private final AtomicLong granted = new AtomicLong();
    private final Cell[] cells = new Cell[Stripes.COUNT];

    public Budget(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("a budget needs a positive limit, not " + limit);
        }
        this.limit = limit;
        // Small next to the limit, so the credit stripes hold never refuses what the limit allows for long.
        this.chunk = Math.max(1, Math.min(1L << 20, limit / (8L * Stripes.COUNT)));
        for (int i = 0; i < cells.length; i++) {
            cells[i] = new Cell();
        }
    }

    public long limit() {
        return limit;
    }

    /** Charges {@code bytes} (positive); false, and nothing charged, when that would pass the limit. */
    public boolean charge(long bytes) {
        Cell cell = cells[Stripes.ofThisThread()];
        if ((long) CREDIT.getAndAdd(cell, -bytes) >= bytes) {
            return true; // paid from this stripe's credit
        }
        CREDIT.getAndAdd(cell, bytes); // not enough there: put it back and take from the pool
        if (reserve(bytes + chunk)) {
            CREDIT.getAndAdd(cell, chunk);
            return true;
        }
        if (reserve(bytes)) {
            return true;
        }
        drainCredit();
        return reserve(bytes);
    }

    /** Gives back {@code bytes} charged before; a stripe holding much credit returns some to the pool. */
    public void refund(long bytes) {
        Cell cell = cells[Stripes.ofThisThread()];
        long credit = (long) CREDIT.getAndAdd(cell, bytes) + bytes;
        if (credit > 2 * chunk && CREDIT.compareAndSet(cell, credit, chunk)) {
            granted.addAndGet(-(credit - chunk));
        }
    }

    /** Bytes charged now (exact when no charge or refund is in flight). */
    public long used() {
        long credit = 0;
        for (Cell cell : cells) {
            credit += cell.credit;
        }
        return granted.get() - credit;
    }

    private boolean reserve(long bytes) {
        if (granted.addAndGet(bytes) <= limit) {
            return true;
        }
        granted.addAndGet(-bytes);
        return false;
    }

    /**
     * Pulls every stripe's unused credit back into the pool: only what a cell shows, by compare-and-set. (Zeroing a
     * cell and putting back a debt afterwards would let a charge in between spend credit that a failed charge had
     * only lent it back.)
     */
    private void drainCredit() {
        for (Cell cell : cells) {
            for (long credit = cell.credit; credit > 0; credit = cell.credit) {
                if (CREDIT.compareAndSet(cell, credit, 0L)) {
                    granted.addAndGet(-credit);
                    break;
                }
            }
        }
    }
}
