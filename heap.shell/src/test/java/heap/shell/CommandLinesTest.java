package heap.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/** A console's Ctrl-C, on a real Gogo runtime: it must reach the command, which Gogo runs in a thread of its own. */
class CommandLinesTest {
    private final ThreadIOImpl threadIo = new ThreadIOImpl();
    private final CommandProcessorImpl processor = new CommandProcessorImpl(threadIo);
    private final ConsoleSocketTest.Waiting waiting = new ConsoleSocketTest.Waiting();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final PrintStream errors = new PrintStream(err, true, StandardCharsets.UTF_8);
    private final PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    private final CommandLines lines = new CommandLines(context());
    private final CommandSession session;

    CommandLinesTest() {
        threadIo.start();
        processor.addCommand("test", waiting);
        session = processor.createSession(InputStream.nullInputStream(), out, errors);
    }

    @AfterEach
    void stop() {
        session.close();
        processor.stop();
        threadIo.stop();
    }

    /**
     * Pressed as the line is entered, before Gogo has started the command: the command is cancelled or interrupted,
     * never left to run on (it took no interrupt before its job had started, and such a Ctrl-C was lost).
     */
    @Test
    void aCtrlCAsTheLineBeginsStillInterruptsItsCommand() throws Exception {
        CommandLines.Current current = new CommandLines.Current();
        CompletableFuture<Boolean> ran = CompletableFuture.supplyAsync(
                () -> current.run(lines, session, "test:waitForInterrupt", out, errors));
        while (!current.interrupt()) { // from the first moment the line counts as running
            Thread.onSpinWait();
        }
        assertFalse(ran.get(10, TimeUnit.SECONDS), "the line ended within seconds, failed, not after the 30 s wait");
        assertEquals("error: interrupted\n", err.toString(StandardCharsets.UTF_8));
        assertTrue(waiting.begun.getCount() == 1 || waiting.interrupted.await(10, TimeUnit.SECONDS),
                "the command either never began (cancelled before Gogo started it) or saw the interrupt");
        assertFalse(current.interrupt(), "nothing runs once the line has ended");
    }

    @Test
    void aCtrlCWithNoLineRunningInterruptsNothing() {
        assertFalse(new CommandLines.Current().interrupt());
    }

    private static BundleContext context() {
        Bundle shell = (Bundle) Proxy.newProxyInstance(CommandLinesTest.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (proxy, method, args) -> method.getName().equals("getState") ? Bundle.ACTIVE : null);
        return (BundleContext) Proxy.newProxyInstance(CommandLinesTest.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (proxy, method, args) -> method.getName().equals("getBundle") ? shell : null);
    }
}
