package heap.shell;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Command lines from other processes of the same user: a Unix socket at the path the framework property
 * {@code heap.console.socket} names (./platform sets it), which {@code ./platform --attach} connects to. Each
 * connection is a session of its own, run as the console runs its lines ({@link AttachedConsole}). The socket is
 * the user's alone (mode 0600, bound in a private directory and moved into place, so no other user can connect
 * even for an instant), and goes when this component does.
 */
@Component(immediate = true, service = {})
public class ConsoleSocket {
    static final String PROPERTY = "heap.console.socket";
    private static final System.Logger LOG = System.getLogger("heap.shell");
    /** S_IFMT and S_IFSOCK of a file's {@code unix:mode}. */
    private static final int FILE_TYPE = 0170000;
    private static final int SOCKET_TYPE = 0140000;

    private final Path path;
    private final ServerSocketChannel server;
    private final Set<AttachedConsole> attached = ConcurrentHashMap.newKeySet();
    private final AtomicInteger sessions = new AtomicInteger();

    @Activate
    public ConsoleSocket(@Reference CommandProcessor processor, BundleContext context) {
        String configured = context.getProperty(PROPERTY);
        this.path = configured == null || configured.isBlank() ? null : Path.of(configured).toAbsolutePath();
        this.server = path == null ? null : listen(path);
        if (server != null) {
            CommandLines lines = new CommandLines(context);
            Thread.ofPlatform().daemon().name("heap-console-socket").start(() -> accept(processor, lines));
            LOG.log(System.Logger.Level.INFO, "commands from other processes: ./platform --attach connects to " + path);
        }
    }

    /** The bound socket, or null (said in one line) where there can be none. */
    private static ServerSocketChannel listen(Path path) {
        try {
            if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                if (!isSocket(path)) {
                    LOG.log(System.Logger.Level.WARNING, path + " is not a socket: no attached consoles (" + PROPERTY
                            + ", HEAP_CONSOLE_SOCKET for ./platform, names another path)");
                    return null;
                }
                if (answers(path)) {
                    LOG.log(System.Logger.Level.WARNING, "another platform answers at " + path + ": this one takes no "
                            + "attached consoles (" + PROPERTY + ", HEAP_CONSOLE_SOCKET for ./platform, names another path)");
                    return null;
                }
                Files.delete(path); // left by a platform that ended without stopping (kill -9)
            }
            Path parent = Files.createDirectories(path.getParent());
            Path privateDirectory = Files.createTempDirectory(parent, ".heap-console-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path bound = privateDirectory.resolve("s");
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                server.bind(UnixDomainSocketAddress.of(bound));
                Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-------"));
                Files.move(bound, path, StandardCopyOption.ATOMIC_MOVE);
                return server;
            } catch (IOException | RuntimeException e) {
                server.close();
                Files.deleteIfExists(bound);
                throw e;
            } finally {
                Files.deleteIfExists(privateDirectory);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot listen at " + path + " for attached consoles: " + e
                    + (path.toString().length() > 100 ? " (a Unix socket's path has at most 107 bytes)" : ""));
            return null;
        }
    }

    private static boolean isSocket(Path path) throws IOException {
        return ((Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & FILE_TYPE) == SOCKET_TYPE;
    }

    /** True when a process accepts connections at {@code path}: a running platform, not a file one left behind. */
    static boolean answers(Path path) {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void accept(CommandProcessor processor, CommandLines lines) {
        while (server.isOpen()) {
            try {
                AttachedConsole console = new AttachedConsole(server.accept(), processor, lines, sessions.incrementAndGet());
                attached.add(console);
                Thread.ofPlatform().daemon().name("heap-console-attached-" + console.number()).start(() -> {
                    try {
                        console.serve();
                    } finally {
                        attached.remove(console);
                    }
                });
            } catch (IOException e) {
                if (server.isOpen()) {
                    LOG.log(System.Logger.Level.WARNING, "attached consoles at " + path + ": " + e);
                }
            }
        }
    }

    @Deactivate
    void close() {
        if (server == null) {
            return;
        }
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove " + path + ": " + e);
        }
        attached.forEach(AttachedConsole::shellStopping);
    }
}
