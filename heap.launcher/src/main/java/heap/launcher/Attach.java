package heap.launcher;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code ./platform --attach [SCRIPT]}: runs command lines in a platform that is already running (a service, say),
 * through the Unix socket its shell listens on (heap.shell's {@code ConsoleSocket}). Lines come from SCRIPT or
 * stdin; output goes to stdout, errors to stderr, as at the platform's own console. Exit status: 0, 1 when a line of
 * a script failed (or the platform went away), 2 when no platform answers. Runs as a source file, with the JDK
 * alone: {@code java Attach.java SOCKET [SCRIPT]}.
 */
public final class Attach {
    /** The wire format of heap.shell's {@code AttachedConsole}, which documents it. */
    static final String HELLO = "heap-attach 1 ";

    private Attach() {
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
        boolean interactive = script == null && terminal;
        try (channel) {
            OutputStream toPlatform = Channels.newOutputStream(channel);
            toPlatform.write((HELLO + (interactive ? "interactive" : "script") + "\n").getBytes(StandardCharsets.UTF_8));
            toPlatform.flush();
            InputStream lines = script == null ? stdin : Files.newInputStream(script);
            Thread sender = Thread.ofPlatform().daemon().name("attach-input").start(() -> send(lines, channel, toPlatform));
            int status = receive(new DataInputStream(Channels.newInputStream(channel)), out, err, interactive);
            sender.interrupt();
            return status;
        } catch (IOException e) {
            err.println("error: the platform at " + socket + " went away: " + e.getMessage());
            return 1;
        }
    }

    /** Copies lines to the platform, then ends the connection's output: the platform's cue that input has ended. */
    private static void send(InputStream lines, SocketChannel channel, OutputStream toPlatform) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(lines, StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                toPlatform.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                toPlatform.flush();
            }
            channel.shutdownOutput();
        } catch (IOException e) {
            // the platform ended the session first (exit, or it stopped): nothing more to send
        }
    }

    private static int receive(DataInputStream frames, PrintStream out, PrintStream err, boolean interactive)
            throws IOException {
        while (true) {
            int type;
            byte[] bytes;
            try {
                type = frames.readUnsignedByte();
                bytes = new byte[frames.readInt()];
                frames.readFully(bytes);
            } catch (EOFException e) {
                out.flush();
                err.println("error: the platform ended the connection before the session's end (it stopped?)");
                return 1;
            }
            switch (type) {
                case 'O' -> out.write(bytes, 0, bytes.length);
                case 'E' -> err.write(bytes, 0, bytes.length);
                case 'P' -> {
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
