package heap.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.HeapId;
import heap.api.SysmemError;
import heap.api.SysmemException;
import heap.api.allocator.BufferAllocator;
import heap.registry.HeapRegistry;
import heap.secure.SecureHeap;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import org.apache.felix.inventory.Format;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Web Console's status page "Heaps": the shell's views in one text or one JSON document. */
class HeapInventoryTest {
    private final HeapRegistry registry = new HeapRegistry(HeapRegistry.Limits.DEFAULT);
    private final HeapCommands commands;

    HeapInventoryTest() {
        registry.addHeap(new SecureHeap(8L << 20, 1L << 20, 0x4000_0000L),
                Map.of("heap.type", HeapId.SECURE.heapType(), "heap.id", 0L, "heap.secure", true), "heap.secure 1.0.0");
        commands = new HeapCommands(registry, new StandInScr());
    }

    @AfterEach
    void stop() {
        commands.deactivate();
        registry.stop();
    }

    private static String print(HeapCommands commands, Format format) {
        StringWriter out = new StringWriter();
        new HeapInventory(commands).print(new PrintWriter(out), format, false);
        return out.toString();
    }

    @Test
    void theTextIsWhatTheShellsListingCommandsPrintUnderTheirNames() {
        commands.alloc(2, false, true, false, "", false, "4k");
        String text = print(commands, Format.TEXT);
        String[] sections = text.split(System.lineSeparator() + System.lineSeparator());
        assertEquals(List.of("HEAPS", "OWNERS", "COLLECTIONS", "QUOTAS", "STATS"),
                java.util.Arrays.stream(sections).map(section -> section.lines().findFirst().orElseThrow()).toList(), text);
        assertEquals("HEAPS" + System.lineSeparator() + commands.list(false), sections[0]);
        assertEquals("COLLECTIONS" + System.lineSeparator() + commands.collections(false), sections[2]);
        assertTrue(sections[2].contains(" yes "), "the collection the shell holds says so: " + sections[2]);
        assertEquals("STATS" + System.lineSeparator() + commands.stats(false), sections[4].stripTrailing());
        assertTrue(text.endsWith(System.lineSeparator()), "a status page puts the next printer on a line of its own");
    }

    @Test
    void theJsonIsOneDocumentOfTheShellsJsonViews() {
        commands.alloc(1, false, true, false, "", false, "4k");
        String json = print(commands, Format.JSON);
        assertEquals("{\"heaps\":" + commands.list(true) + ",\"owners\":" + commands.owners(true) + ",\"collections\":"
                + commands.collections(true) + ",\"quotas\":" + commands.quotas(true) + ",\"stats\":"
                + commands.stats(true) + "}", json);
    }

    @Test
    void aViewTheAllocatorCannotAnswerSaysWhyInItsPlaceAndTheOthersStillPrint() {
        BufferAllocator failing = (BufferAllocator) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {BufferAllocator.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "quotas" -> throw new SysmemException(SysmemError.UNSPECIFIED, "the heap registry has stopped");
                    case "heaps", "owners", "collections", "negotiations" -> List.of();
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        HeapCommands onFailing = new HeapCommands(failing, new StandInScr());
        String text = print(onFailing, Format.TEXT);
        assertTrue(text.contains("QUOTAS" + System.lineSeparator() + "error: UNSPECIFIED: the heap registry has stopped"), text);
        assertTrue(text.contains("COLLECTIONS" + System.lineSeparator() + "no collections"), text);
        assertTrue(print(onFailing, Format.JSON).contains(
                "\"quotas\":{\"error\":\"UNSPECIFIED\",\"message\":\"the heap registry has stopped\"}"));
    }
}
