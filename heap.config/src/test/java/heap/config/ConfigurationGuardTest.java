package heap.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Hashtable;
import org.junit.jupiter.api.Test;

/** Invalid values never reach a component: it keeps its previous valid value, or its default. */
class ConfigurationGuardTest {
    private final ConfigurationGuard guard = new ConfigurationGuard();

    private Hashtable<String, Object> contiguous(Object poolSize) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("service.pid", "heap.contiguous");
        properties.put("pool.size.bytes", poolSize);
        return properties;
    }

    @Test
    void aBadValueWithNoGoodOneBeforeFallsBackToTheDefault() {
        for (Object bad : new Object[] {"banana", 100L, -1L, "4097"}) {
            Hashtable<String, Object> properties = contiguous(bad);
            guard.modifyConfiguration(null, properties);
            assertFalse(properties.containsKey("pool.size.bytes"), bad + " reached the component");
        }
    }

    @Test
    void aBadValueAfterAGoodOneKeepsTheGoodOne() {
        Hashtable<String, Object> good = contiguous(64L << 20);
        guard.modifyConfiguration(null, good);
        assertEquals(64L << 20, good.get("pool.size.bytes"));
        Hashtable<String, Object> bad = contiguous("banana");
        guard.modifyConfiguration(null, bad);
        assertEquals(64L << 20, bad.get("pool.size.bytes"), "the previous valid value");
        Hashtable<String, Object> textual = contiguous("0");
        guard.modifyConfiguration(null, textual);
        assertEquals("0", textual.get("pool.size.bytes"), "valid text stays as given (0 = the default pool)");
    }

    /** Found when a test deleted a factory configuration and another made one of that name: it got the old value. */
    @Test
    void aConfigurationDeletedAndMadeAgainOrAKeyTakenOutStartsFromTheDefault() {
        guard.modifyConfiguration(null, contiguous(64L << 20));
        guard.configurationEvent(deleted("heap.contiguous"));
        Hashtable<String, Object> remade = contiguous("banana");
        guard.modifyConfiguration(null, remade);
        assertFalse(remade.containsKey("pool.size.bytes"), "the deleted configuration's value came back: " + remade);

        guard.modifyConfiguration(null, contiguous(64L << 20));
        Hashtable<String, Object> without = contiguous(0L);
        without.remove("pool.size.bytes");
        guard.modifyConfiguration(null, without);
        Hashtable<String, Object> badAgain = contiguous("banana");
        guard.modifyConfiguration(null, badAgain);
        assertFalse(badAgain.containsKey("pool.size.bytes"), "the key was taken out in between: " + badAgain);

        guard.modifyConfiguration(null, contiguous(64L << 20));
        guard.configurationEvent(deleted("heap.secure"));
        Hashtable<String, Object> other = contiguous("banana");
        guard.modifyConfiguration(null, other);
        assertEquals(64L << 20, other.get("pool.size.bytes"), "another PID's deletion changes nothing here");
    }

    private static org.osgi.service.cm.ConfigurationEvent deleted(String pid) {
        @SuppressWarnings("unchecked")
        org.osgi.framework.ServiceReference<org.osgi.service.cm.ConfigurationAdmin> admin =
                (org.osgi.framework.ServiceReference<org.osgi.service.cm.ConfigurationAdmin>) java.lang.reflect.Proxy
                        .newProxyInstance(ConfigurationGuardTest.class.getClassLoader(),
                                new Class<?>[] {org.osgi.framework.ServiceReference.class}, (proxy, method, args) -> null);
        return new org.osgi.service.cm.ConfigurationEvent(admin, org.osgi.service.cm.ConfigurationEvent.CM_DELETED, null, pid);
    }

    @Test
    void everyPlatformPidHasRulesAndOtherPidsAreUntouched() {
        assertTrue(ConfigurationGuard.RULES.keySet().containsAll(java.util.Set.of("heap.systemram", "heap.contiguous",
                "heap.secure", "heap.registry", "heap.log", "heap.health.occupancy")));
        Hashtable<String, Object> log = new Hashtable<>();
        log.put("service.pid", "heap.log");
        log.put("level", "bogus");
        log.put("lvel", "DEBUG"); // misspelt: warned about, passed on untouched
        guard.modifyConfiguration(null, log);
        assertFalse(log.containsKey("level"));
        assertEquals("DEBUG", log.get("lvel"));
        Hashtable<String, Object> foreign = new Hashtable<>();
        foreign.put("service.pid", "org.acme.other");
        foreign.put("pool.size.bytes", "banana");
        guard.modifyConfiguration(null, foreign);
        assertEquals("banana", foreign.get("pool.size.bytes"));
        Hashtable<String, Object> registry = new Hashtable<>();
        registry.put("service.pid", "heap.registry");
        registry.put("max.buffer.count", 0L);
        registry.put("replacement.grace.ms", 0L);
        guard.modifyConfiguration(null, registry);
        assertFalse(registry.containsKey("max.buffer.count"));
        assertEquals(0L, registry.get("replacement.grace.ms"));
    }

    /** The health check's threshold too: "banana" there failed the check's component (a NumberFormatException). */
    @Test
    void theOccupancyThresholdIsAPercentage() {
        for (Object bad : new Object[] {"banana", 0L, 101, "-5"}) {
            Hashtable<String, Object> occupancy = new Hashtable<>();
            occupancy.put("service.pid", "heap.health.occupancy");
            occupancy.put("occupancy.warn.percent", bad);
            guard.modifyConfiguration(null, occupancy);
            assertFalse(occupancy.containsKey("occupancy.warn.percent"), "refused: " + bad);
        }
        Hashtable<String, Object> good = new Hashtable<>();
        good.put("service.pid", "heap.health.occupancy");
        good.put("occupancy.warn.percent", "75");
        guard.modifyConfiguration(null, good);
        assertEquals("75", good.get("occupancy.warn.percent"));
    }

    /** heap.log's form sends level="" (its default: unset); refusing it logged an ERROR at every save. */
    @Test
    void anEmptyLogLevelIsUnsetNotRefused() {
        Hashtable<String, Object> log = new Hashtable<>();
        log.put("service.pid", "heap.log");
        log.put("level", "");
        log.put("framework.level", "");
        guard.modifyConfiguration(null, log);
        assertEquals("", log.get("level"), "unset: the level the platform started with");
        assertFalse(log.containsKey("framework.level"), "the framework's level has a default of its own, WARN");
    }

    @Test
    void theLeakDetectionLevelIsOneOfThreeNamesOrEmpty() {
        for (String good : new String[] {"off", "SAMPLED", " paranoid ", ""}) {
            Hashtable<String, Object> registry = new Hashtable<>();
            registry.put("service.pid", "heap.registry");
            registry.put("leak.detection", good);
            guard.modifyConfiguration(null, registry);
            assertEquals(good, registry.get("leak.detection"));
        }
        Hashtable<String, Object> registry = new Hashtable<>();
        registry.put("service.pid", "heap.registry");
        registry.put("leak.detection", "sometimes");
        guard.modifyConfiguration(null, registry);
        assertEquals("", registry.get("leak.detection"), "refused: the last good value (empty) is kept");
    }

    /** FileInstall reads deploy/a-b.cfg as instance b of factory a: a platform PID with a '-' could not be set there. */
    @Test
    void noPlatformPidHasADashSoEachCanBeSetByAFileInDeploy() {
        for (String pid : ConfigurationGuard.RULES.keySet()) {
            assertFalse(pid.contains("-"), pid);
        }
    }

    /** deploy/heap.secure-a.cfg is instance a of factory heap.secure: its values pass the same checks as heap.secure's. */
    @Test
    void aFactoryConfigurationOfAHeapIsCheckedByItsFactoryPidsRules() {
        Hashtable<String, Object> instance = new Hashtable<>();
        instance.put("service.pid", "heap.secure~a");
        instance.put("service.factoryPid", "heap.secure");
        instance.put("capacity.bytes", "banana");
        instance.put("max.alignment.bytes", "65536");
        guard.modifyConfiguration(null, instance);
        assertFalse(instance.containsKey("capacity.bytes"), "banana reached the component: it failed to start");
        assertEquals("65536", instance.get("max.alignment.bytes"));
        Hashtable<String, Object> other = new Hashtable<>();
        other.put("service.pid", "org.acme.pool~a");
        other.put("service.factoryPid", "org.acme.pool");
        other.put("capacity.bytes", "banana");
        guard.modifyConfiguration(null, other);
        assertEquals("banana", other.get("capacity.bytes"), "another factory's configuration is not ours to check");
    }

    @Test
    void aHeapsInstanceNumberIsAnUnsigned64BitNumber() {
        for (Object good : new Object[] {"1", " 18446744073709551615 ", 7L, 2}) {
            Hashtable<String, Object> instance = new Hashtable<>();
            instance.put("service.pid", "heap.systemram~b");
            instance.put("service.factoryPid", "heap.systemram");
            instance.put("heap.id", good);
            guard.modifyConfiguration(null, instance);
            assertEquals(good, instance.get("heap.id"));
        }
        for (String bad : new String[] {"abc", "-1", "18446744073709551616"}) {
            Hashtable<String, Object> instance = new Hashtable<>();
            instance.put("service.pid", "heap.contiguous~" + bad);
            instance.put("service.factoryPid", "heap.contiguous");
            instance.put("heap.id", bad);
            guard.modifyConfiguration(null, instance);
            assertFalse(instance.containsKey("heap.id"), bad + " reached the component: the registry would ignore the heap");
        }
    }

    /** The guard imports nothing of heap.api (so its updates never restart it): its copy of the id rule must agree. */
    @Test
    void anInstanceNumberPassesExactlyWhenHeapApiReadsItAsOne() {
        assertEquals(heap.api.Heap.HEAP_ID, ConfigurationGuard.HEAP_ID);
        for (Object id : new Object[] {"0", " 42 ", "18446744073709551615", 3L, 5, 1.5, "abc", "-1",
            "18446744073709551616", "0x10", true, ""}) {
            boolean apiReadsIt;
            try {
                heap.api.HeapId.idOf(id);
                apiReadsIt = true;
            } catch (heap.api.StatusException e) {
                apiReadsIt = false;
            }
            Hashtable<String, Object> instance = new Hashtable<>();
            instance.put("service.pid", "heap.secure");
            instance.put("heap.id", id);
            new ConfigurationGuard().modifyConfiguration(null, instance); // no earlier good value to fall back on
            assertEquals(apiReadsIt, instance.containsKey("heap.id"), "heap.id=" + id);
        }
    }

    /** An address reads best in hex; SCR would read "0x40000000" as no number at all, so the guard hands it the number. */
    @Test
    void aNumberWrittenInHexadecimalReachesTheComponentAsThatNumber() {
        Hashtable<String, Object> secure = new Hashtable<>();
        secure.put("service.pid", "heap.secure");
        secure.put("protected.range.base", " 0x40000000 ");
        secure.put("capacity.bytes", "0X1000000");
        guard.modifyConfiguration(null, secure);
        assertEquals(0x4000_0000L, secure.get("protected.range.base"));
        assertEquals(16L << 20, secure.get("capacity.bytes"));
        Hashtable<String, Object> bad = new Hashtable<>();
        bad.put("service.pid", "heap.secure");
        bad.put("protected.range.base", "0x4000000g");
        bad.put("capacity.bytes", "0x1001"); // a number, but not whole pages
        guard.modifyConfiguration(null, bad);
        assertEquals(0x4000_0000L, bad.get("protected.range.base"), "refused: the last good value");
        assertEquals(16L << 20, bad.get("capacity.bytes"), "refused: the last good value");
    }
}
