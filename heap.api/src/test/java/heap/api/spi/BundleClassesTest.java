package heap.api.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.Sizes;
import heap.api.StatusException;
import java.lang.reflect.Proxy;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

class BundleClassesTest {

    @Test
    void everyClassEntryIsLoadedAndOneThatCannotBeIsSkippedWithOneWarningNamingIt() {
        Bundle bundle = bundleWithEntries(List.of("/heap/api/Sizes.class", "/META-INF/versions/21/x/Y.class",
                "/module-info.class", "/gone/Missing.class"));
        List<LogRecord> warnings = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                warnings.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger("heap.api.spi");
        logger.addHandler(capture);
        try {
            assertEquals(1, BundleClasses.loadAll(bundle), "Sizes loaded; META-INF and module-info skipped; Missing failed");
        } finally {
            logger.removeHandler(capture);
        }
        assertEquals(1, warnings.size(), "one warning for the bundle");
        assertEquals(Level.WARNING, warnings.get(0).getLevel());
        String message = warnings.get(0).getMessage();
        assertTrue(message.startsWith("test.heap.bundle: 1 classes could not be loaded ahead"), message);
        assertTrue(message.contains("gone.Missing (java.lang.ClassNotFoundException"), message);
    }

    @Test
    void aBundleWithoutClassesLoadsNothingAndWarnsOfNothing() {
        assertEquals(0, BundleClasses.loadAll(bundleWithEntries(null)));
    }

    @Test
    void aNullBundleIsRefusedByName() {
        StatusException refused = assertThrows(StatusException.class, () -> BundleClasses.loadAll(null));
        assertTrue(refused.getMessage().contains("bundle"), refused.getMessage());
    }

    /** A bundle (the one fault: a class entry it cannot load) whose entries are {@code paths}, or none when null. */
    private static Bundle bundleWithEntries(List<String> paths) {
        return (Bundle) Proxy.newProxyInstance(BundleClassesTest.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "findEntries" -> paths == null ? null : Collections.enumeration(urls(paths));
                    case "loadClass" -> {
                        String name = (String) args[0];
                        if (!name.equals(Sizes.class.getName())) {
                            throw new ClassNotFoundException(name);
                        }
                        yield Sizes.class;
                    }
                    case "getSymbolicName" -> "test.heap.bundle";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static List<URL> urls(List<String> paths) throws MalformedURLException {
        List<URL> urls = new ArrayList<>();
        for (String path : paths) {
            urls.add(URI.create("file:" + path).toURL());
        }
        return urls;
    }
}
