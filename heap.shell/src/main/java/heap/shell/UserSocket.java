package heap.shell;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/**
 * A Unix socket only this user can connect to, even for an instant: bound in a new directory of mode 0700, made mode
 * 0600, then moved into place. A socket file already at the path is taken over only when no process answers there
 * (a platform killed with -9 left it); anything else there is left alone.
 */
final class UserSocket {
    /** Why there is no socket at a path, in words for the log. */
    static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;

        Refused(String reason) {
            super(reason);
        }
    }

    /** sun_path holds 108 bytes on Linux, the last a NUL. */
    static final int MAX_PATH_BYTES = 107;
    /** S_IFMT and S_IFSOCK of a file's {@code unix:mode}. */
    private static final int FILE_TYPE = 0170000;
    private static final int SOCKET_TYPE = 0140000;

    private UserSocket() {
    }

    static ServerSocketChannel bind(Path path) throws IOException {
        int length = path.toString().getBytes(StandardCharsets.UTF_8).length;
        if (length > MAX_PATH_BYTES) { // moved there from a shorter path it would exist, and no client could reach it
            throw new Refused("a Unix socket's path has at most " + MAX_PATH_BYTES + " bytes, this one " + length);
        }
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            if ((((Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & FILE_TYPE) != SOCKET_TYPE) {
                throw new Refused("it is a file, not a socket");
            }
            if (answers(path)) {
                throw new Refused("another platform answers there");
            }
            Files.delete(path);
        }
        Path privateDirectory = privateDirectory(Files.createDirectories(path.getParent()));
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
    }

    /** True when a process accepts connections at {@code path}: a running platform, not a file one left behind. */
    static boolean answers(Path path) {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A new directory only this user can enter, its name short, so the path bound in it fits too. */
    private static Path privateDirectory(Path parent) throws IOException {
        SecureRandom random = new SecureRandom();
        for (int attempt = 0; ; attempt++) {
            try {
                return Files.createDirectory(parent.resolve(".hc" + Integer.toString(random.nextInt(1 << 30), 36)),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                if (attempt == 10) {
                    throw e;
                }
            }
        }
    }
}
