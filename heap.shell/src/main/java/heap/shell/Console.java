package heap.shell;

import heap.api.allocator.BufferAllocator;
import heap.api.allocator.HeapState;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The platform's console: once the heaps have registered, reads command lines from stdin (a terminal, a pipe or a
 * script) and runs each in a Gogo session. At end of input it stops the framework; the process then exits 0, or 1
 * if any command failed. Enabled by the framework property {@code heap.console=true} (the launcher sets it).
 */
@Component(immediate = true, service = {})
public class Console {
    private static final String STARTED = "heap.console.started";

    @Activate
    public Console(@Reference CommandProcessor processor, @Reference BufferAllocator allocator,
            @Reference HeapCommands commands, BundleContext context) {
        if (Boolean.parseBoolean(context.getProperty("heap.console")) && System.getProperty(STARTED) == null) {
            System.setProperty(STARTED, "true"); // one console per process, even if this bundle restarts
            ScriptExit.install();
            Thread.ofPlatform().daemon().name("heap-console").start(() -> run(processor, allocator, context));
        }
    }

    // Gogo routes System.out/err per thread; the session needs the real descriptors, or it would write to itself.
    private static final PrintStream OUT = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
    private static final PrintStream ERR = new PrintStream(new FileOutputStream(FileDescriptor.err), true);

    private static void run(CommandProcessor processor, BufferAllocator allocator, BundleContext context) {
        awaitHeaps(allocator, context);
        boolean interactive = System.console() != null;
        InputStream stdin = new FileInputStream(FileDescriptor.in);
        CommandSession session = processor.createSession(stdin, OUT, ERR);
        BufferedReader input = new BufferedReader(new InputStreamReader(stdin));
        try {
            while (true) {
                if (interactive) {
                    OUT.print("heap> ");
                    OUT.flush();
                }
                String line = input.readLine();
                if (line == null) {
                    break;
                }
                if (!line.isBlank() && !line.stripLeading().startsWith("#")) {
                    execute(session, line);
                }
            }
        } catch (IOException e) {
            ERR.println("error: cannot read the console: " + e.getMessage());
            HeapCommands.FAILURES.incrementAndGet();
        }
        stopFramework(context);
    }

    private static void execute(CommandSession session, String line) {
        try {
            Object result = session.execute(line);
            if (result != null) {
                OUT.println(session.format(result, Converter.INSPECT));
            }
        } catch (Exception e) {
            HeapCommands.FAILURES.incrementAndGet();
            Throwable cause = e instanceof java.lang.reflect.InvocationTargetException && e.getCause() != null ? e.getCause() : e;
            ERR.println("error: " + (cause.getMessage() == null ? cause.toString() : cause.getMessage()));
        }
    }

    /**
     * Waits (at most 10 s) until the framework has started every bundle and the registry has heard from every heap
     * service, so the first command sees the whole platform.
     */
    private static void awaitHeaps(BufferAllocator allocator, BundleContext context) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            var heaps = allocator.heaps();
            if (context.getBundle(0).getState() == Bundle.ACTIVE && heaps.size() >= heapServices(context)
                    && heaps.stream().noneMatch(status -> status.state() == HeapState.PENDING)) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static int heapServices(BundleContext context) {
        try {
            var references = context.getServiceReferences(heap.api.Heap.class, null);
            return references.size();
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void stopFramework(BundleContext context) {
        try {
            Bundle framework = context.getBundle(0);
            framework.stop();
        } catch (BundleException | IllegalStateException e) {
            Runtime.getRuntime().exit(HeapCommands.FAILURES.get() > 0 ? 1 : 0);
        }
    }
}
