package heap.shell;

import heap.api.allocator.BufferAllocator;
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
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

/**
 * The platform's console: once the heaps have registered, reads command lines from stdin (a terminal, a pipe or a
 * script) and runs each in a Gogo session. At end of input it stops the framework; the process then exits 0, or 1
 * if any command failed. SIGTERM and SIGHUP stop the framework the same way (exit 143, 129). With
 * {@code heap.console=serve}, or stdin at /dev/null, there is no console: the platform runs until such a signal (a
 * service). Enabled by the framework property {@code heap.console=true} (the launcher sets it). It
 * needs no registry: when the registry or a heap could not start, it says why and opens anyway, so an operator can
 * look ({@code scr:info}, {@code lb}) instead of waiting at no prompt.
 */
@Component(immediate = true, service = {})
public class Console {
    private static final String MARKER = "(heap.console=running)";
    private static final System.Logger LOG = System.getLogger("heap.shell");

    /** This bundle's view of the registry, when there is one: the console opens without it. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile BufferAllocator allocator;

    @Activate
    public Console(@Reference CommandProcessor processor, @Reference ServiceComponentRuntime components,
            BundleContext context) {
        String mode = context.getProperty("heap.console"); // true: a console on stdin; serve: none, run until a signal
        boolean console = Boolean.parseBoolean(mode);
        boolean nothingToRead = console && stdinIsDevNull();
        boolean serve = "serve".equals(mode) || nothingToRead;
        boolean attachable = context.getProperty(ConsoleSocket.PROPERTY) != null;
        if ((console || serve) && claimTheConsole(context)) {
            if (nothingToRead) {
                LOG.log(System.Logger.Level.INFO, "stdin is /dev/null: serving without a console until SIGTERM "
                        + "(as ./platform --serve, heap.console=serve)");
            }
            ScriptExit.install();
            EarlyLogLayout.keepForTheProcess(console); // this revision's loader stays with the console thread anyway
            // The console outlives an update of this bundle: its thread and signal handlers run this revision's code
            // after the revision's loader can load nothing more, so everything is loaded now, and they hold the
            // system bundle, not this bundle's context, which the update invalidates.
            heap.api.spi.BundleClasses.loadAll(context.getBundle());
            Bundle framework = context.getBundle(0);
            PlatformStop.onSignals(framework);
            Thread.ofPlatform().daemon().name("heap-console").start(() -> {
                StartUp startUp = new StartUp(context, components, () -> allocator);
                startUp.await();
                startUp.report(ERR);
                if (PlatformStop.platformIsUp(framework)) {
                    return;
                }
                if (serve) {
                    LOG.log(System.Logger.Level.INFO, "serving without a console: the Web Console, /metrics and JMX "
                            + "show the platform" + (attachable ? ", ./platform --attach runs commands in it" : "")
                            + "; SIGTERM stops it");
                    return;
                }
                run(processor, context);
                PlatformStop.framework(framework);
            });
        }
    }

    /**
     * A service manager's stdin (systemd's default, {@code docker run} without -i, nohup): a console there would read
     * its end at once and stop the platform it was started to run.
     */
    private static boolean stdinIsDevNull() {
        try {
            return java.nio.file.Files.isSameFile(java.nio.file.Path.of("/proc/self/fd/0"), java.nio.file.Path.of("/dev/null"));
        } catch (IOException | RuntimeException e) {
            return false;
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

    /** The line running: Ctrl-C interrupts its command (a waiting allocation gives up). */
    private static final CommandLines.Current RUNNING = new CommandLines.Current();

    private static void run(CommandProcessor processor, BundleContext context) {
        CommandLines lines = new CommandLines(context);
        boolean interactive = System.console() != null && System.console().isTerminal();
        if (interactive) {
            ScriptExit.interactive(); // a person at a terminal: failed commands do not make the exit status
            Interrupts.onCtrlC(() -> {
                if (!RUNNING.interrupt()) {
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
                if (!CommandLines.isEmpty(line)) {
                    if (!RUNNING.run(lines, session, line, OUT, ERR)) {
                        ScriptExit.failed();
                    }
                }
            }
        } catch (IOException e) {
            ERR.println("error: cannot read the console: " + e.getMessage());
            ScriptExit.failed();
        }
        OUT.flush();
        LateStdout.toStderr();
    }
}
