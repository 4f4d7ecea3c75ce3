package heap.shell;

import java.time.LocalTime;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.osgi.annotation.bundle.Header;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;

/**
 * Until the console's log bridge ({@link ConsoleLog}) is up, java.util.logging prints the platform's first records
 * itself — a configuration refused at start among them. From the moment this bundle starts (before SCR, which
 * delivers the configurations), its console handlers print them as the bridge does: ERROR and WARN, not SEVERE and
 * WARNING. Only where the platform's console runs ({@code heap.console=true}). The revision that runs the console
 * keeps its layout on the handlers until the process ends (its loader stays anyway, held by the console's thread), so
 * lines logged while the shell restarts (an update or refresh of it or of heap.api) keep the platform's level names;
 * any other revision leaves that layout alone, and puts back at stop what it replaced, unless the framework is
 * stopping.
 */
@Header(name = Constants.BUNDLE_ACTIVATOR, value = "${@class}")
public final class EarlyLogLayout implements BundleActivator {
    private static volatile boolean keptForTheProcess;
    private final Map<Handler, Formatter> replaced = new HashMap<>();

    /** This revision runs the console: its layout stays on the handlers when the bundle stops. */
    static void keepForTheProcess(boolean keep) {
        keptForTheProcess = keep;
    }

    @Override
    public void start(BundleContext context) {
        if (!Boolean.parseBoolean(context.getProperty("heap.console"))) {
            return;
        }
        for (Handler handler : java.util.logging.Logger.getLogger("").getHandlers()) {
            if (handler instanceof ConsoleHandler && !handler.getFormatter().getClass().getName()
                    .equals(Layout.class.getName())) { // the console's revision's, kept for the process
                replaced.put(handler, handler.getFormatter());
                handler.setFormatter(new Layout());
            }
        }
    }

    @Override
    public void stop(BundleContext context) {
        if (context.getBundle(0).getState() == Bundle.STOPPING || keptForTheProcess) {
            return; // the process is ending, or this revision's loader stays with the console: the layout stays too
        }
        replaced.forEach(Handler::setFormatter);
        replaced.clear();
    }

    /** The bridge's line: time, level, [logger], message, and the root cause of what was thrown. */
    static final class Layout extends Formatter {
        @Override
        public String format(LogRecord record) {
            return LocalTime.now().format(ConsoleLog.TIME) + " " + ConsoleLog.levelOf(record.getLevel()) + " ["
                    + record.getLoggerName() + "] " + formatMessage(record)
                    + (record.getThrown() == null ? "" : ": " + ConsoleLog.rootCause(record.getThrown()))
                    + System.lineSeparator();
        }
    }
}
