package heap.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** After the console's last command, a line printed to stdout reaches stderr: a process of its own shows it. */
class LateStdoutTest {
    /** The process: a command's output, the switch, then a late line as a stopping bundle would print it. */
    public static void main(String[] args) {
        System.out.println("command output");
        if (!LateStdout.toStderr()) {
            System.exit(3);
        }
        System.out.println("WARNING: a late line");
    }

    @Test
    void aLinePrintedToStdoutAfterTheLastCommandReachesStderr() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), LateStdoutTest.class.getName())).start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(30, TimeUnit.SECONDS);
        assertEquals(0, process.exitValue(), err);
        assertEquals("command output" + System.lineSeparator(), out);
        assertEquals("WARNING: a late line" + System.lineSeparator(), err);
    }
}
