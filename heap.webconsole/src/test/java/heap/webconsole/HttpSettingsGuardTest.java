package heap.webconsole;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class HttpSettingsGuardTest {
    @Test
    void portsOffAnyAndFreeArePassed() throws Exception {
        assertNull(HttpSettingsGuard.portProblem("-1", "127.0.0.1"));
        assertNull(HttpSettingsGuard.portProblem("0", "127.0.0.1"));
        int free;
        try (ServerSocket probe = new ServerSocket(0)) {
            free = probe.getLocalPort();
        }
        assertNull(HttpSettingsGuard.portProblem(Integer.toString(free), "127.0.0.1"));
    }

    @Test
    void aPortOutOfRangeNotANumberOrInUseIsRefusedWithTheReason() throws Exception {
        assertTrue(HttpSettingsGuard.portProblem("65536", "127.0.0.1").contains("1 to 65535"));
        assertTrue(HttpSettingsGuard.portProblem("-2", "127.0.0.1").contains("1 to 65535"));
        assertTrue(HttpSettingsGuard.portProblem("http", "127.0.0.1").contains("1 to 65535"));
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            assertEquals("port " + taken.getLocalPort() + " is in use on 127.0.0.1",
                    HttpSettingsGuard.portProblem(Integer.toString(taken.getLocalPort()), "127.0.0.1"));
        }
    }

    @Test
    void aHostThatDoesNotResolveIsRefused() {
        assertNull(HttpSettingsGuard.hostProblem("127.0.0.1"));
        assertTrue(HttpSettingsGuard.hostProblem("no-such-host.invalid").contains("address or a name"));
    }

    @Test
    void theGeneratedPasswordIsStoredAsTheConsolesOwnHashForm() {
        // The console's default for admin, from OsgiManager.DEFAULT_PASSWORD: the same form, so the console reads ours.
        assertEquals("{sha-256}jGl25bVBBBW96Qi9Te4V37Fnqchz/Eu4qB9vKrRIqRg=", ConsolePassword.hash("admin"));
    }
}
