package heap.api.vmo;

import java.util.function.BooleanSupplier;

/** Runs the garbage collector until a condition holds, for tests of what leak detection gives back. */
public final class Collector {
    private Collector() {
    }

    /** Up to {@code rounds} collections 20 ms apart; whether {@code condition} held at the end. */
    public static boolean gcUntil(BooleanSupplier condition, int rounds) throws InterruptedException {
        for (int i = 0; i < rounds && !condition.getAsBoolean(); i++) {
            System.gc();
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }
}
