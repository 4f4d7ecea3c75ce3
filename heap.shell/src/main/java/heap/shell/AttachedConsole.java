package heap.shell;

import java.io.BufferedReader;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;

/**
 * One client of the {@link ConsoleSocket}: its command lines run in a Gogo session of their own, as the console runs
 * its lines. The client sends a hello line ({@code heap-attach 1 script} or {@code ... interactive}), then command
 * lines, and ends its output at end of input. This side answers in frames, each a type byte, a length and that many
 * bytes: {@code O} for stdout, {@code E} for stderr, {@code P} when it waits for the next line (an interactive
 * client prompts), and {@code X} last, with the exit status (4 bytes): 0, or 1 when a script's line failed. A line
 * that is {@link #INTERRUPT} alone is the client's Ctrl-C: it interrupts the command running, as at the console.
 */
final class AttachedConsole {
    static final String HELLO = "heap-attach 1 ";
    static final String INTERRUPT = "\u0003";
    private static final System.Logger LOG = System.getLogger("heap.shell");

    private final SocketChannel channel;
    private final CommandProcessor processor;
    private final CommandLines lines;
    private final int number;
    private final DataOutputStream frames;
    private volatile boolean ended;
    /** The client's line running: what its Ctrl-C interrupts. */
    private final CommandLines.Current running = new CommandLines.Current();

    AttachedConsole(SocketChannel channel, CommandProcessor processor, CommandLines lines, int number) {
        this.channel = channel;
        this.processor = processor;
        this.lines = lines;
        this.number = number;
        this.frames = new DataOutputStream(Channels.newOutputStream(channel));
    }

    int number() {
        return number;
    }

    void serve() {
        try (channel) {
            BufferedReader input = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
                    StandardCharsets.UTF_8));
            String hello = input.readLine();
            if (hello == null) {
                return; // a probe: another platform asking whether this one runs
            }
            PrintStream out = new PrintStream(new FrameStream('O'), true, StandardCharsets.UTF_8);
            PrintStream err = new PrintStream(new FrameStream('E'), true, StandardCharsets.UTF_8);
            if (!hello.startsWith(HELLO)) {
                err.println("error: not a heap console client (expected a '" + HELLO + "script' line first)");
                end(2);
                return;
            }
            boolean interactive = hello.substring(HELLO.length()).strip().equals("interactive");
            LOG.log(System.Logger.Level.INFO, "console " + number + " attached (" + (interactive ? "interactive" : "script") + ")");
            int commands = 0;
            int failed = 0;
            // Lines are read apart from running them, so a Ctrl-C reaches the command while it runs
            BlockingQueue<Optional<String>> pending = new LinkedBlockingQueue<>();
            Thread.ofPlatform().daemon().name("heap-console-attached-" + number + "-input").start(() -> read(input, pending));
            try (CommandSession session = processor.createSession(InputStream.nullInputStream(), out, err)) {
                while (!ended) {
                    if (interactive) {
                        frame('P', new byte[0]);
                    }
                    String line = pending.take().orElse(null);
                    if (line == null || line.strip().equals("exit")) {
                        break;
                    }
                    if (!CommandLines.isEmpty(line)) {
                        commands++;
                        failed += running.run(lines, session, line, out, err) ? 0 : 1;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // nothing interrupts a wait for a line; if something did, the session ends
            }
            end(!interactive && failed > 0 ? 1 : 0);
            LOG.log(System.Logger.Level.INFO, "console " + number + " detached: " + commands + " command"
                    + (commands == 1 ? "" : "s") + ", " + failed + " failed");
        } catch (IOException e) {
            if (!ended) {
                LOG.log(System.Logger.Level.INFO, "console " + number + " went away: " + e.getMessage());
            }
        }
    }

    /** Queues the client's lines, an empty one last; a Ctrl-C interrupts the command running, if one is. */
    private void read(BufferedReader input, BlockingQueue<Optional<String>> pending) {
        try {
            for (String line = input.readLine(); line != null; line = input.readLine()) {
                if (line.equals(INTERRUPT)) {
                    running.interrupt(); // if none runs, the line had ended: its prompt is on the way
                } else {
                    pending.add(Optional.of(line));
                }
            }
        } catch (IOException e) {
            // the connection ended: as the end of input
        } finally {
            pending.add(Optional.empty());
        }
    }

    /** The shell's bundle is stopping: the client hears why, and its connection ends. */
    void shellStopping() {
        try {
            byte[] message = "the platform's shell is stopping: this console ends\n".getBytes(StandardCharsets.UTF_8);
            frame('E', message);
            end(0);
            channel.close();
        } catch (IOException e) {
            // the client went first
        }
    }

    private void end(int status) throws IOException {
        synchronized (frames) {
            if (!ended) {
                frames.writeByte('X');
                frames.writeInt(4);
                frames.writeInt(status);
                frames.flush();
                ended = true; // not before: a client gone by now is logged as gone
            }
        }
    }

    private void frame(char type, byte[] bytes) throws IOException {
        frame(type, bytes, 0, bytes.length);
    }

    private void frame(char type, byte[] bytes, int offset, int length) throws IOException {
        synchronized (frames) {
            if (!ended) {
                frames.writeByte(type);
                frames.writeInt(length);
                frames.write(bytes, offset, length);
                frames.flush();
            }
        }
    }

    /** What a session prints on one of its streams, a frame per write. */
    private final class FrameStream extends OutputStream {
        private final char type;

        FrameStream(char type) {
            this.type = type;
        }

        @Override
        public void write(int b) throws IOException {
            frame(type, new byte[] {(byte) b});
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            frame(type, bytes, offset, length);
        }
    }
}
