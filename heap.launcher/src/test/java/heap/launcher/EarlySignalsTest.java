package heap.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent ./platform starts java with, on a program that never takes the signal over (no console comes up). */
class EarlySignalsTest {
    private static final Path AGENT = Path.of(System.getProperty("launcher.jar", "target/heap.launcher-1.0.0-SNAPSHOT.jar"));

    @TempDir
    Path dir;

    @Test
    void aSigtermNoConsoleTakesIsHeldForItsBoundThenEndsTheProcessWithItsStatus() throws Exception {
        Path program = Files.writeString(dir.resolve("Waits.java"), """
                public class Waits {
                    public static void main(String[] args) throws Exception {
                        System.out.println("up");
                        Thread.sleep(60_000);
                    }
                }
                """);
        Path err = dir.resolve("err.txt");
        Process java = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-javaagent:" + AGENT.toAbsolutePath() + "=2", program.toString()).redirectError(err.toFile()).start();
        assertEquals("up", new String(java.getInputStream().readNBytes(2)), "the program runs, the agent in place");
        long sent = System.nanoTime();
        assertEquals(0, new ProcessBuilder("bash", "-c", "kill -s TERM " + java.pid()).inheritIO().start().waitFor());
        Thread.sleep(1000);
        assertTrue(java.isAlive(), "held, not the JVM's own end at once");
        assertTrue(java.waitFor(20, TimeUnit.SECONDS), "ended once the bound passed");
        assertTrue(System.nanoTime() - sent >= 2_000_000_000L, "not before its 2 s bound");
        assertEquals(143, java.exitValue(), "as a process SIGTERM ended");
        assertEquals("SIGTERM came as the platform started, and no console took it within 2 s: leaving\n",
                Files.readString(err));
    }
}
