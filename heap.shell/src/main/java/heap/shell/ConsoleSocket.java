package heap.shell;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * the user's alone ({@link UserSocket}) and goes when this component does.
 */
@Component(immediate = true, service = {})
public class ConsoleSocket {
    static final String PROPERTY = "heap.console.socket";
    private static final System.Logger LOG = System.getLogger("heap.shell");

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
            return UserSocket.bind(path);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "no attached consoles at " + path + ": "
                    + (e instanceof UserSocket.Refused ? e.getMessage() : e.toString()) + " (" + PROPERTY
                    + ", HEAP_CONSOLE_SOCKET for ./platform, names another path)");
            return null;
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
