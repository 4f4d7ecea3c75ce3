package heap.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.osgi.service.cm.ConfigurationPlugin;

/**
 * heap.log's form (Metatype describes {@link ConsoleLog.Config}) and the configuration check (heap.config) know the same
 * keys, and the form's defaults pass the check as they are: the check refused {@code level=""}, the form's default,
 * with an ERROR at every save. The other PIDs are checked so in a framework (heap.itest's ConfigurationFormsTest),
 * which does not run this bundle.
 */
class ConsoleLogFormTest {

    @Test
    void theFormsKeysAreTheKeysTheConfigurationCheckKnowsAndItsDefaultsPass() throws Exception {
        Class<?> check = Class.forName("heap.config.ConfigurationGuard"); // package-private in heap.config
        Field rulesField = check.getDeclaredField("RULES");
        rulesField.setAccessible(true);
        Map<?, ?> rules = (Map<?, ?>) ((Map<?, ?>) rulesField.get(null)).get("heap.log");

        Set<String> formKeys = new TreeSet<>();
        Dictionary<String, Object> defaults = new Hashtable<>();
        defaults.put("service.pid", "heap.log");
        for (Method key : ConsoleLog.Config.class.getDeclaredMethods()) {
            String name = key.getName().replace('_', '.'); // the DS mapping of an annotation method to a key
            formKeys.add(name);
            defaults.put(name, key.getDefaultValue());
        }
        assertEquals(new TreeSet<>(keysOf(rules)), formKeys);

        Constructor<?> constructor = check.getDeclaredConstructor();
        constructor.setAccessible(true);
        ConfigurationPlugin plugin = (ConfigurationPlugin) constructor.newInstance();
        Map<String, Object> given = copy(defaults);
        plugin.modifyConfiguration(null, defaults);
        assertEquals(given, copy(defaults), "every default of the form passes the check as it is");
    }

    private static Set<String> keysOf(Map<?, ?> rules) {
        Set<String> keys = new TreeSet<>();
        rules.keySet().forEach(key -> keys.add((String) key));
        return keys;
    }

    private static Map<String, Object> copy(Dictionary<String, Object> properties) {
        Map<String, Object> copy = new java.util.HashMap<>();
        for (String key : java.util.Collections.list(properties.keys())) {
            copy.put(key, properties.get(key));
        }
        return copy;
    }
}
