package heap.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The attach client's own errors, with no platform to talk to. */
class AttachTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int attach(Path socket, Path script) {
        return Attach.run(socket, script, new ByteArrayInputStream("heap:list\n".getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), false);
    }

    @Test
    void withNoPlatformAtTheSocketItSaysHowToStartOneAndExitsTwo() {
        Path socket = dir.resolve(".heap-console.sock");
        assertEquals(2, attach(socket, null));
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.startsWith("error: no platform answers at " + socket + " ("), message);
        assertTrue(message.contains("./platform --serve, with the same DEPLOY_DIR (or HEAP_CONSOLE_SOCKET)"), message);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aScriptItCannotReadIsRefusedBeforeConnecting() {
        assertEquals(2, attach(dir.resolve(".heap-console.sock"), dir));
        assertEquals("error: script " + dir + " is not a readable file\n", err.toString(StandardCharsets.UTF_8));
    }
}
