package heap.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.wiring.FrameworkWiring;

/** The console runs a plain refresh itself (Gogo's failed with a NullPointerException and refreshed nothing). */
class PlainRefreshTest {
    private final List<Object> refreshed = new ArrayList<>();

    private static <T> T proxy(Class<T> type, java.lang.reflect.InvocationHandler handler) {
        return type.cast(Proxy.newProxyInstance(PlainRefreshTest.class.getClassLoader(), new Class<?>[] {type}, handler));
    }

    private static Bundle bundle(long id, String symbolicName) {
        return proxy(Bundle.class, (self, method, args) -> switch (method.getName()) {
            case "getBundleId" -> id;
            case "getSymbolicName" -> symbolicName;
            case "hashCode" -> Long.hashCode(id);
            case "equals" -> self == args[0];
            default -> throw new UnsupportedOperationException(method.getName());
        });
    }

    /** A framework whose pending bundles are {@code pending}, with {@code wired} depending on them. */
    private BundleContext framework(Collection<Bundle> pending, Collection<Bundle> wired) {
        FrameworkWiring wiring = proxy(FrameworkWiring.class, (self, method, args) -> switch (method.getName()) {
            case "getRemovalPendingBundles" -> pending;
            case "getDependencyClosure" -> {
                List<Bundle> closure = new ArrayList<>(pending);
                closure.addAll(wired);
                yield closure;
            }
            case "refreshBundles" -> {
                refreshed.add(args[0] == null ? "all pending" : args[0]);
                yield null;
            }
            default -> throw new UnsupportedOperationException(method.getName());
        });
        Bundle system = proxy(Bundle.class, (self, method, args) -> wiring);
        return proxy(BundleContext.class, (self, method, args) -> system);
    }

    @Test
    void onlyARefreshWithoutBundlesIsTheConsolesOwn() {
        assertTrue(PlainRefresh.matches("refresh"));
        assertTrue(PlainRefresh.matches("  felix:refresh "));
        assertFalse(PlainRefresh.matches("refresh 1"), "with bundles, Gogo's refresh works");
        assertFalse(PlainRefresh.matches("refreshing"));
        assertFalse(PlainRefresh.matches("lb"));
    }

    @Test
    void aPlainRefreshRefreshesWhatIsPendingAndNamesWhatRestartsWithIt() {
        Bundle api = bundle(1, "heap.api");
        String said = PlainRefresh.run(framework(List.of(api), List.of(bundle(6, "heap.secure"), bundle(5, "heap.registry"))));
        assertEquals("refreshing heap.api [1]; restarting with it what is wired to it: heap.registry [5], heap.secure [6]",
                said);
        assertEquals(List.of("all pending"), refreshed, "refreshBundles(null): every bundle pending removal");
    }

    @Test
    void withNothingPendingItSaysSoAndRefreshesNothing() {
        assertEquals("nothing to refresh: no bundle was updated or uninstalled since the last refresh",
                PlainRefresh.run(framework(List.of(), List.of())));
        assertTrue(refreshed.isEmpty());
    }
}
