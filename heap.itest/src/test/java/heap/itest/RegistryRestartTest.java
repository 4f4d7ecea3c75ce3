package heap.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.HeapId;
import heap.api.SysmemError;
import heap.api.SysmemException;
import heap.api.allocator.BufferAllocator;
import heap.api.allocator.BufferCollection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

/** Stopping the registry bundle mid-stream: clear errors, no deadlock, earlier buffers stay valid. */
class RegistryRestartTest extends FrameworkTestSupport {

    @Test
    void stoppingAndRestartingTheRegistryKeepsEarlierBuffersValidAndClientsInformed() throws Exception {
        awaitActive(HeapId.SYSTEM_RAM);
        BufferAllocator before = allocator();
        BufferCollection held = before.allocate(request(2, size(PAGE).build(), true));
        held.buffers().forEach(buffer -> fill(buffer, (byte) 0x21));

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong served = new AtomicLong();
        AtomicLong refusedWhileDown = new AtomicLong();
        List<String> unexpected = new CopyOnWriteArrayList<>();
        Thread client = Thread.ofPlatform().name("registry-restart-client").start(() -> {
            while (running.get()) {
                BufferAllocator current = allocators.getService(); // tracked: null while the registry is down
                try (BufferCollection collection = (current == null ? before : current).allocate(request(1, size(PAGE).build(), true))) {
                    served.incrementAndGet();
                } catch (SysmemException e) {
                    if (e.error() == SysmemError.UNSPECIFIED && e.getMessage().contains("stopped")) {
                        refusedWhileDown.incrementAndGet();
                    } else {
                        unexpected.add(e.toString());
                    }
                } catch (RuntimeException e) {
                    unexpected.add(e.toString());
                }
            }
        });
        sleep(200);
        Bundle registry = bundle("heap.registry");
        registry.stop();
        assertNull(context.getServiceReference(BufferAllocator.class), "no allocator service while the registry is down");
        SysmemException stopped = assertThrows(SysmemException.class, () -> before.allocate(request(1, size(PAGE).build(), true)));
        assertEquals(SysmemError.UNSPECIFIED, stopped.error());
        for (var buffer : held.buffers()) {
            assertTrue(holds(buffer, (byte) 0x21), "a buffer handed out before the stop changed");
            fill(buffer, (byte) 0x22);
        }
        sleep(200);
        registry.start();
        awaitActive(HeapId.SYSTEM_RAM);
        long servedBeforeRestart = served.get();
        awaitTrue("clients are served again after the restart", () -> served.get() > servedBeforeRestart + 10);
        running.set(false);
        client.join(10_000);
        assertTrue(!client.isAlive(), "the client thread is stuck: a deadlock");
        assertEquals(List.of(), unexpected);
        assertTrue(refusedWhileDown.get() > 0, "the client saw the registry down");
        held.close();
    }
}
