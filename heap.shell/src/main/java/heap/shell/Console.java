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
import java.util.HashSet;
import java.util.Set;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * The platform's console: once the heaps have registered, reads command lines from stdin (a terminal, a pipe or a
 * script) and runs each in a Gogo session. At end of input it stops the framework; the process then exits 0, or 1
 * if any command failed. Enabled by the framework property {@code heap.console=true} (the launcher sets it).
 */
@Component(immediate = true, service = {})
public class Console {
    private static final String MARKER = "(heap.console=running)";

    @Activate
    public Console(@Reference CommandProcessor processor, @Reference BufferAllocator allocator,
            @Reference HeapCommands commands, @Reference ServiceComponentRuntime components, BundleContext context) {
        if (Boolean.parseBoolean(context.getProperty("heap.console")) && claimTheConsole(context)) {
            ScriptExit.install(commands::failures);
            Thread.ofPlatform().daemon().name("heap-console").start(() -> {
                awaitPlatform(allocator, components, context);
                run(processor, context, commands);
            });
        }
    }

    /**
     * One console per framework, even if this bundle restarts (its thread keeps reading stdin): the claim is a
     * marker service registered through the system bundle, so it outlives this bundle and ends with the framework.
     */
    private static boolean claimTheConsole(BundleContext context) {
        BundleContext framework = context.getBundle(0).getBundleContext();
        synchronized (framework) {
            try {
                if (framework.getServiceReferences((String) null, MARKER) != null) {
                    return false;
                }
            } catch (org.osgi.framework.InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
            java.util.Hashtable<String, Object> marker = new java.util.Hashtable<>();
            marker.put("heap.console", "running");
            framework.registerService(Object.class.getName(), new Object(), marker);
            return true;
        }
    }

    // Gogo routes System.out/err per thread; the session needs the real descriptors, or it would write to itself.
    private static final PrintStream OUT = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
    private static final PrintStream ERR = new PrintStream(new FileOutputStream(FileDescriptor.err), true);

    /** The console thread while it runs a command: Ctrl-C interrupts it (a waiting allocation gives up). */
    private static volatile Thread runningCommand;

    private static void run(CommandProcessor processor, BundleContext context, HeapCommands commands) {
        boolean interactive = System.console() != null && System.console().isTerminal();
        if (interactive) {
            ScriptExit.interactive(); // a person at a terminal: failed commands do not make the exit status
            Interrupts.onCtrlC(() -> {
                Thread command = runningCommand;
                if (command != null) {
                    command.interrupt();
                } else {
                    OUT.print("^C\nheap> "); // as a shell does: drop the line, prompt again
                    OUT.flush();
                }
            });
        }
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
                if (line == null || line.strip().equals("exit")) {
                    break;
                }
                if (!line.isBlank() && !line.stripLeading().startsWith("#")) {
                    runningCommand = Thread.currentThread();
                    try {
                        execute(session, line, commands);
                    } finally {
                        runningCommand = null;
                        Thread.interrupted(); // a Ctrl-C that came as the command ended must not hit the next one
                    }
                }
            }
        } catch (IOException e) {
            ERR.println("error: cannot read the console: " + e.getMessage());
            commands.failed();
        }
        stopFramework(context, commands);
    }

    private static void execute(CommandSession session, String line, HeapCommands commands) {
        String heapCommand = Usage.commandOf(line);
        if (heapCommand != null && Usage.wantsHelp(line)) {
            OUT.println("usage: " + Usage.COMMANDS.get(heapCommand).usage());
            return;
        }
        try {
            Object result = session.execute(line);
            if (result != null) {
                OUT.println(session.format(result, Converter.INSPECT));
            }
        } catch (Exception e) {
            commands.failed();
            Throwable cause = e instanceof java.lang.reflect.InvocationTargetException && e.getCause() != null ? e.getCause() : e;
            String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
            if (heapCommand != null && message.startsWith("Cannot coerce")) {
                message = Usage.explain(line); // Gogo found no parameters to fit: say which argument and how
                if (line.contains("--json")) {
                    OUT.println(Json.write(HeapCommands.errorDocument("INVALID_ARGS", message)));
                    return;
                }
            }
            ERR.println("error: " + message);
        }
    }

    /**
     * Waits (at most 10 s) until the framework and every bundle meant to start have started, SCR has settled every
     * immediate component of every started bundle, and the registry has heard from every heap: the first command
     * sees the whole platform.
     */
    private static void awaitPlatform(BufferAllocator allocator, ServiceComponentRuntime components, BundleContext context) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline && !(context.getBundle(0).getState() == Bundle.ACTIVE
                && everyBundleStarted(context) && componentsSettled(components, context)
                && allocator.heaps().stream().noneMatch(status -> status.state() == HeapState.PENDING))) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The framework is ACTIVE before its start levels are all raised: wait for every bundle meant to start. */
    private static boolean everyBundleStarted(BundleContext context) {
        for (Bundle bundle : context.getBundles()) {
            var startLevel = bundle.adapt(org.osgi.framework.startlevel.BundleStartLevel.class);
            if (startLevel != null && startLevel.isPersistentlyStarted() && bundle.getHeaders().get("Fragment-Host") == null
                    && bundle.getState() != Bundle.ACTIVE) {
                return false;
            }
        }
        return true;
    }

    private static boolean componentsSettled(ServiceComponentRuntime components, BundleContext context) {
        var descriptions = components.getComponentDescriptionDTOs();
        Set<Long> processed = new HashSet<>();
        descriptions.forEach(description -> processed.add(description.bundle.id));
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getState() == Bundle.ACTIVE && bundle.getHeaders().get("Service-Component") != null
                    && !processed.contains(bundle.getBundleId())) {
                return false;
            }
        }
        for (ComponentDescriptionDTO description : descriptions) {
            if (description.immediate && components.isComponentEnabled(description)) {
                var configurations = components.getComponentConfigurationDTOs(description);
                if (configurations.isEmpty() || configurations.stream().anyMatch(c -> c.state == ComponentConfigurationDTO.SATISFIED)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void stopFramework(BundleContext context, HeapCommands commands) {
        try {
            Bundle framework = context.getBundle(0);
            framework.stop();
        } catch (BundleException | IllegalStateException e) {
            Runtime.getRuntime().exit(commands.failures() > 0 ? 1 : 0);
        }
    }
}
