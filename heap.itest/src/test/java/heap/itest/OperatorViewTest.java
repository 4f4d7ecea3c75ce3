package heap.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.Heap;
import heap.api.HeapBinding;
import heap.api.HeapEventListener;
import heap.api.HeapId;
import heap.api.HeapProperties;
import heap.api.SingleBufferSettings;
import heap.api.Status;
import heap.api.StatusException;
import heap.api.allocator.BufferCollection;
import heap.api.allocator.CollectionSummary;
import heap.api.vmo.Vmo;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.execution.HealthCheckExecutionResult;
import org.apache.felix.hc.api.execution.HealthCheckExecutor;
import org.apache.felix.hc.api.execution.HealthCheckSelector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.test.common.annotation.InjectService;

/** The operator's view over real HTTP: the Web Console page, /metrics, the console's password, the health checks. */
class OperatorViewTest extends FrameworkTestSupport {
    private static final String PASSWORD = "itest-secret";

    @InjectService(timeout = 15_000)
    HealthCheckExecutor healthChecks;

    @AfterEach
    void consoleAndHttpBackToTheirDefaults() throws Exception {
        configurationAdmin().getConfiguration("org.apache.felix.http", "?").delete();
        consoleBackToAGeneratedPassword();
    }

    @Test
    void withoutAConfiguredPasswordTheConsoleRunsWithAGeneratedOneNeverItsDefault() throws Exception {
        Configuration console = configurationAdmin().getConfiguration(CONSOLE_PID, "?");
        awaitTrue("a generated password", () -> console.getProperties() != null
                && Boolean.TRUE.equals(console.getProperties().get("heap.password.generated")));
        assertTrue(console.getProperties().get("password").toString().startsWith("{sha-256}"),
                "stored as its hash, never in clear");
        awaitTrue("the console is up", () -> status("/system/console/heaps", null, null) == 401);
        assertEquals(401, get("/system/console/heaps", "admin", "admin").statusCode(), "the console's default is refused");
    }

    /**
     * The password logged at start holds for the platform's run: a restart of the web console's bundle (an update,
     * a refresh of heap.api) kept the console but gave it a new password, so an operator's login stopped working.
     */
    @Test
    void aGeneratedPasswordHoldsForTheRunAcrossARestartOfTheWebConsoleBundle() throws Exception {
        Configuration console = configurationAdmin().getConfiguration(CONSOLE_PID, "?");
        awaitTrue("a generated password", () -> console.getProperties() != null
                && Boolean.TRUE.equals(console.getProperties().get("heap.password.generated")));
        Object before = console.getProperties().get("password");
        org.osgi.framework.Bundle webconsole = bundle("heap.webconsole");
        try (LogLines log = new LogLines("heap.webconsole")) {
            webconsole.stop();
            webconsole.start();
            awaitTrue("the console is up again", () -> status("/system/console/heaps", null, null) == 401);
            assertEquals(before, configurationAdmin().getConfiguration(CONSOLE_PID, "?").getProperties().get("password"),
                    "the same password");
            assertTrue(log.containing("generated one for this start").isEmpty(), "no new password logged");
        }
    }

    @Test
    void theGeneratedPasswordIsLoggedWithTheAddressJettyListensOnEvenOnAnyFreePort() throws Exception {
        String endpoint = awaitValue("the HTTP endpoint", this::endpoint);
        try (LogLines log = new LogLines("heap.webconsole")) {
            configurationAdmin().getConfiguration(CONSOLE_PID, "?").delete(); // a new password, logged again
            awaitTrue("a new password logged", () -> !log.containing("generated one for this start").isEmpty());
            String line = log.containing("generated one for this start").get(0).getMessage();
            assertTrue(line.contains(" at " + endpoint + "system/console/heaps "), "the itest runs on port 0, the line "
                    + "names the port Jetty took (" + endpoint + "): " + line);
        }
    }

    @Test
    void theHeapsPageDrawsEachBufferOfThePoolInItsOwnersColourAndMetricsCountThem() throws Exception {
        configurePassword();
        BufferCollection collection = allocator().allocate(request(3, size(64 * 1024).physicallyContiguousRequired(true)
                .build(), true));
        try {
            CollectionSummary summary = allocator().collections().stream()
                    .filter(candidate -> candidate.id() == collection.id()).findFirst().orElseThrow();
            HttpResponse<String> page = get("/system/console/heaps", "admin", PASSWORD);
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("id=\"heaps-content\"") && page.body().contains("<svg class=\"pool-map\""),
                    "the page and its map");
            String content = get("/system/console/heaps/content.part", "admin", PASSWORD).body();
            assertFalse(content.contains("data-quota="), "no quota, no quota table");
            Configuration quota = configurationAdmin().getFactoryConfiguration("heap.quota", "page", "?");
            try {
                quota.update(new Hashtable<>(java.util.Map.of("bundle", "itest.page.*", "max.buffers", 4L)));
                awaitTrue("the quota in force", () -> !allocator().quotas().isEmpty());
                String withQuota = get("/system/console/heaps/content.part", "admin", PASSWORD).body();
                assertTrue(withQuota.contains("<tr data-quota=\"heap.quota~page\"><td>heap.quota~page</td><td>itest.page.*"
                        + "</td><td>every heap</td><td>-</td><td>4</td>"), withQuota);
                quota.update(new Hashtable<>(java.util.Map.of("bundle", "itest.page.*", "heap.type", "secur",
                        "max.buffers", 4L)));
                awaitTrue("the mistyped quota in force", () -> "secur".equals(allocator().quotas().get(0).heapType()));
                assertTrue(get("/system/console/heaps/content.part", "admin", PASSWORD).body().contains(
                        "<td>secur (no such heap listed: limits nothing)</td>"), "a heap type no heap has is shown");
                // Awaited: the health check executor keeps a result for a moment.
                awaitTrue("the Quotas check warns of a quota that limits nothing",
                        () -> overall() == Result.Status.WARN);
            } finally {
                quota.delete();
            }
            awaitTrue("healthy again once the quota is gone", () -> overall() == Result.Status.OK);
            List<String> rects = buffersOfCollection(content, collection.id());
            assertEquals(3, rects.size(), "one rect per allocated region of the collection:\n" + content);
            for (String rect : rects) {
                assertTrue(rect.contains("data-owner=\"" + summary.owner() + "\""), rect);
            }
            assertEquals(1, rects.stream().map(rect -> attribute(rect, "fill")).distinct().count(), "one owner, one colour");
            assertTrue(content.contains("class=\"free largest\""), "the largest free region is marked");
            assertTrue(content.contains("data-heap=\"heap.platform.HEAP_TYPE.CONTIGUOUS_SYSTEM_RAM#0\""));

            String metrics = get("/metrics", null, null).body();
            assertTrue(metrics.contains("# TYPE heap_allocations_total counter"), metrics);
            assertEquals(3, sample(metrics, "heap_registry_live_buffers", "heap.platform.HEAP_TYPE.CONTIGUOUS_SYSTEM_RAM"));
        } finally {
            collection.close();
        }
        awaitTrue("/metrics shows the buffers gone", () -> sample(get("/metrics", null, null).body(),
                "heap_registry_live_buffers", "heap.platform.HEAP_TYPE.CONTIGUOUS_SYSTEM_RAM") == 0);
    }

    /** A shared collection still being negotiated shows on the page with each participant and where it stands. */
    @Test
    void aPendingNegotiationShowsOnTheHeapsPageWithWhoHasNotSetConstraints() throws Exception {
        configurePassword();
        org.osgi.framework.Bundle camera = startClient("itest.page.camera");
        heap.api.allocator.BufferAllocator view = viewOf(camera);
        heap.api.allocator.BufferCollectionToken token = view.newSharedCollection();
        token.setName(1, "frames");
        heap.api.allocator.BufferCollectionToken forDisplay = token.duplicate();
        heap.api.allocator.SharedCollection bound = view.bind(token);
        try {
            String content = get("/system/console/heaps/content.part", "admin", PASSWORD).body();
            assertTrue(content.contains("Shared collections (negotiated with tokens)"), content);
            Matcher rows = Pattern.compile("<tr data-negotiation=\"\\d+\"><td>\\d+</td><td>frames</td><td>pending</td>"
                    + "<td>\\d+ s</td><td>[^<]*</td><td>itest\\.page\\.camera [^<]*</td><td>([^<]*)</td></tr>")
                    .matcher(content); // the waited column: how long it has waited for its participants
            List<String> states = new ArrayList<>();
            while (rows.find()) {
                states.add(rows.group(1));
            }
            assertEquals(List.of("bound, constraints not set (waited for)", "token, not bound (waited for)"),
                    states.stream().sorted().toList(),
                    content);
        } finally {
            forDisplay.release();
            forDisplay.close();
            bound.close();
        }
        awaitTrue("a failed negotiation leaves the page", () -> !get("/system/console/heaps/content.part", "admin",
                PASSWORD).body().contains("data-negotiation="));
    }

    /**
     * With the registry stopped, the page says so (it went 404 with it), /metrics answers 503, not 404, and the heap
     * health checks are CRITICAL (they were OK: the checks that read the registry went with it).
     */
    @Test
    void whileTheRegistryIsStoppedThePageSaysSoMetricsAnswersServiceUnavailableAndHealthIsCritical() throws Exception {
        configurePassword();
        awaitTrue("the heaps page answers", () -> status("/system/console/heaps", "admin", PASSWORD) == 200);
        org.osgi.framework.Bundle registry = bundle("heap.registry");
        registry.stop();
        try {
            awaitTrue("/metrics answers 503", () -> status("/metrics", null, null) == 503);
            assertTrue(get("/metrics", null, null).body().startsWith("the registry (heap.registry) is not running"));
            HttpResponse<String> page = get("/system/console/heaps/content.part", "admin", PASSWORD);
            assertEquals(200, page.statusCode(), "the page stays, so its two-second refresh shows the registry down");
            assertTrue(page.body().contains("the registry (heap.registry) is not running"), page.body());
            awaitTrue("the page's health table shows the registry check CRITICAL", () -> get(
                    "/system/console/heaps/content.part", "admin", PASSWORD).body().contains(
                    "<tr data-status=\"CRITICAL\"><td>Heap registry</td>"));
            assertEquals(503, get("/system/console/heaps/heap/" + HeapId.SYSTEM_RAM_TYPE + "/0.json", "admin", PASSWORD)
                    .statusCode());
            awaitTrue("the heap checks CRITICAL", () -> overall() == Result.Status.CRITICAL);
            awaitTrue("/health answers 503 for a probe", () -> status("/health", null, null) == 503);
            String health = get("/health", null, null).body();
            assertTrue(health.startsWith("{\"status\":\"CRITICAL\",\"checks\":[") && health.contains(
                    "{\"name\":\"Heap registry\",\"status\":\"CRITICAL\""), health);
        } finally {
            registry.start();
        }
        awaitActive(HeapId.SYSTEM_RAM);
        awaitTrue("the heap checks OK again", () -> overall() == Result.Status.OK);
        awaitTrue("/metrics is back", () -> status("/metrics", null, null) == 200);
        awaitTrue("/health answers 200 again", () -> status("/health", null, null) == 200);
        assertTrue(get("/health", null, null).body().startsWith("{\"status\":\"OK\""));
        assertTrue(get("/system/console/heaps/content.part", "admin", PASSWORD).body().contains("id=\"heaps\""));
    }

    @Test
    void aWrongPasswordIsRefusedAndLoggedOnceAndAnUnknownHeapIsNotFound() throws Exception {
        configurePassword();
        try (LogLines log = new LogLines("heap.webconsole")) {
            assertEquals(401, get("/system/console/heaps", "admin", "wrong").statusCode());
            // Logged on Jetty's thread once the answer is on its way: wait for it, then check it stays one line.
            awaitTrue("the refused login logged", () -> !log.containing("login refused").isEmpty());
            sleep(200);
            List<LogRecord> refused = log.containing("login refused");
            assertEquals(1, refused.size(), "one line per refused login: " + refused);
            assertEquals(null, refused.get(0).getThrown(), "no stack trace");
        }
        HttpResponse<String> unknown = get("/system/console/heaps/heap/no.such.HEAP/7.json", "admin", PASSWORD);
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body().contains("no heap no.such.HEAP#7"), unknown.body());
        HttpResponse<String> known = get("/system/console/heaps/heap/" + HeapId.SYSTEM_RAM_TYPE + "/0.json", "admin",
                PASSWORD);
        assertEquals(200, known.statusCode());
        assertTrue(known.body().contains("\"state\":\"ACTIVE\""), known.body());
    }

    @Test
    void aPortOutOfRangeOrInUseIsRefusedAndTheConsoleStaysReachable() throws Exception {
        configurePassword();
        Configuration http = configurationAdmin().getConfiguration("org.apache.felix.http", "?");
        for (String port : List.of("70000", "banana")) {
            Dictionary<String, Object> properties = new Hashtable<>();
            properties.put("org.osgi.service.http.port", port);
            http.update(properties);
            awaitTrue("the console answers after port=" + port, 
                    () -> status("/system/console/heaps", "admin", PASSWORD) == 200);
        }
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            Dictionary<String, Object> properties = new Hashtable<>();
            properties.put("org.osgi.service.http.port", taken.getLocalPort());
            http.update(properties);
            sleep(500);
            awaitTrue("the console answers after a port in use", 
                    () -> status("/system/console/heaps", "admin", PASSWORD) == 200);
            assertTrue(!endpoint().contains(":" + taken.getLocalPort() + "/"), "Jetty did not move to the taken port");
        }
        assertTrue(allocator().heaps().size() >= 3, "the rest of the platform is unaffected");
    }

    @Test
    void healthChecksGoCriticalForAQuarantinedHeapAndWarnForAFullPoolAndComeBack() throws Exception {
        assertEquals(Result.Status.OK, overall(), "healthy at the start");
        ServiceRegistration<Heap> broken = context.registerService(Heap.class, new RegistersTwice(), heapProperties());
        try {
            awaitTrue("CRITICAL while a heap is quarantined", () -> overall() == Result.Status.CRITICAL);
        } finally {
            broken.unregister();
        }
        awaitTrue("OK once the quarantined heap is gone", () -> overall() == Result.Status.OK);

        configureContiguousPool(1L << 20);
        try {
            BufferCollection full = allocator().allocate(request(1, size(960 * 1024).physicallyContiguousRequired(true)
                    .build(), true));
            try {
                awaitTrue("WARN above 90% of the pool", () -> overall() == Result.Status.WARN);
                awaitTrue("/health says WARN and still answers 200: a warning is no reason to restart",
                        () -> get("/health", null, null).body().startsWith("{\"status\":\"WARN\""));
                assertEquals(200, status("/health", null, null));
            } finally {
                full.close();
            }
            awaitTrue("OK again once freed", () -> overall() == Result.Status.OK);
        } finally {
            resetContiguousPool();
        }
    }

    /** A heap that breaks the protocol: OnRegister twice. */
    private static final class RegistersTwice implements Heap {
        @Override
        public HeapBinding bind(HeapEventListener listener) {
            HeapProperties properties = new HeapProperties(heap.api.CoherencyDomainSupport.ALL, false, false);
            listener.onRegister(properties);
            listener.onRegister(properties);
            return () -> { };
        }

        @Override
        public Vmo allocateVmo(long size, SingleBufferSettings settings, long bufferCollectionId, long bufferIndex) {
            throw new StatusException(Status.NO_MEMORY, "a test heap that holds nothing");
        }

        @Override
        public CompletionStage<Void> deleteVmo(long bufferCollectionId, long bufferIndex, Vmo vmo) {
            return CompletableFuture.completedStage(null);
        }
    }

    private static Dictionary<String, Object> heapProperties() {
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(Heap.HEAP_TYPE, "itest.heap.BROKEN");
        properties.put(Heap.HEAP_ID, 0L);
        return properties;
    }

    private Result.Status overall() {
        Result.Status worst = Result.Status.OK;
        for (HealthCheckExecutionResult result : healthChecks.execute(HealthCheckSelector.tags("heap"))) {
            Result.Status status = result.getHealthCheckResult().getStatus();
            if (status.ordinal() > worst.ordinal()) {
                worst = status;
            }
        }
        return worst;
    }

    private void configurePassword() throws Exception {
        configureConsolePassword(PASSWORD);
        assertEquals(null, configurationAdmin().getConfiguration(CONSOLE_PID, "?").getProperties()
                .get("heap.password.generated"), "the operator's password is not replaced by a generated one");
    }

    private static List<String> buffersOfCollection(String content, long collectionId) {
        List<String> rects = new ArrayList<>();
        Matcher matcher = Pattern.compile("<rect class=\"buffer\"[^>]*>").matcher(content);
        while (matcher.find()) {
            if (matcher.group().contains("data-collection=\"" + collectionId + "\"")) {
                rects.add(matcher.group());
            }
        }
        return rects;
    }

    private static String attribute(String element, String name) {
        Matcher matcher = Pattern.compile(" " + name + "=\"([^\"]*)\"").matcher(element);
        return matcher.find() ? matcher.group(1) : null;
    }

    private static long sample(String metrics, String family, String heapType) {
        Matcher matcher = Pattern.compile("(?m)^" + family + "\\{heap=\"" + Pattern.quote(heapType) + "\"[^}]*} (\\d+)$")
                .matcher(metrics);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : -1;
    }
}
