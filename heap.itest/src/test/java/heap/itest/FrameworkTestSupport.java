package heap.itest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.BufferMemoryConstraints;
import heap.api.HeapId;
import heap.api.HeapMetrics;
import heap.api.allocator.AllocationRequest;
import heap.api.allocator.BufferAllocator;
import heap.api.allocator.HeapState;
import heap.api.allocator.HeapStatus;
import heap.api.vmo.Vmo;
import heap.api.vmo.VmoMapping;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.osgi.framework.BundleException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.service.ServiceAware;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/** What every in-framework test shares, including the check that every heap is whole again afterwards. */
@ExtendWith(BundleContextExtension.class)
@ExtendWith(ServiceExtension.class)
abstract class FrameworkTestSupport {
    static final long PAGE = 4096;
    static final Duration SETTLE = Duration.ofSeconds(15);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @InjectBundleContext
    BundleContext context;

    /** Tracks the allocator across a registry restart; osgi-test ungets it after each test. */
    @InjectService(timeout = 15_000)
    ServiceAware<BufferAllocator> allocators;

    @InjectService(timeout = 15_000)
    ConfigurationAdmin configurationAdmin;

    /** Every heap's metrics as they come and go (a heap bundle updated or configured anew). */
    @InjectService(cardinality = 0)
    ServiceAware<HeapMetrics> metricsServices;

    /** The allocator service as it is now (the registry bundle may have been restarted by a test). */
    BufferAllocator allocator() {
        try {
            BufferAllocator allocator = allocators.waitForService(SETTLE.toMillis());
            if (allocator == null) {
                throw new AssertionError("no BufferAllocator service within " + SETTLE);
            }
            return allocator;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static AllocationRequest request(int count, BufferMemoryConstraints constraints, boolean cpuUsage) {
        return AllocationRequest.of(count, constraints, cpuUsage);
    }

    static BufferMemoryConstraints.Builder size(long bytes) {
        return BufferMemoryConstraints.builder().minSizeBytes(bytes);
    }

    HeapStatus awaitActive(HeapId id) {
        return awaitValue(id + " active in the registry", () -> allocator().heaps().stream()
                .filter(status -> status.id().equals(id) && status.state() == HeapState.ACTIVE).findFirst().orElse(null));
    }

    /** used_size and live_buffers of every heap service, by service id. */
    Map<Long, String> heapUsage() {
        Map<Long, String> usage = new TreeMap<>();
        for (ServiceReference<HeapMetrics> reference : metricsServices.getServiceReferences()) {
            HeapMetrics metrics = metricsServices.getService(reference);
            if (metrics != null) {
                Map<String, Long> values = metrics.metrics();
                usage.put((Long) reference.getProperty("service.id"), reference.getProperty("heap.type") + " used="
                        + values.get(HeapMetrics.USED_SIZE) + " live=" + values.get(HeapMetrics.LIVE_BUFFERS));
            }
        }
        return usage;
    }

    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private final java.util.List<Bundle> installedClients = new java.util.ArrayList<>();

    /** Client bundles a test installed: uninstalled after it (which reclaims whatever they still hold). */
    private void uninstallClients() throws BundleException {
        for (Bundle bundle : installedClients) {
            if (bundle.getState() != Bundle.UNINSTALLED) {
                bundle.uninstall();
            }
        }
    }

    /** A bundle with no code, from bytes: a real client whose bundle context the test uses as that bundle would. */
    static InputStream clientJar(String symbolicName, String version) {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", symbolicName);
        main.putValue("Bundle-Version", version);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes, manifest)) {
            jar.flush();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return new ByteArrayInputStream(bytes.toByteArray());
    }

    Bundle startClient(String symbolicName) throws BundleException {
        Bundle bundle = context.installBundle("itest:client/" + CLIENTS.incrementAndGet(), clientJar(symbolicName, "1.0.0"));
        installedClients.add(bundle);
        bundle.start();
        return bundle;
    }

    /** The allocator as the client bundle sees it: its own view. */
    static BufferAllocator viewOf(Bundle client) {
        BundleContext clientContext = client.getBundleContext();
        return clientContext.getService(clientContext.getServiceReference(BufferAllocator.class));
    }

    @AfterEach
    void everyHeapIsBackAtItsInitialFreeCapacity() throws BundleException {
        uninstallClients();
        awaitTrue("every heap back at used=0 live=0: " + heapUsage(), () -> heapUsage().values().stream()
                .allMatch(line -> line.endsWith(" used=0 live=0")));
    }

    static void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                assertTrue(condition.getAsBoolean(), what);
            }
            sleep(10);
        }
    }

    static <T> T awaitValue(String what, java.util.function.Supplier<T> value) {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        T seen = value.get();
        while (seen == null && System.nanoTime() < deadline) {
            sleep(10);
            seen = value.get();
        }
        if (seen == null) {
            throw new AssertionError("timed out waiting for " + what);
        }
        return seen;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    Bundle bundle(String symbolicName) {
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getSymbolicName().equals(symbolicName)) {
                return bundle;
            }
        }
        throw new AssertionError("no bundle " + symbolicName);
    }

    /** The metrics object of the heap service registered now for {@code heapType}. */
    HeapMetrics heapMetrics(String heapType) {
        return awaitValue("heap metrics of " + heapType, () -> metricsServices.getServiceReferences().stream()
                .filter(reference -> heapType.equals(reference.getProperty("heap.type")))
                .max(java.util.Comparator.comparingLong(reference -> (Long) reference.getProperty("service.id")))
                .map(metricsServices::getService).orElse(null));
    }

    ConfigurationAdmin configurationAdmin() {
        return configurationAdmin;
    }

    /** Sets the contiguous pool's size and waits until the active contiguous heap has it. */
    void configureContiguousPool(long bytes) throws Exception {
        Configuration configuration = configurationAdmin().getConfiguration("heap.contiguous", "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("pool.size.bytes", bytes);
        properties.put("guard.pages.per.buffer", true);
        configuration.update(properties);
        awaitTrue("contiguous pool of " + bytes + " bytes active", () -> allocator().heaps().stream().anyMatch(status ->
                status.id().equals(HeapId.CONTIGUOUS_SYSTEM_RAM) && status.state() == HeapState.ACTIVE
                        && Long.valueOf(bytes).equals(status.metrics().get(HeapMetrics.CAPACITY))));
    }

    void resetContiguousPool() throws Exception {
        configurationAdmin().getConfiguration("heap.contiguous", "?").delete();
        awaitTrue("contiguous heap back at its default pool", () -> allocator().heaps().stream().anyMatch(status ->
                status.id().equals(HeapId.CONTIGUOUS_SYSTEM_RAM) && status.state() == HeapState.ACTIVE
                        && status.metrics().getOrDefault(HeapMetrics.CAPACITY, 0L) > (64L << 20)));
    }

    static final String CONSOLE_PID = "org.apache.felix.webconsole.internal.servlet.OsgiManager";

    /** Sets the Web Console's user admin's password and waits until the console takes it. */
    void configureConsolePassword(String password) throws Exception {
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("username", "admin");
        properties.put("password", password);
        configurationAdmin().getConfiguration(CONSOLE_PID, "?").update(properties);
        awaitTrue("the console takes the operator's password",
                () -> status("/system/console/heaps", "admin", password) == 200);
    }

    /**
     * Deletes the console's configuration and waits, before the next test, for the generated password that replaces
     * it (written into the configuration: a test setting its own meanwhile would lose it) and the console answering.
     */
    void consoleBackToAGeneratedPassword() throws Exception {
        configurationAdmin().getConfiguration(CONSOLE_PID, "?").delete();
        Configuration console = configurationAdmin().getConfiguration(CONSOLE_PID, "?");
        awaitTrue("a generated password after the delete", () -> console.getProperties() != null
                && Boolean.TRUE.equals(console.getProperties().get("heap.password.generated")));
        awaitTrue("the console answers again", () -> status("/system/console/heaps", null, null) == 401);
    }

    /** Where Jetty listens now, from the HTTP runtime's service (it moves when its configuration changes). */
    String endpoint() {
        try {
            ServiceReference<?>[] runtimes = context.getServiceReferences("org.osgi.service.servlet.runtime.HttpServiceRuntime", null);
            if (runtimes == null) {
                return null;
            }
            Object endpoint = runtimes[0].getProperty("osgi.http.endpoint");
            String first = endpoint instanceof String[] all ? all[0] : endpoint instanceof java.util.Collection<?> all
                    ? all.iterator().next().toString() : String.valueOf(endpoint);
            return first.endsWith("/") ? first : first + "/";
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** The status of a GET, or -1 while nothing answers in time (Jetty restarting on a new configuration). */
    int status(String path, String user, String password) {
        try {
            return get(path, user, password).statusCode();
        } catch (java.io.UncheckedIOException e) {
            return -1;
        }
    }

    /** A GET on the framework's Jetty, with basic authentication when {@code user} is not null. */
    HttpResponse<String> get(String path, String user, String password) {
        return send(requestTo(path, user, password).build(), "GET " + path);
    }

    /** A form POST with basic authentication, as a browser sends the Web Console's forms. */
    HttpResponse<String> post(String path, String user, String password, Map<String, String> form) {
        String body = form.entrySet().stream().map(field -> java.net.URLEncoder.encode(field.getKey(),
                StandardCharsets.UTF_8) + "=" + java.net.URLEncoder.encode(field.getValue(), StandardCharsets.UTF_8))
                .collect(java.util.stream.Collectors.joining("&"));
        return send(requestTo(path, user, password).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), "POST " + path);
    }

    private HttpRequest.Builder requestTo(String path, String user, String password) {
        String base = awaitValue("the HTTP endpoint", this::endpoint);
        // A time limit: a connection kept from a Jetty that is restarting on a new configuration may never answer.
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base.substring(0, base.length() - 1) + path))
                .timeout(Duration.ofSeconds(5));
        if (user != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                    .getBytes(StandardCharsets.UTF_8)));
        }
        return request;
    }

    private static HttpResponse<String> send(HttpRequest request, String what) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static void fill(Vmo buffer, byte value) {
        try (VmoMapping mapping = buffer.map(0, buffer.size(), true)) {
            mapping.segment().fill(value);
        }
    }

    static boolean holds(Vmo buffer, byte value) {
        try (VmoMapping mapping = buffer.map(0, buffer.size(), false)) {
            MemorySegment segment = mapping.segment();
            for (long i = 0; i < segment.byteSize(); i += 512) {
                if (segment.get(ValueLayout.JAVA_BYTE, i) != value) {
                    return false;
                }
            }
            return segment.get(ValueLayout.JAVA_BYTE, segment.byteSize() - 1) == value;
        }
    }

    /** A logger's lines (java.util.logging, where System.Logger writes here) while it is open. */
    static final class LogLines extends java.util.logging.Handler implements AutoCloseable {
        private final java.util.logging.Logger logger;
        private final java.util.logging.Level level;
        private final java.util.List<java.util.logging.LogRecord> records = new java.util.ArrayList<>();

        LogLines(String name) {
            logger = java.util.logging.Logger.getLogger(name);
            level = logger.getLevel();
            logger.setLevel(java.util.logging.Level.ALL);
            logger.addHandler(this);
        }

        @Override
        public synchronized void publish(java.util.logging.LogRecord record) {
            records.add(record);
        }

        synchronized java.util.List<java.util.logging.LogRecord> containing(String text) {
            return records.stream().filter(record -> record.getMessage().contains(text)).toList();
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            logger.removeHandler(this);
            logger.setLevel(level);
        }
    }
}
