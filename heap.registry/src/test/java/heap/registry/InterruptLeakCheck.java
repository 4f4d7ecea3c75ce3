package heap.registry;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that leaves its thread interrupted (the allocate watchdog interrupts callers; its interrupt must
 * never outlive the call), so the test that leaked it fails, not the next one that sleeps. Every test of this
 * module gets it (autodetected, see junit-platform.properties).
 */
public final class InterruptLeakCheck implements BeforeEachCallback, AfterEachCallback {
    @Override
    public void beforeEach(ExtensionContext context) {
        if (Thread.interrupted()) {
            throw new AssertionError(context.getDisplayName() + " started on a thread left interrupted before it");
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (Thread.interrupted()) {
            throw new AssertionError(context.getDisplayName() + " left its thread interrupted");
        }
    }
}
