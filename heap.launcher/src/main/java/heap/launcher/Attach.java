package heap.launcher;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code ./platform --attach [SCRIPT]}: runs command lines in a platform that is already running (a service, say),
 * through the Unix socket its shell listens on (heap.shell's {@code ConsoleSocket}). Lines come from SCRIPT or
 * stdin; output goes to stdout, errors to stderr, as at the platform's own console, and at a terminal Ctrl-C
 * interrupts the command running (or drops the line being typed). Exit status: 0, 1 when a line of a script failed
 * (or the platform went away), 2 when no platform answers. Runs as a source file, with the JDK alone:
 * {@code java Attach.java SOCKET [SCRIPT]}.
 */
public final class Attach {
    /** The wire format of heap.shell's {@code AttachedConsole}, which documents it. */
    static final String HELLO = "heap-attach 1 ";
    static final String INTERRUPT = "\u0003";

    private final SocketChannel channel;
    private final OutputStream toPlatform;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean interactive;
    /** From sending a line until the platform asks for the next: a Ctrl-C then interrupts the command. */
    private volatile boolean commandRunning;

    private Attach(SocketChannel channel, PrintStream out, PrintStream err, boolean interactive) {
        this.channel = channel;
        this.toPlatform = Channels.newOutputStream(channel);
        this.out = out;
        this.err = err;
        this.interactive = interactive;
    }

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: ./platform --attach [SCRIPT] (one script; got " + Math.max(0, args.length - 1)
                    + " arguments)");
            System.exit(2);
        }
        System.exit(run(Path.of(args[0]), args.length == 2 ? Path.of(args[1]) : null, System.in, System.out, System.err,
                System.console() != null && System.console().isTerminal()));
    }

    /** Sends the lines of {@code script} (or {@code stdin}) and copies the answers; returns the exit status. */
    static int run(Path socket, Path script, InputStream stdin, PrintStream out, PrintStream err, boolean terminal) {
        if (script != null && !(Files.isRegularFile(script) && Files.isReadable(script))) {
            err.println("error: script " + script + " is not a readable file");
            return 2;
        }
        SocketChannel channel;
        try {
            channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (IOException | RuntimeException e) {
            err.println("error: no platform answers at " + socket + " (" + e.getMessage() + "); start one with "
                    + "./platform --serve, with the same DEPLOY_DIR (or HEAP_CONSOLE_SOCKET) as this command");
            return 2;
        }
        Attach attach = new Attach(channel, out, err, script == null && terminal);
        try (channel) {
            attach.write(HELLO + (attach.interactive ? "interactive" : "script"));
            if (attach.interactive) {
                Signals.on("INT", attach::ctrlC); // without it, Ctrl-C ends the client, as it would anyway
            }
            InputStream lines = script == null ? stdin : Files.newInputStream(script);
            Thread.ofPlatform().daemon().name("attach-input").start(() -> attach.send(lines));
            return attach.receive(new DataInputStream(Channels.newInputStream(channel)));
        } catch (IOException e) {
            err.println("error: the platform at " + socket + " went away: " + e.getMessage());
            return 1;
        }
    }

    private void write(String line) throws IOException {
        synchronized (toPlatform) {
            toPlatform.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            toPlatform.flush();
        }
    }

    /** Copies lines to the platform, then ends the connection's output: the platform's cue that input has ended. */
    private void send(InputStream lines) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(lines, StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                commandRunning = true;
                write(line);
            }
            channel.shutdownOutput();
        } catch (IOException e) {
            // the platform ended the session first (exit, or it stopped): nothing more to send
        }
    }

    /** As at the console: interrupts the command running, or drops the line being typed and prompts again. */
    private void ctrlC() {
        try {
            if (commandRunning) {
                write(INTERRUPT);
            } else {
                out.print("^C\nheap> ");
                out.flush();
            }
        } catch (IOException e) {
            // the platform went: the receiver says so
        }
    }

    private int receive(DataInputStream frames) throws IOException {
        while (true) {
            int type;
            byte[] bytes;
            try {
                type = frames.readUnsignedByte();
                bytes = new byte[frames.readInt()];
                frames.readFully(bytes);
            } catch (EOFException | SocketException e) { // a reset: it closed with our lines still unread
                out.flush();
                err.println("error: the platform ended the connection before the session's end (it stopped?)");
                return 1;
            }
            switch (type) {
                case 'O' -> out.write(bytes, 0, bytes.length);
                case 'E' -> err.write(bytes, 0, bytes.length);
                case 'P' -> {
                    commandRunning = false;
                    if (interactive) {
                        out.print("heap> ");
                    }
                }
                case 'X' -> {
                    out.flush();
                    err.flush();
                    return java.nio.ByteBuffer.wrap(bytes).getInt();
                }
                default -> throw new IOException("unknown frame type " + type + " (a platform of another version?)");
            }
            out.flush();
            err.flush();
        }
    }
}
