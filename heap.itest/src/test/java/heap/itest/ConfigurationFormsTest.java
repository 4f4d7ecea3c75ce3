package heap.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.allocator.BufferAllocator;
import heap.api.allocator.QuotaStatus;
import heap.api.SysmemError;
import heap.api.SysmemException;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Assertions;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationPlugin;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;
import org.osgi.test.common.annotation.InjectService;

/**
 * What the Web Console's configuration forms are built from (Metatype) matches what the platform takes: every key
 * the configuration check knows is described and every described key is known, and a quota made in the form is in
 * force.
 */
class ConfigurationFormsTest extends FrameworkTestSupport {
    private static final String PASSWORD = "itest-forms";
    /** Each configurable bundle and the PID it designates (heap.quota: a factory PID). */
    private static final Map<String, String> PIDS = Map.of("heap.system-ram", "heap.systemram",
            "heap.contiguous", "heap.contiguous", "heap.secure", "heap.secure", "heap.registry", "heap.registry",
            "heap.health", "heap.health.occupancy");

    @InjectService(timeout = 15_000)
    MetaTypeService metaTypes;

    @AfterEach
    void noFormQuotaAndTheConsoleBackToItsDefault() throws Exception {
        Configuration[] quotas = configurationAdmin().listConfigurations("(service.factoryPid=heap.quota)");
        for (Configuration quota : quotas == null ? new Configuration[0] : quotas) {
            quota.delete();
        }
        consoleBackToAGeneratedPassword();
    }

    @Test
    void everyKeyTheConfigurationCheckKnowsIsDescribedForTheFormsAndNoOther() throws Exception {
        ServiceReference<ConfigurationPlugin> check = context.getServiceReferences(ConfigurationPlugin.class, null)
                .stream().filter(reference -> reference.getBundle().getSymbolicName().equals("heap.config"))
                .findFirst().orElseThrow(() -> new AssertionError("the configuration check (heap.config)"));
        ConfigurationPlugin plugin = context.getService(check);
        try (LogLines log = new LogLines("heap.config")) {
            for (Map.Entry<String, String> designated : PIDS.entrySet()) {
                String pid = designated.getValue();
                ObjectClassDefinition form = information(designated.getKey()).getObjectClassDefinition(pid, null);
                Dictionary<String, Object> defaults = new Hashtable<>();
                defaults.put("service.pid", pid);
                for (AttributeDefinition key : form.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
                    defaults.put(key.getID(), typed(key));
                }
                Map<String, Object> given = copy(defaults);
                plugin.modifyConfiguration(null, defaults);
                assertEquals(given, copy(defaults), pid + ": every default of the form passes the check as it is");

                defaults.put("form.test.unknown", 1L); // draws the check's list of the keys it knows
                plugin.modifyConfiguration(null, defaults);
                String line = awaitValue("the unknown key warned about for " + pid, () -> log.containing(
                        "configuration " + pid + ": unknown key(s) [form.test.unknown]").stream().findFirst()
                        .map(record -> record.getMessage()).orElse(null));
                Matcher known = Pattern.compile("known keys: \\[(.*)]$").matcher(line);
                assertTrue(known.find(), line);
                assertEquals(new TreeSet<>(Arrays.asList(known.group(1).split(", "))), ids(form),
                        pid + ": the keys the check knows are the keys the form shows");
            }
        } finally {
            context.ungetService(check);
        }
    }

    @Test
    void everyHeapsFormHasItsHeapIdQuotasHaveAFactoryFormAndLeakDetectionIsAChoice() {
        for (String heap : List.of("heap.system-ram", "heap.contiguous", "heap.secure")) {
            assertTrue(ids(information(heap).getObjectClassDefinition(PIDS.get(heap), null)).contains("heap.id"),
                    heap + " describes heap.id, how instances are told apart");
        }
        MetaTypeInformation registry = information("heap.registry");
        assertTrue(Arrays.asList(registry.getFactoryPids()).contains("heap.quota"), "quotas are a factory");
        ObjectClassDefinition quota = registry.getObjectClassDefinition("heap.quota", null);
        assertEquals(Set.of("bundle", "heap.type", "max.bytes", "max.buffers"), ids(quota));
        assertEquals(Set.of("bundle"), ids(quota.getAttributeDefinitions(ObjectClassDefinition.REQUIRED)));
        AttributeDefinition leakDetection = Arrays.stream(registry.getObjectClassDefinition("heap.registry", null)
                .getAttributeDefinitions(ObjectClassDefinition.ALL)).filter(key -> key.getID().equals("leak.detection"))
                .findFirst().orElseThrow();
        assertEquals(List.of("", "off", "sampled", "paranoid"), List.of(leakDetection.getOptionValues()),
                "a choice of the levels the check takes, not a text field");
    }

    /** The Web Console posts a form's fields, the empty ones too: they are absent, so the quota limits every heap. */
    @Test
    void aQuotaCreatedWithTheWebConsolesFormIsInForce() throws Exception {
        configureConsolePassword(PASSWORD);

        var created = post("/system/console/configMgr/__Temporary PID replaced by real PID upon save__".replace(" ",
                "%20"), "admin", PASSWORD, Map.of("apply", "true", "action", "ajaxConfigManager", "factoryPid",
                "heap.quota", "propertylist", "bundle,heap.type,max.bytes,max.buffers", "bundle", "itest.form.*",
                "heap.type", "", "max.bytes", "", "max.buffers", "2"));
        assertTrue(created.statusCode() < 400, created.statusCode() + " " + created.body());
        QuotaStatus quota = awaitValue("the form's quota in force", () -> allocator().quotas().stream()
                .filter(status -> "itest.form.*".equals(status.bundles())).findFirst().orElse(null));
        assertEquals(null, quota.refusal(), "not refused");
        assertEquals(null, quota.heapType(), "every heap");
        assertEquals(-1, quota.maxBytes(), "no byte limit");
        assertEquals(2, quota.maxBuffers());

        BufferAllocator client = viewOf(startClient("itest.form.client"));
        SysmemException refused = Assertions.assertThrows(SysmemException.class,
                () -> client.allocate(request(3, size(4096).build(), true)));
        assertEquals(SysmemError.NO_MEMORY, refused.error());
        assertTrue(refused.getMessage().contains("allows 2 buffers"), refused.getMessage());
    }

    private MetaTypeInformation information(String symbolicName) {
        Bundle bundle = bundle(symbolicName);
        return awaitValue("the metatype of " + symbolicName, () -> metaTypes.getMetaTypeInformation(bundle));
    }

    private static Set<String> ids(ObjectClassDefinition form) {
        return ids(form.getAttributeDefinitions(ObjectClassDefinition.ALL));
    }

    private static Set<String> ids(AttributeDefinition[] keys) {
        Set<String> ids = new TreeSet<>();
        for (AttributeDefinition key : keys) {
            ids.add(key.getID());
        }
        return ids;
    }

    /** A key's default as the form would store it: a Long, a Boolean, an Integer or a String. */
    private static Object typed(AttributeDefinition key) {
        String text = key.getDefaultValue() == null ? "" : key.getDefaultValue()[0];
        return switch (key.getType()) {
            case AttributeDefinition.LONG -> Long.valueOf(text);
            case AttributeDefinition.INTEGER -> Integer.valueOf(text);
            case AttributeDefinition.BOOLEAN -> Boolean.valueOf(text);
            default -> text;
        };
    }

    private static Map<String, Object> copy(Dictionary<String, Object> properties) {
        Map<String, Object> copy = new java.util.HashMap<>();
        for (String key : java.util.Collections.list(properties.keys())) {
            copy.put(key, properties.get(key));
        }
        return copy;
    }
}
