package heap.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.reflect.Proxy;
import java.util.Hashtable;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/** Which update lines the console answers itself: only a plain one for a bundle no URL names. */
class PlainUpdateTest {
    private static Bundle bundle(String symbolicName, String location, Map<String, String> headers) {
        return (Bundle) Proxy.newProxyInstance(PlainUpdateTest.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getSymbolicName" -> symbolicName;
                    case "getLocation" -> location;
                    case "getHeaders" -> new Hashtable<>(headers);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static final BundleContext CONTEXT = (BundleContext) Proxy.newProxyInstance(
            PlainUpdateTest.class.getClassLoader(), new Class<?>[] {BundleContext.class}, (proxy, method, args) -> {
                if (!method.getName().equals("getBundle")) {
                    throw new UnsupportedOperationException(method.getName());
                }
                return switch ((int) (long) (Long) args[0]) {
                    case 7 -> bundle("heap.system-ram", "jar/heap.system-ram-1.0.0-SNAPSHOT.jar", Map.of());
                    case 30 -> bundle("heap.example", "file:/work/deploy/heap.example.jar", Map.of());
                    case 31 -> bundle("vendor.heap", "jar/vendor.heap.jar",
                            Map.of("Bundle-UpdateLocation", "https://example.com/vendor.heap.jar"));
                    default -> null;
                };
            });

    @Test
    void aPlainUpdateOfABundleFromInsidePlatformJarIsAnsweredWithWhatToTypeInstead() {
        String expected = "update 7: bundle heap.system-ram came from inside platform.jar "
                + "(jar/heap.system-ram-1.0.0-SNAPSHOT.jar), which Felix cannot read again; give it the new jar: "
                + "update 7 file:/path/to/heap.system-ram.jar";
        assertEquals(expected, PlainUpdate.refusal("update 7", CONTEXT));
        assertEquals(expected, PlainUpdate.refusal("  felix:update   7 ", CONTEXT));
    }

    @Test
    void everyOtherLineIsLeftToGogo() {
        assertNull(PlainUpdate.refusal("update 30", CONTEXT), "installed from a URL: Felix reads it again");
        assertNull(PlainUpdate.refusal("update 31", CONTEXT), "its Bundle-UpdateLocation is a URL");
        assertNull(PlainUpdate.refusal("update 99", CONTEXT), "no such bundle: Gogo says so");
        assertNull(PlainUpdate.refusal("update 7 file:/tmp/new.jar", CONTEXT), "a jar given");
        assertNull(PlainUpdate.refusal("update heap.system-ram", CONTEXT));
        assertNull(PlainUpdate.refusal("lb", CONTEXT));
    }
}
