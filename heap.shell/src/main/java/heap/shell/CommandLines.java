package heap.shell;

import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.util.ConcurrentModificationException;
import java.util.List;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.apache.felix.service.command.Job;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * Runs one command line in a Gogo session, for the console and for an attached client alike: a heap command's
 * {@code --help}, refusals that explain themselves ({@link PlainUpdate}), and errors as one line, never a stack trace.
 */
final class CommandLines {
    private final BundleContext context;
    private final Bundle shell;

    CommandLines(BundleContext context) {
        this.context = context;
        this.shell = context.getBundle();
    }

    /** True for a comment or a blank line, which run nothing. */
    static boolean isEmpty(String line) {
        return line.isBlank() || line.stripLeading().startsWith("#");
    }

    /**
     * The line a console runs now, if any: what its Ctrl-C interrupts. Gogo runs each command in a thread of its
     * own, which interrupting the caller of {@code execute} leaves running, so the Ctrl-C goes to the session's jobs,
     * again every 10 ms while the line runs (a job takes no interrupt before it has started). A job interrupted
     * before it started never runs, and Gogo then waits for it for ever: if the line still runs after 200 ms, its
     * caller is interrupted too, which ends that wait. Either way the line ends with "error: interrupted".
     */
    static final class Current {
        private record Line(CommandSession session, Thread caller) { // one per line run: a Ctrl-C never hits the next
        }

        private Line line; // guarded by this

        /** Runs {@code text} as {@link CommandLines#run} does, as the line a Ctrl-C interrupts. */
        boolean run(CommandLines lines, CommandSession session, String text, PrintStream out, PrintStream err) {
            synchronized (this) {
                line = new Line(session, Thread.currentThread());
            }
            try {
                return lines.run(session, text, out, err);
            } finally {
                synchronized (this) {
                    line = null;
                    Thread.interrupted(); // an interrupt meant for this line must not reach the next
                }
            }
        }

        /** Interrupts the line running; false if none runs. */
        boolean interrupt() {
            Line now;
            synchronized (this) {
                now = line;
            }
            if (now == null) {
                return false;
            }
            for (int attempt = 0; attempt < 100; attempt++) {
                synchronized (this) {
                    if (line != now) {
                        return true; // it ended
                    }
                    interruptJobs(now.session());
                    if (attempt == 20) {
                        now.caller().interrupt();
                    }
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return true;
                }
            }
            return true;
        }
    }

    private static void interruptJobs(CommandSession session) {
        for (int attempt = 0; attempt < 10; attempt++) {
            try {
                for (Job job : List.copyOf(session.jobs())) {
                    if (job.status() != Job.Status.Done) {
                        job.interrupt();
                    }
                }
                return;
            } catch (ConcurrentModificationException e) {
                // a command began or ended as the jobs were read: read them again
            }
        }
    }

    /** Runs {@code line}, its output on {@code out} and its errors on {@code err}; false if it failed. */
    boolean run(CommandSession session, String line, PrintStream out, PrintStream err) {
        String heapCommand = Usage.commandOf(line);
        if (heapCommand != null && Usage.wantsHelp(line)) {
            out.println("usage: " + Usage.COMMANDS.get(heapCommand).usage());
            return true;
        }
        if (PlainRefresh.matches(line)) {
            out.println(PlainRefresh.run(context));
            return true;
        }
        String plainUpdate = PlainUpdate.refusal(line, context);
        if (plainUpdate != null) {
            err.println("error: " + plainUpdate);
            return false;
        }
        try {
            Object result = session.execute(line);
            if (result != null) {
                out.println(session.format(result, Converter.INSPECT));
            }
            return true;
        } catch (InterruptedException e) {
            err.println("error: interrupted");
            return false;
        } catch (Exception e) {
            Throwable cause = e instanceof InvocationTargetException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof CommandFailure failure) {
                (failure.document != null ? out : err).println(failure.document != null ? failure.document
                        : "error: " + failure.getMessage());
                return false;
            }
            String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
            String code = null; // set where a heap command never ran: its --json error document is written here
            if (heapCommand != null && message.startsWith("Command not found")) {
                // The heap commands come and go with this bundle, and with the registry they need
                code = "BAD_STATE";
                message = "heap:" + heapCommand + " is not there while " + (shell.getState() == Bundle.UNINSTALLED
                        ? "the shell's bundle (heap.shell) is uninstalled; install it again to bring them back"
                        : shell.getState() != Bundle.ACTIVE
                        ? "the shell's bundle (heap.shell, " + shell.getBundleId() + ") is not active; start "
                                + shell.getBundleId() + " brings it back"
                        : "the registry (heap.registry) is not running; lb and scr:info "
                                + "heap.registry.HeapRegistryComponent say why");
            } else if (heapCommand != null && message.startsWith("Cannot coerce")) {
                code = "INVALID_ARGS";
                message = Usage.explain(line); // Gogo found no parameters to fit: say which argument and how
            }
            if (code != null && line.contains("--json")) {
                out.println(Json.write(HeapCommands.errorDocument(code, message)));
            } else {
                err.println("error: " + message);
            }
            return false;
        }
    }
}
