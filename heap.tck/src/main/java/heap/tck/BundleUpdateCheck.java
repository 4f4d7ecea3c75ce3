package heap.tck;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import heap.api.Heap;
import heap.api.HeapId;
import heap.api.Sizes;
import heap.api.vmo.Vmo;
import heap.api.vmo.VmoMapping;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * The hot swap, as a heap author meets it: a buffer is held, with a mapping open where the CPU may map, while the
 * heap's bundle is updated and refreshed; the new revision must register its heap again, and the instance from
 * before the update must still free that buffer. The bundle is updated once before, so that instance is fresh.
 * Felix disposes the old revision at once when nothing is wired to it, so a class the free path needs and the heap
 * never loaded before the update cannot be loaded any more.
 */
final class BundleUpdateCheck {
    static final String NAME = "aBufferHeldAcrossAnUpdateOfTheHeapsBundleIsFreedByTheInstanceThatMadeIt";
    private static final long PAGE = Sizes.PAGE_SIZE;
    private static final Duration SETTLE = Duration.ofSeconds(5);
    private static final Duration RESTART = Duration.ofSeconds(30);
    private static final String HINT = ": load every class of the heap's bundle as the heap starts "
            + "(heap.api.spi.BundleClasses.loadAll(bundle) in the component's constructor)";

    private BundleUpdateCheck() {
    }

    static void run(BundleContext context, ServiceReference<Heap> given) {
        Bundle bundle = given.getBundle();
        assertNotNull(bundle, "the heap service " + given + " is no longer registered");
        HeapId id = HeapId.fromServiceProperties(propertiesOf(given));
        // Updated once first, so the instance under test has loaded no more of its classes than its start did,
        // whatever ran on the bundle before: a class loaded earlier by chance would hide a missing one.
        updateAndRefresh(context, bundle);
        ServiceReference<Heap> reference = awaitReplacement(context, bundle, id, serviceId(given));
        Heap heap = context.getService(reference);
        assertNotNull(heap, "the heap service " + reference + " went away as the check began");
        Vmo held = null;
        VmoMapping mapping = null;
        try {
            HeapUnderTest underTest = HeapUnderTest.of(propertiesOf(reference), heap);
            HeapConformance.Baseline baseline = HeapConformance.Baseline.of(underTest);
            held = heap.allocateVmo(PAGE, underTest.settings(PAGE), 11, 0);
            assertNotNull(held, "heap " + underTest + " returned null from allocateVmo");
            mapping = underTest.cpuAccessible() ? held.map(0, PAGE, true) : null;
            updateAndRefresh(context, bundle);
            awaitReplacement(context, bundle, id, serviceId(reference));
            try {
                // Deleted while still mapped, as a client's close can come before its mapping's: the stage completes
                // once the mapping is gone too, so the heap's waiting path runs after the update as well.
                CompletableFuture<Void> deleted = heap.deleteVmo(11, 0, held).toCompletableFuture();
                if (mapping != null) {
                    mapping.segment().set(ValueLayout.JAVA_BYTE, PAGE - 1, (byte) 7);
                    mapping.close();
                }
                deleted.get(SETTLE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (LinkageError e) {
                throw new AssertionError("freeing a buffer after the update of " + bundle.getSymbolicName()
                        + " failed with " + e + HINT, e);
            } catch (TimeoutException e) {
                throw new AssertionError("deleteVmo, after the update of " + bundle.getSymbolicName() + ", on the "
                        + "instance that made the buffer did not complete within " + SETTLE.toMillis() + " ms" + HINT, e);
            } catch (ExecutionException e) {
                throw new AssertionError("deleteVmo, after the update of " + bundle.getSymbolicName() + ", failed: "
                        + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            baseline.assertRestored(underTest);
        } finally {
            // A check that failed half way still lets go of what it holds (a no-op once freed).
            if (mapping != null) {
                mapping.close();
            }
            if (held != null) {
                held.close();
            }
            context.ungetService(reference);
        }
    }

    static Map<String, Object> propertiesOf(ServiceReference<?> reference) {
        Map<String, Object> properties = new HashMap<>();
        for (String key : reference.getPropertyKeys()) {
            properties.put(key, reference.getProperty(key));
        }
        return properties;
    }

    private static void updateAndRefresh(BundleContext context, Bundle bundle) {
        try {
            if (readable(bundle.getLocation())) {
                bundle.update();
            } else {
                // Installed from a stream (an embedded launcher's "jar/…" location): nothing to reread, so the same
                // content goes back in as a jar of the bundle's own entries (trying the location first made Felix
                // log an ERROR).
                bundle.update(new ByteArrayInputStream(jarOf(bundle)));
            }
        } catch (BundleException | IOException e) {
            fail("bundle " + bundle.getSymbolicName() + " (location " + bundle.getLocation() + ") could not be "
                    + "updated: " + e.getMessage(), e);
        }
        CountDownLatch refreshed = new CountDownLatch(1);
        context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class).refreshBundles(List.of(bundle),
                event -> {
                    if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                        refreshed.countDown();
                    }
                });
        try {
            assertTrue(refreshed.await(RESTART.toSeconds(), TimeUnit.SECONDS), "the framework did not finish "
                    + "refreshing " + bundle.getSymbolicName() + " within " + RESTART.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static boolean readable(String location) {
        try (InputStream content = java.net.URI.create(location).toURL().openStream()) {
            return true;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The bundle's own entries (not an attached fragment's) as a jar, its manifest first. */
    private static byte[] jarOf(Bundle bundle) throws IOException {
        java.net.URL manifestEntry = bundle.getEntry(JarFile.MANIFEST_NAME);
        if (manifestEntry == null) {
            throw new IOException("it has no " + JarFile.MANIFEST_NAME);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (InputStream manifest = manifestEntry.openStream();
                JarOutputStream jar = new JarOutputStream(bytes, new Manifest(manifest))) {
            List<String> paths = new ArrayList<>(List.of("/"));
            while (!paths.isEmpty()) {
                Enumeration<String> children = bundle.getEntryPaths(paths.removeLast());
                while (children != null && children.hasMoreElements()) {
                    String path = children.nextElement();
                    if (path.endsWith("/")) {
                        paths.add(path);
                    } else if (!path.equals(JarFile.MANIFEST_NAME)) {
                        jar.putNextEntry(new JarEntry(path));
                        try (InputStream content = bundle.getEntry(path).openStream()) {
                            content.transferTo(jar);
                        }
                        jar.closeEntry();
                    }
                }
            }
        }
        return bytes.toByteArray();
    }

    private static long serviceId(ServiceReference<?> reference) {
        return (Long) reference.getProperty(Constants.SERVICE_ID);
    }

    /** Waits until the updated bundle registers a heap service with the same id again, and returns it. */
    private static ServiceReference<Heap> awaitReplacement(BundleContext context, Bundle bundle, HeapId id,
            long oldServiceId) {
        long deadline = System.nanoTime() + RESTART.toNanos();
        ServiceReference<Heap> replacement;
        while ((replacement = current(context, bundle.getBundleId(), id, oldServiceId)) == null) {
            if (System.nanoTime() > deadline) {
                fail("the updated bundle " + bundle.getSymbolicName() + " registered no heap " + id + " within "
                        + RESTART.toSeconds() + " s");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
        return replacement;
    }

    /** The heap service {@code id} that bundle {@code bundleId} registers now, other than {@code notServiceId}. */
    static ServiceReference<Heap> current(BundleContext context, long bundleId, HeapId id, long notServiceId) {
        try {
            for (ServiceReference<Heap> candidate : context.getServiceReferences(Heap.class, null)) {
                Bundle registrant = candidate.getBundle();
                if (registrant != null && registrant.getBundleId() == bundleId
                        && serviceId(candidate) != notServiceId
                        && id.equals(HeapId.fromServiceProperties(propertiesOf(candidate)))) {
                    return candidate;
                }
            }
            return null;
        } catch (InvalidSyntaxException e) {
            throw new AssertionError(e); // no filter given
        }
    }
}
