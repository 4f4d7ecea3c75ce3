package heap.shell;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * Console logging through the framework's log service: records of {@code System.Logger} / java.util.logging — the
 * heaps' (this platform's and third parties'), the registry's — are forwarded into the OSGi log, and entries from it
 * are printed one line each on stderr (stdout carries command output only), at the level the operator configured:
 * one level for those records and {@code heap.*} loggers, another for the framework's own entries.
 */
@Component(configurationPid = "heap.log", service = {}, immediate = true)
@Designate(ocd = ConsoleLog.Config.class)
public class ConsoleLog implements LogListener {
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    @ObjectClassDefinition(name = "Heap console log")
    public @interface Config {
        // Options: the Web Console draws a choice, not a text field a typo can get past.
        @AttributeDefinition(description = "Lowest level printed for the heap.* loggers: ERROR, WARN, INFO, DEBUG, "
                + "TRACE; unset, the level the platform started with (HEAP_LOG_LEVEL), else INFO", options = {
                    @Option(label = "as started (HEAP_LOG_LEVEL, else INFO)", value = ""),
                    @Option(label = "ERROR", value = "ERROR"), @Option(label = "WARN", value = "WARN"),
                    @Option(label = "INFO", value = "INFO"), @Option(label = "DEBUG", value = "DEBUG"),
                    @Option(label = "TRACE", value = "TRACE")})
        String level() default "";

        @AttributeDefinition(description = "Lowest level printed for everything else (framework, bundles)", options = {
            @Option(label = "ERROR", value = "ERROR"), @Option(label = "WARN", value = "WARN"),
            @Option(label = "INFO", value = "INFO"), @Option(label = "DEBUG", value = "DEBUG"),
            @Option(label = "TRACE", value = "TRACE")})
        String framework_level() default "WARN";
    }

    private final LogReaderService reader;
    private final LogLevel heapLevel;
    private final LogLevel otherLevel;
    private final java.util.logging.Logger julRoot = java.util.logging.Logger.getLogger("");
    private final Handler[] julHandlersBefore;
    private final Level julLevelBefore; // what the process was started with (./platform sets it from HEAP_LOG_LEVEL)
    private final Handler bridge;
    private volatile String lastLine = "";
    private final org.osgi.framework.Bundle ownBundle = org.osgi.framework.FrameworkUtil.getBundle(ConsoleLog.class);

    @Activate
    public ConsoleLog(@Reference LogReaderService reader, @Reference LoggerFactory loggers, Config config) {
        this.reader = reader;
        this.heapLevel = level("heap.log.level", heapLevel(config));
        this.otherLevel = level("framework.level", config.framework_level());
        this.julHandlersBefore = julRoot.getHandlers();
        this.julLevelBefore = julRoot.getLevel();
        this.bridge = new Handler() {
            private final ThreadLocal<Boolean> forwarding = ThreadLocal.withInitial(() -> false);

            @Override
            public void publish(LogRecord record) {
                if (forwarding.get()) {
                    return; // the log service itself logged through java.util.logging: do not loop
                }
                forwarding.set(true);
                try {
                    forward(record);
                } finally {
                    forwarding.set(false);
                }
            }

            private void forward(LogRecord record) {
                Logger logger = loggers.getLogger(record.getLoggerName() == null ? "jul" : record.getLoggerName());
                String message = record.getMessage() + (record.getThrown() == null ? "" : ": " + record.getThrown());
                switch (levelOf(record.getLevel())) {
                    case AUDIT, ERROR -> logger.error(message);
                    case WARN -> logger.warn(message);
                    case INFO -> logger.info(message);
                    case DEBUG, TRACE -> logger.debug(message);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        for (Handler handler : julHandlersBefore) {
            julRoot.removeHandler(handler);
        }
        julRoot.addHandler(bridge);
        julRoot.setLevel(switch (heapLevel) {
            case AUDIT, ERROR -> Level.SEVERE;
            case WARN -> Level.WARNING;
            case INFO -> Level.INFO;
            case DEBUG -> Level.FINE;
            case TRACE -> Level.FINEST;
        });
        reader.addLogListener(this);
    }

    @Deactivate
    void deactivate() {
        reader.removeLogListener(this);
        julRoot.removeHandler(bridge);
        julRoot.setLevel(julLevelBefore);
        for (Handler handler : julHandlersBefore) {
            julRoot.addHandler(handler);
        }
    }

    /**
     * Whether an entry is printed at the heap level: the {@code heap.*} loggers, and records bridged from
     * System.Logger (this bundle logs them for any bundle's code, a heap's). The framework's events about this
     * bundle ({@code Events.Service.heap.shell}: "ServiceEvent REGISTERED", naming no service) are the framework's.
     */
    static boolean atHeapLevel(String loggerName, boolean loggedByThisBundle) {
        if (loggerName != null && loggerName.startsWith("Events.")) {
            return false;
        }
        return loggedByThisBundle || loggerName != null && loggerName.startsWith("heap.");
    }

    /**
     * The heap level: a configuration's {@code level} when it sets one (deploy/heap.log.cfg, at start or live),
     * else the start's ({@code -Dheap.log.level}, which ./platform sets from HEAP_LOG_LEVEL), else INFO. The start's
     * used to win over the configuration, so a {@code level} in deploy/ changed nothing.
     */
    static String heapLevel(Config config) {
        return config.level().isBlank() ? System.getProperty("heap.log.level", "INFO") : config.level();
    }

    /** The OSGi level of a java.util.logging level: SEVERE is ERROR, WARNING is WARN, FINE is DEBUG, below is TRACE. */
    static LogLevel levelOf(Level level) {
        int severity = level.intValue();
        return severity >= Level.SEVERE.intValue() ? LogLevel.ERROR
                : severity >= Level.WARNING.intValue() ? LogLevel.WARN
                : severity >= Level.INFO.intValue() ? LogLevel.INFO
                : severity >= Level.FINE.intValue() ? LogLevel.DEBUG : LogLevel.TRACE;
    }

    /** The innermost cause: "IllegalArgumentException: pool_size_bytes 100 …", not "InvocationTargetException: null". */
    static String rootCause(Throwable thrown) {
        Throwable cause = thrown;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.toString();
    }

    /** A level by name; anything else is refused with one line and INFO (WARN for the framework) stays. */
    static LogLevel level(String key, String value) {
        try {
            return LogLevel.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            LogLevel fallback = key.startsWith("heap") ? LogLevel.INFO : LogLevel.WARN;
            System.err.println("error: " + key + "=" + value + " is not one of ERROR, WARN, INFO, DEBUG, TRACE; using "
                    + fallback);
            return fallback;
        }
    }

    @Override
    public void logged(LogEntry entry) {
        if ((atHeapLevel(entry.getLoggerName(), entry.getBundle() == ownBundle) ? heapLevel : otherLevel)
                .implies(entry.getLogLevel())) {
            String line = entry.getLogLevel() + " [" + entry.getLoggerName() + "] " + entry.getMessage()
                    + (entry.getException() == null ? "" : ": " + rootCause(entry.getException()));
            if (!line.equals(lastLine)) { // SCR reports one activation failure several times over
                lastLine = line;
                System.err.println(LocalTime.now().format(TIME) + " " + line);
            }
        }
    }
}
