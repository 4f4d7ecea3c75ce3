package heap.config;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongPredicate;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationPlugin;
import org.osgi.service.cm.SynchronousConfigurationListener;

/**
 * Checks every configuration of the platform's PIDs before a component sees it (a ConfigAdmin plugin, which SCR
 * honours). It imports nothing of the platform (not even heap.api), so updating any other bundle never restarts it:
 * a refresh starts bundles in no fixed order, and a heap started before its check read its configuration unchecked.
 * A value of the wrong type or out of range is refused with one log line naming the PID, key, value and
 * valid range, and the component gets its previous valid value (or its default) instead, so it keeps running; a key
 * no component knows gets one warning. A factory configuration of a PID (one heap instance per file) is checked by
 * the rules of that PID. Numbers may be written in hexadecimal ({@code 0x40000000}); the component gets the number.
 * A configuration deleted takes its previous values with it: one made again under its PID starts from the defaults.
 */
final class ConfigurationGuard implements ConfigurationPlugin, SynchronousConfigurationListener {
    /** One key's rule: what it accepts, in words for the log line. */
    record Rule(String valid, java.util.function.Predicate<Object> accepts) {
    }

    static final System.Logger LOG = System.getLogger("heap.config");
    /** Every heap PID's instance number: heap.api's Heap.HEAP_ID, named here so this bundle imports nothing of it. */
    static final String HEAP_ID = "heap.id";
    private static final long PAGE = 4096;
    private static final Set<String> LEVELS = Set.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE");
    private static final Set<String> FRAMEWORK_KEYS = Set.of("service.pid", "service.factoryPid", "service.bundleLocation",
            "felix.fileinstall.filename", "component.name", "component.id");

    static final Map<String, Map<String, Rule>> RULES = Map.of(
            "heap.systemram", rules(
                    HEAP_ID, heapId(),
                    "max.total.bytes", number("0 (half of physical memory) or a positive number of bytes", v -> v >= 0),
                    "max.buffer.bytes", number("a positive multiple of 4096 bytes", v -> v > 0 && v % PAGE == 0),
                    "small.cache.bytes", number("0 (no cache) or more bytes", v -> v >= 0)),
            "heap.contiguous", rules(
                    HEAP_ID, heapId(),
                    "pool.size.bytes", number("0 (5% of physical memory) or a positive multiple of 4096 bytes",
                            v -> v == 0 || (v > 0 && v % PAGE == 0)),
                    "max.alignment.bytes", number("a power of two of at least 4096", v -> v >= PAGE && Long.bitCount(v) == 1),
                    "guard.pages.per.buffer", bool(),
                    "guard.check.interval.ms", number("0 (only on free and heap:check) or more milliseconds", v -> v >= 0),
                    "guard.failure.fatal", bool(),
                    "guard.unused.pages", bool()),
            "heap.secure", rules(
                    HEAP_ID, heapId(),
                    "capacity.bytes", number("a positive multiple of 4096 bytes", v -> v > 0 && v % PAGE == 0),
                    "max.alignment.bytes", number("a power of two of at least 4096", v -> v >= PAGE && Long.bitCount(v) == 1),
                    "protected.range.base", number("0 (address space reserved from the kernel) or a positive multiple of 4096",
                            v -> v >= 0 && v % PAGE == 0)),
            "heap.registry", rules(
                    "max.buffer.bytes", number("a positive number of bytes", v -> v > 0),
                    "max.collection.bytes", number("a positive number of bytes", v -> v > 0),
                    "max.buffer.count", number("1 to 2147483647", v -> v >= 1 && v <= Integer.MAX_VALUE),
                    "register.timeout.ms", number("a positive number of milliseconds", v -> v > 0),
                    "delete.timeout.ms", number("a positive number of milliseconds", v -> v > 0),
                    "replacement.grace.ms", number("0 or more milliseconds", v -> v >= 0),
                    "allocate.timeout.ms", number("0 (no limit) or more milliseconds", v -> v >= 0),
                    "leak.detection", new Rule("one of off, sampled, paranoid (or empty)", v -> v.toString().isBlank()
                            || Set.of("OFF", "SAMPLED", "PARANOID").contains(v.toString().trim().toUpperCase(Locale.ROOT)))),
            "heap.health.occupancy", rules(
                    "occupancy.warn.percent", number("1 to 100 (percent)", v -> v >= 1 && v <= 100)),
            "heap.log", rules(
                    // Empty is unset (the level ./platform started with), as the form's default sends it.
                    "level", new Rule("one of ERROR, WARN, INFO, DEBUG, TRACE (or empty)", v -> v.toString().isBlank()
                            || LEVELS.contains(v.toString().trim().toUpperCase(Locale.ROOT))),
                    "framework.level", new Rule("one of ERROR, WARN, INFO, DEBUG, TRACE",
                            v -> LEVELS.contains(v.toString().trim().toUpperCase(Locale.ROOT)))));

    /** The last value each key had that passed, per PID: what a refused value is replaced with. */
    private final Map<String, Map<String, Object>> lastGood = new HashMap<>();
    /** What was already reported: SCR asks for the same configuration more than once, the log says it once. */
    private final java.util.Set<String> reported = new java.util.HashSet<>();

    @Override
    public synchronized void modifyConfiguration(ServiceReference<?> reference, Dictionary<String, Object> properties) {
        Object pid = properties.get("service.pid");
        Object factoryPid = properties.get("service.factoryPid");
        Map<String, Rule> rules = RULES.get(String.valueOf(factoryPid == null ? pid : factoryPid));
        if (pid == null || rules == null) {
            return;
        }
        Map<String, Object> good = lastGood.computeIfAbsent(pid.toString(), p -> new HashMap<>());
        good.keySet().retainAll(Collections.list(properties.keys())); // a key taken out is back at its default
        List<String> unknown = new ArrayList<>();
        for (String key : Collections.list(properties.keys())) {
            Rule rule = rules.get(key);
            Object value = properties.get(key);
            if (rule == null) {
                if (!FRAMEWORK_KEYS.contains(key) && !key.startsWith("service.") && !key.startsWith(".")) {
                    unknown.add(key);
                }
            } else if (rule.accepts().test(value)) {
                if (isHex(value)) { // SCR reads a number from text in decimal only: hand it the number
                    value = parseNumber(value);
                    properties.put(key, value);
                }
                good.put(key, value);
                reported.removeIf(line -> line.startsWith(pid + " " + key + "="));
            } else {
                Object previous = good.get(key);
                if (reported.add(pid + " " + key + "=" + value)) {
                    LOG.log(Level.ERROR, "configuration " + pid + ": " + key + "=" + value + " refused: "
                            + "it must be " + rule.valid() + "; keeping " + (previous == null ? "the default" : previous));
                }
                if (previous == null) {
                    properties.remove(key);
                } else {
                    properties.put(key, previous);
                }
            }
        }
        if (!unknown.isEmpty() && reported.add(pid + " unknown " + unknown)) {
            LOG.log(Level.WARNING, "configuration " + pid + ": unknown key(s) " + unknown
                    + " ignored; known keys: " + rules.keySet());
        }
    }

    /** Synchronous, so a configuration deleted and made again at once is checked as new. */
    @Override
    public synchronized void configurationEvent(ConfigurationEvent event) {
        if (event.getType() == ConfigurationEvent.CM_DELETED) {
            lastGood.remove(event.getPid());
            reported.removeIf(line -> line.startsWith(event.getPid() + " "));
        }
    }

    private static Map<String, Rule> rules(Object... keysAndRules) {
        Map<String, Rule> rules = new LinkedHashMap<>();
        for (int i = 0; i < keysAndRules.length; i += 2) {
            rules.put((String) keysAndRules[i], (Rule) keysAndRules[i + 1]);
        }
        return rules;
    }

    /** Text of a hexadecimal number, {@code 0x...}: how an operator writes an address such as protected.range.base. */
    private static boolean isHex(Object value) {
        return value instanceof String text && text.trim().regionMatches(true, 0, "0x", 0, 2);
    }

    /** A whole number as a file gives it: a number, decimal text, or hexadecimal text after 0x. */
    private static long parseNumber(Object value) {
        if (value instanceof Number number) {
            return number.longValue();
        }
        String text = value.toString().trim();
        return isHex(text) ? Long.parseLong(text.substring(2), 16) : Long.parseLong(text);
    }

    private static Rule number(String valid, LongPredicate accepts) {
        return new Rule(valid, value -> {
            try {
                return accepts.test(parseNumber(value));
            } catch (NumberFormatException e) {
                return false;
            }
        });
    }

    /** A heap instance's number (each factory configuration gives its own), read as heap.api's HeapId.idOf reads it. */
    private static Rule heapId() {
        return new Rule("an unsigned 64-bit number (0 to 18446744073709551615)", value -> {
            if (value instanceof Number) {
                return true;
            }
            try {
                Long.parseUnsignedLong(value.toString().trim());
                return true;
            } catch (NumberFormatException e) {
                return false;
            }
        });
    }

    private static Rule bool() {
        return new Rule("true or false", value -> value instanceof Boolean
                || Set.of("true", "false").contains(value.toString().trim().toLowerCase(Locale.ROOT)));
    }
}
