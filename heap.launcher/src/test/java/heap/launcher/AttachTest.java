package heap.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The attach client's own errors: no platform to talk to, or one that breaks off or speaks another protocol. */
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

    /** A platform that stops mid-session (stop 0 from another client, SIGTERM) ends the connection without an end frame. */
    @Test
    void aPlatformThatGoesAwayMidSessionIsNamedAndTheStatusIsOne() throws Exception {
        Path socket = dir.resolve("s.sock");
        try (ServerSocketChannel platform = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            platform.bind(UnixDomainSocketAddress.of(socket));
            Thread.ofPlatform().start(() -> answer(platform, new byte[] {'O', 0, 0, 0, 3, 'o', 'k', '\n'}));
            assertEquals(1, attach(socket, null));
        }
        assertEquals("ok\n", out.toString(StandardCharsets.UTF_8), "what came before is shown");
        assertEquals("error: the platform ended the connection before the session's end (it stopped?)\n",
                err.toString(StandardCharsets.UTF_8));
    }

    /** Closing with the client's hello and lines unread resets the connection: the same end, not "went away". */
    @Test
    void aPlatformThatHangsUpWithTheClientsLinesUnreadIsNamedAsEndingTheConnection() throws Exception {
        Path socket = dir.resolve("s.sock");
        try (ServerSocketChannel platform = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            platform.bind(UnixDomainSocketAddress.of(socket));
            Thread.ofPlatform().start(() -> {
                try (SocketChannel client = platform.accept()) {
                    Thread.sleep(200); // the hello and the line arrive, and are never read
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertEquals(1, attach(socket, null));
        }
        assertEquals("error: the platform ended the connection before the session's end (it stopped?)\n",
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aFrameItDoesNotKnowEndsTheSessionNamingIt() throws Exception {
        Path socket = dir.resolve("s.sock");
        try (ServerSocketChannel platform = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            platform.bind(UnixDomainSocketAddress.of(socket));
            Thread.ofPlatform().start(() -> answer(platform, new byte[] {'Z', 0, 0, 0, 0}));
            assertEquals(1, attach(socket, null));
        }
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.startsWith("error: the platform at " + socket + " went away: unknown frame type 90 "
                + "(a platform of another version?)"), message);
    }

    /** Accepts one client, reads its hello, sends {@code bytes} and hangs up. */
    private static void answer(ServerSocketChannel platform, byte[] bytes) {
        try (SocketChannel client = platform.accept()) {
            client.read(ByteBuffer.allocate(64));
            client.write(ByteBuffer.wrap(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
