package heap.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.Heap;
import heap.itest.lateclasses.LateClassesHeap;
import heap.tck.HeapConformance;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/**
 * The kit's bundle update check ({@code HeapConformance.bundleUpdate}) on real bundles: the example heap, which
 * loads its classes as it starts, passes, installed from its file or from a stream; a heap whose free path loads a
 * class only when it frees fails, and the failure tells its author what to do.
 */
class KitBundleUpdateCheckTest extends FrameworkTestSupport {

    @Test
    void theExampleHeapFreesABufferHeldAcrossAnUpdateOfItsBundle() throws Throwable {
        Bundle bundle = context.installBundle(new File(context.getProperty("heap.example.jar")).toURI().toString());
        try {
            bundle.start();
            HeapConformance.bundleUpdate(context, heapOf(bundle)).getExecutable().execute();
        } finally {
            bundle.uninstall();
        }
    }

    /** An embedded launcher installs from a stream, which cannot be reread: the kit updates from the entries. */
    @Test
    void aHeapInstalledFromAStreamIsUpdatedFromItsOwnEntries() throws Throwable {
        Bundle bundle;
        try (InputStream jar = Files.newInputStream(Path.of(context.getProperty("heap.example.jar")))) {
            bundle = context.installBundle("itest:stream/heap.example", jar);
        }
        try {
            assertThrows(org.osgi.framework.BundleException.class, bundle::update, "its location cannot be reread");
            bundle.start();
            long modifiedBefore = bundle.getLastModified();
            HeapConformance.bundleUpdate(context, heapOf(bundle)).getExecutable().execute();
            assertTrue(bundle.getLastModified() > modifiedBefore, "updated");
            assertEquals(Bundle.ACTIVE, bundle.getState());
        } finally {
            bundle.uninstall();
        }
    }

    @Test
    void aHeapThatLoadsAClassOnlyWhenItFreesFailsTheCheckAndIsToldToLoadItsClassesAhead() throws Throwable {
        Path jar = lateClassesHeapJar();
        Bundle bundle = context.installBundle(jar.toUri().toString());
        try {
            bundle.start();
            AssertionError failed = assertThrows(AssertionError.class,
                    () -> HeapConformance.bundleUpdate(context, heapOf(bundle)).getExecutable().execute());
            assertTrue(failed.getMessage().contains("BundleClasses.loadAll"), failed.getMessage());
            assertTrue(failed.getMessage().contains("heap.itest.late-classes"), "names the bundle: " + failed.getMessage());
        } finally {
            bundle.uninstall();
            Files.delete(jar);
        }
    }

    private ServiceReference<Heap> heapOf(Bundle bundle) {
        return awaitValue("a heap service of " + bundle.getSymbolicName(), () -> {
            ServiceReference<?>[] registered = bundle.getRegisteredServices();
            for (ServiceReference<?> reference : registered == null ? new ServiceReference<?>[0] : registered) {
                if (reference.getProperty(Heap.HEAP_TYPE) != null) {
                    @SuppressWarnings("unchecked")
                    ServiceReference<Heap> heap = (ServiceReference<Heap>) reference;
                    return heap;
                }
            }
            return null;
        });
    }

    /** The fault-injecting heap's classes, packed into a bundle of their own (updatable from its file). */
    private static Path lateClassesHeapJar() throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", "heap.itest.late-classes");
        main.putValue("Bundle-Version", "1.0.0");
        main.putValue("Bundle-Activator", LateClassesHeap.class.getName());
        main.putValue("Import-Package", "heap.api, heap.api.spi, heap.api.vmo, org.osgi.framework");
        Path jar = Files.createTempFile("late-classes-heap", ".jar");
        String folder = LateClassesHeap.class.getPackageName().replace('.', '/') + "/";
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            for (String name : new String[] {"LateClassesHeap.class", "LateClassesHeap$Freed.class"}) {
                out.putNextEntry(new JarEntry(folder + name));
                try (InputStream in = LateClassesHeap.class.getClassLoader().getResourceAsStream(folder + name)) {
                    in.transferTo(out);
                }
            }
        }
        return jar;
    }
}
