package heap.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
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
        assertEquals(1, attachToAPlatformThat(answering(new byte[] {'O', 0, 0, 0, 3, 'o', 'k', '\n'})));
        assertEquals("ok\n", out.toString(StandardCharsets.UTF_8), "what came before is shown");
        assertEquals("error: the platform ended the connection before the session's end (it stopped?)\n",
                err.toString(StandardCharsets.UTF_8));
    }

    /** Closing with the client's hello and lines unread resets the connection: the same end, not "went away". */
    @Test
    void aPlatformThatHangsUpWithTheClientsLinesUnreadIsNamedAsEndingTheConnection() throws Exception {
        assertEquals(1, attachToAPlatformThat(client -> Thread.sleep(200))); // the lines arrive, and are never read
        assertEquals("error: the platform ended the connection before the session's end (it stopped?)\n",
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aFrameItDoesNotKnowEndsTheSessionNamingIt() throws Exception {
        assertEquals(1, attachToAPlatformThat(answering(new byte[] {'Z', 0, 0, 0, 0})));
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.startsWith("error: the platform at " + dir.resolve("s.sock") + " went away: unknown frame "
                + "type 90 (a platform of another version?)"), message);
    }

    /** What a stand-in platform does with the one client it accepts, before it hangs up. */
    private interface StandInPlatform {
        void serve(SocketChannel client) throws IOException, InterruptedException;
    }

    /** Attaches to a stand-in platform at {@code dir/s.sock} that serves one client as {@code platform} says. */
    private int attachToAPlatformThat(StandInPlatform platform) throws IOException {
        Path socket = dir.resolve("s.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread.ofPlatform().start(() -> {
                try (SocketChannel client = server.accept()) {
                    platform.serve(client);
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            return attach(socket, null);
        }
    }

    /** Reads the client's hello, sends {@code bytes}. */
    private static StandInPlatform answering(byte[] bytes) {
        return client -> {
            client.read(ByteBuffer.allocate(64));
            client.write(ByteBuffer.wrap(bytes));
        };
    }
}
