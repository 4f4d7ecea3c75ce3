package heap.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.HeapId;
import heap.registry.HeapRegistry;
import heap.secure.SecureHeap;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

/** The shell's socket for {@code ./platform --attach}: a real Gogo runtime running the real heap commands. */
class ConsoleSocketTest {
    private final HeapRegistry registry = new HeapRegistry(HeapRegistry.Limits.DEFAULT);
    private final ThreadIOImpl threadIo = new ThreadIOImpl();
    private final CommandProcessorImpl processor = new CommandProcessorImpl(threadIo);
    private final List<ConsoleSocket> sockets = new java.util.ArrayList<>();

    @TempDir
    Path dir;

    ConsoleSocketTest() {
        registry.addHeap(new SecureHeap(8L << 20, 1L << 20, 0x4000_0000L),
                Map.of("heap.type", HeapId.SECURE.heapType(), "heap.id", 0L, "heap.secure", true), "heap.secure 1.0.0");
        threadIo.start();
        ServiceComponentRuntime noComponents = (ServiceComponentRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ServiceComponentRuntime.class}, (proxy, method, args) -> List.of());
        processor.addCommand("heap", new HeapCommands(registry, noComponents));
    }

    @AfterEach
    void stop() {
        sockets.forEach(ConsoleSocket::close);
        processor.stop();
        threadIo.stop();
        registry.stop();
    }

    /** What the platform answered one client: its stdout, its stderr, how many prompts, the exit status. */
    private record Answer(String out, String err, int prompts, int status) {
    }

    @Test
    void aScriptsLinesRunInOrderWithOutputAndErrorsApartAndAFailedLineMakesTheStatusOne() throws Exception {
        Path socket = dir.resolve("console.sock");
        open(socket);
        Answer answer = attach(socket, "script", "heap:alloc --heap secure 64k", "# a comment", "", "heap:free 99",
                "heap:free 99 --json", "heap:collections --json");
        assertTrue(answer.out().startsWith("collection 1: 1 x 64.0 KiB on heap.platform.HEAP_TYPE.SECURE#0"), answer.out());
        assertTrue(answer.out().contains("{\"error\":\"NOT_FOUND\",\"message\":\"no collection 99"), answer.out());
        assertTrue(answer.out().contains("\"id\":1,"), "the collection is the shell's, held after the line: " + answer.out());
        assertEquals("error: NOT_FOUND: no collection 99 is held by this shell", answer.err().lines().findFirst().orElseThrow()
                .replaceAll(" \\(heap:collections.*", ""), answer.err());
        assertEquals(0, answer.prompts(), "a script gets no prompts");
        assertEquals(1, answer.status(), "a line failed");

        Answer next = attach(socket, "script", "heap:free 1", "heap:collections");
        assertEquals("", next.err());
        assertEquals(0, next.status());
        assertTrue(next.out().startsWith("freed collection 1"), "a later client sees what an earlier one left: " + next.out());
    }

    @Test
    void anInteractiveClientIsPromptedBeforeEveryLineAndAFailedLineDoesNotMakeTheStatusAndExitEndsTheSession() throws Exception {
        Path socket = dir.resolve("console.sock");
        open(socket);
        Answer answer = attach(socket, "interactive", "heap:free 99", "heap:list", "exit", "heap:free 98");
        assertEquals(3, answer.prompts(), "before each of the three lines it read");
        assertTrue(answer.out().contains("heap.platform.HEAP_TYPE.SECURE"), answer.out());
        assertFalse(answer.err().contains("98"), "nothing after exit runs: " + answer.err());
        assertEquals(0, answer.status(), "a person's failed command does not fail the session");
    }

    @Test
    void aHeapCommandsHelpAndAnArgumentGogoCannotFitAreAnsweredAsAtTheConsole() throws Exception {
        Path socket = dir.resolve("console.sock");
        open(socket);
        Answer answer = attach(socket, "script", "heap:alloc --help", "heap:alloc 64k --count lots");
        assertTrue(answer.out().startsWith("usage: heap:alloc"), answer.out());
        assertTrue(answer.err().startsWith("error: heap:alloc: "), "explained, not Gogo's 'Cannot coerce': " + answer.err());
        assertEquals(1, answer.status());
    }

    /** A command that waits until it is interrupted (a waiting allocation, say), and says when it has begun. */
    public static final class Waiting {
        final java.util.concurrent.CountDownLatch begun = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch interrupted = new java.util.concurrent.CountDownLatch(1);

        public String waitForInterrupt() {
            begun.countDown();
            try {
                Thread.sleep(30_000);
                return "not interrupted";
            } catch (InterruptedException e) {
                interrupted.countDown();
                return "interrupted";
            }
        }
    }

    /**
     * As at the console, the client's Ctrl-C interrupts the command running — its own thread, where Gogo runs it, not
     * only the session's, which left the command running on — and the session goes on.
     */
    @Test
    void aCtrlCLineInterruptsTheCommandRunningAndTheNextLineRunsUndisturbed() throws Exception {
        Waiting waiting = new Waiting();
        processor.addCommand("test", waiting);
        Path socket = dir.resolve("console.sock");
        open(socket);
        try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            var toPlatform = Channels.newOutputStream(client);
            toPlatform.write((AttachedConsole.HELLO + "interactive\ntest:waitForInterrupt\n").getBytes(StandardCharsets.UTF_8));
            assertTrue(waiting.begun.await(10, java.util.concurrent.TimeUnit.SECONDS), "the command began");
            toPlatform.write((AttachedConsole.INTERRUPT + "\nheap:free 99\n").getBytes(StandardCharsets.UTF_8));
            client.shutdownOutput();
            Answer answer = read(new DataInputStream(Channels.newInputStream(client)));
            assertTrue(waiting.interrupted.await(10, java.util.concurrent.TimeUnit.SECONDS), "the command saw the interrupt");
            assertTrue(answer.err().startsWith("error: interrupted\nerror: NOT_FOUND: no collection 99"),
                    "the next line runs, not interrupted itself: " + answer.err());
            assertEquals(0, answer.status(), "interactive");
        }
    }

    /** An operator sees each client come and go, a client that vanished mid-session too (it logged nothing). */
    @Test
    void aClientThatVanishesMidSessionIsLoggedAsGone() throws Exception {
        List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                logged.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger.getLogger("heap.shell").addHandler(handler);
        try {
            Path socket = dir.resolve("console.sock");
            open(socket);
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                Channels.newOutputStream(client).write((AttachedConsole.HELLO + "script\nheap:list\n")
                        .getBytes(StandardCharsets.UTF_8));
            } // gone before the answer
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (logged.stream().noneMatch(line -> line.matches("console \\d+ went away: .*"))) {
                assertTrue(System.nanoTime() < deadline, "no 'went away' line in " + logged);
                Thread.sleep(20);
            }
            assertTrue(logged.stream().anyMatch(line -> line.matches("console \\d+ attached \\(script\\)")), logged.toString());
        } finally {
            java.util.logging.Logger.getLogger("heap.shell").removeHandler(handler);
        }
    }

    @Test
    void aClientThatDoesNotSayHelloIsToldWhatWasExpectedAndEndsWithStatusTwo() throws Exception {
        Path socket = dir.resolve("console.sock");
        open(socket);
        Answer answer = exchange(socket, "heap:list\n");
        assertEquals("error: not a heap console client (expected a 'heap-attach 1 script' line first)\n", answer.err());
        assertEquals("", answer.out(), "nothing ran");
        assertEquals(2, answer.status());
    }

    @Test
    void theSocketIsTheUsersAloneAndGoesWithTheComponentTellingAClientStillAttached() throws Exception {
        Path socket = dir.resolve("console.sock");
        ConsoleSocket console = open(socket);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        try (var left = Files.list(dir)) {
            assertEquals(List.of(socket), left.toList(), "the private directory it was bound in is gone");
        }
        try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            Channels.newOutputStream(client).write("heap-attach 1 interactive\n".getBytes(StandardCharsets.UTF_8));
            DataInputStream frames = new DataInputStream(Channels.newInputStream(client));
            assertEquals('P', frames.readUnsignedByte(), "attached, waiting for a line");
            frames.readFully(new byte[frames.readInt()]);
            console.close();
            Answer answer = read(frames);
            assertEquals("the platform's shell is stopping: this console ends\n", answer.err());
            assertEquals(0, answer.status());
        }
        assertFalse(Files.exists(socket), "removed with the component");
    }

    /** A platform killed (-9) leaves its socket file; the next one at that path takes it over. */
    @Test
    void aSocketFileNoProcessAnswersAtIsReplaced() throws Exception {
        Path socket = dir.resolve("console.sock");
        try (ServerSocketChannel killed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            killed.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket));
        open(socket);
        assertEquals(0, attach(socket, "script", "heap:list").status());
    }

    /** Two platforms given one path: the second takes no attached consoles and leaves the first's socket alone. */
    @Test
    void aSecondPlatformAtThePathOfOneRunningLeavesItsSocketAlone() throws Exception {
        Path socket = dir.resolve("console.sock");
        open(socket);
        Object inode = Files.getAttribute(socket, "unix:ino");
        open(socket);
        assertEquals(inode, Files.getAttribute(socket, "unix:ino"), "the first platform's socket, not replaced");
        assertEquals(0, attach(socket, "script", "heap:list").status(), "the first platform still answers");
    }

    @Test
    void aFileAtThePathThatIsNotASocketIsNeitherRemovedNorUsed() throws Exception {
        Path notASocket = Files.writeString(dir.resolve("notes.txt"), "keep me");
        open(notASocket);
        assertEquals("keep me", Files.readString(notASocket));
    }

    /** A path the kernel cannot bind (a Unix socket's path has at most 107 bytes): no socket, and the shell runs on. */
    @Test
    void aPathNoSocketCanHaveLeavesNothingBehindAndClosesCleanly() throws Exception {
        Path tooLong = dir.resolve("x".repeat(120) + ".sock");
        ConsoleSocket console = open(tooLong);
        assertFalse(Files.exists(tooLong), "bound through a shorter path, it was there and no client could connect");
        console.close();
        try (var left = Files.list(dir)) {
            assertEquals(List.of(), left.toList(), "neither the socket nor the private directory it was to be bound in");
        }
    }

    @Test
    void withoutThePropertyThereIsNoSocket() throws Exception {
        sockets.add(new ConsoleSocket(processor, context(null)));
        try (var left = Files.list(dir)) {
            assertEquals(List.of(), left.toList());
        }
    }

    private ConsoleSocket open(Path socket) {
        ConsoleSocket console = new ConsoleSocket(processor, context(socket.toString()));
        sockets.add(console);
        return console;
    }

    private static Answer attach(Path socket, String mode, String... lines) throws IOException {
        return exchange(socket, AttachedConsole.HELLO + mode + "\n" + String.join("\n", lines) + "\n");
    }

    /** Sends {@code text}, ends the client's output (its end of input) and reads every frame up to the last. */
    private static Answer exchange(Path socket, String text) throws IOException {
        try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            Channels.newOutputStream(client).write(text.getBytes(StandardCharsets.UTF_8));
            client.shutdownOutput();
            return read(new DataInputStream(Channels.newInputStream(client)));
        }
    }

    private static Answer read(DataInputStream frames) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int prompts = 0;
        while (true) {
            int type;
            byte[] bytes;
            try {
                type = frames.readUnsignedByte();
                bytes = new byte[frames.readInt()];
                frames.readFully(bytes);
            } catch (EOFException e) {
                throw new AssertionError("the connection ended without an exit frame; so far: " + out + err, e);
            }
            switch (type) {
                case 'O' -> out.write(bytes);
                case 'E' -> err.write(bytes);
                case 'P' -> prompts++;
                case 'X' -> {
                    return new Answer(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), prompts,
                            java.nio.ByteBuffer.wrap(bytes).getInt());
                }
                default -> throw new AssertionError("frame type " + type);
            }
        }
    }

    /** The shell bundle's context as the component sees it: the socket property, and the bundle itself, active. */
    private static BundleContext context(String socket) {
        Bundle shell = (Bundle) Proxy.newProxyInstance(ConsoleSocketTest.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getState" -> Bundle.ACTIVE;
                    case "getBundleId" -> 6L;
                    default -> null;
                });
        return (BundleContext) Proxy.newProxyInstance(ConsoleSocketTest.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getProperty" -> ConsoleSocket.PROPERTY.equals(args[0]) ? socket : null;
                    case "getBundle" -> shell;
                    default -> null;
                });
    }
}
