package heap.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.HeapId;
import heap.api.Status;
import heap.api.StatusException;
import heap.api.SysmemError;
import heap.api.SysmemException;
import heap.registry.HeapRegistry;
import heap.secure.SecureHeap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HeapShellTest {
    private final HeapRegistry registry = new HeapRegistry(HeapRegistry.Limits.DEFAULT);
    private final SecureHeap secure = new SecureHeap(8L << 20, 1L << 20, 0x4000_0000L);
    private final HeapShell shell = new HeapShell(registry);

    HeapShellTest() {
        registry.addHeap(secure, Map.of("heap.type", HeapId.SECURE.heapType(), "heap.id", 0L, "heap.secure", true),
                "heap.secure 1.0.0");
    }

    @AfterEach
    void stop() {
        shell.closeAll();
        registry.stop();
    }

    @Test
    void sizesAcceptBinarySuffixesAndTheShellsOwnFormAndRejectAnythingElseByName() {
        assertEquals(4096, SizeArgument.parse("4096"));
        assertEquals(64 << 10, SizeArgument.parse("64k"));
        assertEquals(8L << 20, SizeArgument.parse("8M"));
        assertEquals(1L << 30, SizeArgument.parse("1g"));
        assertEquals(2L << 40, SizeArgument.parse("2T"));
        // As heap:list and heap:alloc print sizes, so a printed size can be typed back
        assertEquals(8L << 20, SizeArgument.parse("8.0 MiB"));
        assertEquals(4096, SizeArgument.parse("4 KiB"));
        assertEquals(4096, SizeArgument.parse("4096 B"));
        assertEquals(1536, SizeArgument.parse("1.5k"));
        assertEquals(4096, SizeArgument.parse("4kb"));
        StatusException fraction = assertThrows(StatusException.class, () -> SizeArgument.parse("0.3k"));
        assertTrue(fraction.getMessage().contains("'0.3k' is not a whole number of bytes (307.2)"), fraction.getMessage());
        for (String bad : new String[] {"", "8X", "-1", "0", "0.0M", "k", "1.M", "4 KiBB", "99999999999G", "8388608T"}) {
            StatusException e = assertThrows(StatusException.class, () -> SizeArgument.parse(bad), bad);
            assertEquals(Status.INVALID_ARGS, e.status());
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
        for (String notPositive : new String[] {"-1", "-4k", "0", "0.0M"}) {
            StatusException e = assertThrows(StatusException.class, () -> SizeArgument.parse(notPositive));
            assertTrue(e.getMessage().contains("must be positive"), notPositive + ": " + e.getMessage());
        }
    }

    @Test
    void jsonEscapesAndNests() {
        assertEquals("{\"a\":[1,true,null,\"q\\\"\\n\"]}", Json.write(Map.of("a", java.util.Arrays.asList(1, true, null, "q\"\n"))));
    }

    @Test
    void allocHoldsTheCollectionUntilFreeAndListShowsTheHeap() {
        Map<String, Object> allocated = shell.alloc(1 << 20, 2, false, true, false, "");
        assertEquals(HeapId.SECURE.toString(), allocated.get("heap"));
        List<?> buffers = (List<?>) allocated.get("buffers");
        assertEquals(2, buffers.size());
        assertTrue(((Map<?, ?>) buffers.get(0)).containsKey("physical_address"));
        assertEquals(2L, shell.list().get(0).get("live_buffers"));
        assertTrue(Text.heaps(shell.list()).contains("heap.platform.HEAP_TYPE.SECURE"));
        long id = (Long) allocated.get("collection");
        assertEquals(id, shell.info(Long.toString(id)).get("collection"));
        shell.free(id);
        assertEquals(0L, shell.list().get(0).get("live_buffers"));
        assertEquals(0L, secure.metrics().get("used_size"));
        SysmemException again = assertThrows(SysmemException.class, () -> shell.free(id));
        assertEquals(SysmemError.NOT_FOUND, again.error());
    }

    @Test
    void theShellsAllocationsBelongToTheShellBundleAndOwnersShowsThem() {
        HeapShell asBundle = new HeapShell(registry.view(12, "heap.shell", "1.0.0"));
        long id = (Long) asBundle.alloc(1 << 20, 2, false, true, false, "").get("collection");
        Map<String, Object> owner = asBundle.owners().stream().filter(row -> row.get("bundle_id").equals(12L))
                .findFirst().orElseThrow();
        assertEquals("heap.shell 1.0.0 [12]", owner.get("bundle"));
        assertEquals(2L, owner.get("live_buffers"));
        assertEquals(2L << 20, owner.get("bytes"));
        assertEquals("heap.shell 1.0.0 [12]", asBundle.collections().get(0).get("owner"));
        assertTrue(Text.owners(asBundle.owners()).contains(HeapId.SECURE.toString()));
        assertTrue(Text.collections(asBundle.collections()).contains("heap.shell 1.0.0 [12]"));
        asBundle.free(id);
        assertEquals(0L, secure.metrics().get("used_size"), "the shell's own allocations stay freeable");
    }

    @Test
    void quotasListEachQuotaWithTheBundlesItLimitsAndARefusedUpdateAndSayWhenThereIsNone() {
        assertEquals("no quota configured (deploy/heap.quota-NAME.cfg sets one)", Text.quotas(shell.quotas()));
        heap.api.allocator.QuotaStatus camera = new heap.api.allocator.QuotaStatus("heap.quota~camera", "com.example.*",
                HeapId.SECURE.heapType(), 1L << 20, -1, List.of("com.example.camera"), null,
                List.of(HeapId.SECURE.toString()));
        heap.api.allocator.QuotaStatus mistyped = new heap.api.allocator.QuotaStatus("heap.quota~mistyped", "a.*",
                "secur", -1, 4, List.of(), null, List.of());
        heap.api.allocator.QuotaStatus typo = new heap.api.allocator.QuotaStatus("heap.quota~typo", null, null, -1, -1,
                List.of(), "max.bytes=16M is not a whole number of bytes");
        HeapShell withQuota = new HeapShell((heap.api.allocator.BufferAllocator) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {heap.api.allocator.BufferAllocator.class},
                (proxy, method, args) -> method.getName().equals("quotas") ? List.of(camera, mistyped, typo)
                        : method.invoke(registry, args)));
        Map<String, Object> row = withQuota.quotas().get(0);
        assertEquals("heap.quota~camera", row.get("pid"));
        assertEquals(List.of("com.example.camera"), row.get("limited_bundles"));
        assertEquals(-1L, row.get("max_buffers"));
        String text = Text.quotas(withQuota.quotas());
        assertTrue(text.contains("heap.quota~camera") && text.contains("com.example.*") && text.contains("1048576")
                && text.contains(HeapId.SECURE.heapType()) && text.contains("com.example.camera\n"), text);
        assertTrue(text.contains("com.example.camera\nheap.quota~mistyped"), "the camera's covers a heap: " + text);
        assertTrue(text.contains("\n  no heap listed now is of type secur (heap:list shows them): it limits nothing "
                + "until one is\n"), text);
        assertEquals(List.of(HeapId.SECURE.toString()), row.get("heaps_covered"));
        assertEquals(List.of(false, true, false), withQuota.quotas().stream().map(r -> r.get("limits_nothing")).toList(),
                "--json says which quota limits nothing, as the text does");
        assertTrue(text.endsWith("  its last update was refused: max.bytes=16M is not a whole number of bytes; "
                + "no quota is in force for it"), text);
        assertTrue(Json.write(Map.of("quotas", withQuota.quotas())).contains(
                "\"heap_type\":\"" + HeapId.SECURE.heapType() + "\""));
    }

    @Test
    void collectionsShowPendingNegotiationsAndWhoHasNotSetConstraints() {
        var camera = registry.view(20, "camera", "1.0.0");
        var token = camera.newSharedCollection();
        token.setName(1, "frames");
        var forDisplay = token.duplicate();
        var bound = camera.bind(token);
        Map<String, Object> row = shell.collections().stream().filter(r -> "negotiation".equals(r.get("kind")))
                .findFirst().orElseThrow();
        assertEquals("pending", row.get("state"));
        assertEquals("frames", row.get("name"));
        String text = Text.collections(shell.collections());
        assertTrue(text.contains("shared collection " + row.get("id") + " 'frames': pending for 0 s"), text);
        assertTrue(row.get("waited_ms") instanceof Long waited && waited >= 0 && waited < 5_000, "waited: " + row);
        assertTrue(text.contains("bound, constraints not set (waited for)") && text.contains("token, not bound (waited for)"),
                text);
        bound.setConstraints(heap.api.allocator.BufferCollectionConstraints.builder()
                .usage(heap.api.allocator.BufferUsage.CPU_WRITE).build());
        assertTrue(Text.collections(shell.collections()).contains("constraints set\n"), "no longer waited for");
        assertEquals(List.of(false, true), ((List<?>) shell.collections().stream()
                .filter(r -> "negotiation".equals(r.get("kind"))).findFirst().orElseThrow().get("participants")).stream()
                .map(participant -> ((Map<?, ?>) participant).get("blocking")).toList(), "--json says it too");
        bound.close(); // without release: the pending collection fails
        forDisplay.close();
        assertTrue(shell.collections().isEmpty(), "a failed negotiation is gone");
    }

    @Test
    void argumentsGogoCannotFitAreExplainedNamingTheArgumentAndTheUsage() {
        assertEquals("heap:free: ID 'abc' is not a number; usage: heap:free [--json] ID", Usage.explain("heap:free abc"));
        assertEquals("heap:info: ID-or-KOID is missing; usage: heap:info [--koid] [--json] ID-or-KOID",
                Usage.explain("heap:info"));
        assertTrue(Usage.explain("heap:alloc 4k --bogus").startsWith("heap:alloc: unknown option --bogus; usage: heap:alloc SIZE"));
        assertTrue(Usage.explain("alloc 4k --count many").contains("--count 'many' is not a whole number"));
        assertTrue(Usage.explain("heap:free 1 2").contains("unexpected argument '2'"));
        assertTrue(Usage.wantsHelp("heap:list --help"));
        assertEquals(null, Usage.commandOf("lb"));
        assertTrue(Usage.overview().contains("heap:owners [--json]"));
        assertTrue(Usage.overview().contains("heap:quotas [--json]"));
    }

    @Test
    void aNumberThatIsBothACollectionAndAKoidMustSayWhich() {
        heap.api.vmo.Vmo buffer = heap.api.spi.Vmos.root(java.lang.foreign.Arena.ofAuto().allocate(4096), () -> { });
        long clash = buffer.koid();
        heap.api.allocator.BufferCollection collection = (heap.api.allocator.BufferCollection) java.lang.reflect.Proxy
                .newProxyInstance(getClass().getClassLoader(), new Class<?>[] {heap.api.allocator.BufferCollection.class},
                        (proxy, method, args) -> switch (method.getName()) {
                            case "id" -> clash;
                            case "buffers" -> List.of(buffer);
                            case "settings" -> new heap.api.SingleBufferSettings(
                                    heap.api.BufferMemorySettings.of(4096, HeapId.SYSTEM_RAM));
                            default -> null;
                        });
        heap.api.allocator.BufferAllocator allocator = (heap.api.allocator.BufferAllocator) java.lang.reflect.Proxy
                .newProxyInstance(getClass().getClassLoader(), new Class<?>[] {heap.api.allocator.BufferAllocator.class},
                        (proxy, method, args) -> switch (method.getName()) {
                            case "allocate" -> collection;
                            case "getVmoInfo" -> new heap.api.allocator.VmoInfo(clash, 0);
                            case "collections", "negotiations" -> List.of();
                            default -> null;
                        });
        HeapShell clashing = new HeapShell(allocator);
        clashing.alloc(4096, 1, false, false, true, "");
        StatusException ambiguous = assertThrows(StatusException.class, () -> clashing.info(Long.toString(clash)));
        assertTrue(ambiguous.getMessage().contains("--koid"), ambiguous.getMessage());
        assertEquals(clash, clashing.info(Long.toString(clash), true).get("koid"));
        buffer.close();
    }

    @Test
    void outputIsStableAndConsistent() {
        shell.alloc(1 << 20, 1, false, true, false, "");
        Map<String, Object> stats = shell.stats(null).get(0);
        assertEquals(List.of("live_buffers", "clears", "flushes", "failures", "lost_buffers"),
                List.copyOf(((Map<?, ?>) stats.get("registry")).keySet()), "a fixed order, run after run");
        assertEquals(0L, shell.list().get(0).get("id"), "a heap's id is a number in JSON, as collection ids are");
        String text = Text.collection(shell.info(Long.toString((Long) shell.collections().get(0).get("id"))));
        assertTrue(text.matches("(?s).*phys 0x[0-9a-f]+.*"), text);
        String heaps = Text.heaps(shell.list());
        assertTrue(heaps.lines().allMatch(line -> !line.startsWith(" ")), "no indented continuation lines: " + heaps);
        assertTrue(Text.stats(List.of(Map.of("heap", "h", "state", "active", "metrics",
                new java.util.TreeMap<>(Map.of("pool_base_address", 4096L, "protected_range_base", 8192L)),
                "registry", Map.of()))).contains("pool_base_address                  0x1000"));
        assertTrue(Text.stats(List.of(Map.of("heap", "h", "state", "active", "metrics",
                Map.of("protected_range_base", 8192L), "registry", Map.of())))
                .contains("protected_range_base               0x2000"), "addresses read in hex");
    }

    @Test
    void aLevelInTheConfigurationWinsOverTheStartsAndTheStartsOverInfo() {
        String before = System.getProperty("heap.log.level");
        System.setProperty("heap.log.level", "WARN");
        try {
            assertEquals("DEBUG", ConsoleLog.heapLevel(logConfig("DEBUG")), "deploy/heap.log.cfg sets it");
            assertEquals("WARN", ConsoleLog.heapLevel(logConfig("")), "no level configured: HEAP_LOG_LEVEL's");
            System.clearProperty("heap.log.level");
            assertEquals("INFO", ConsoleLog.heapLevel(logConfig("")), "neither");
        } finally {
            if (before == null) {
                System.clearProperty("heap.log.level");
            } else {
                System.setProperty("heap.log.level", before);
            }
        }
    }

    private ConsoleLog.Config logConfig(String level) {
        return (ConsoleLog.Config) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ConsoleLog.Config.class}, (proxy, method, args) -> method.getName().equals("level")
                        ? level : method.getDefaultValue());
    }

    /** A configuration refused before the bridge is up reads as one refused after it: ERROR, not SEVERE. */
    @Test
    void aLinePrintedBeforeTheLogBridgeIsUpHasTheBridgesLayoutAndLevelNames() {
        java.util.logging.LogRecord record = new java.util.logging.LogRecord(java.util.logging.Level.SEVERE,
                "configuration {0} refused");
        record.setLoggerName("heap.config");
        record.setParameters(new Object[] {"heap.secure"});
        record.setThrown(new IllegalStateException("outer", new IllegalArgumentException("inner")));
        String line = new EarlyLogLayout.Layout().format(record);
        assertTrue(line.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ERROR \\[heap.config\\] configuration heap.secure refused: "
                + "java.lang.IllegalArgumentException: inner\\R"), line);
        assertEquals(org.osgi.service.log.LogLevel.WARN, ConsoleLog.levelOf(java.util.logging.Level.WARNING));
        assertEquals(org.osgi.service.log.LogLevel.INFO, ConsoleLog.levelOf(java.util.logging.Level.INFO));
        assertEquals(org.osgi.service.log.LogLevel.DEBUG, ConsoleLog.levelOf(java.util.logging.Level.FINE));
        assertEquals(org.osgi.service.log.LogLevel.TRACE, ConsoleLog.levelOf(java.util.logging.Level.FINEST));
    }

    /** Only under the platform's console, and stopping the shell bundle gives the handler its formatter back. */
    @Test
    void theEarlyLayoutIsPutOnTheConsoleHandlerOnlyUnderThePlatformsConsoleAndTakenOffAtStop() {
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        java.util.logging.ConsoleHandler console = new java.util.logging.ConsoleHandler();
        java.util.logging.Formatter before = console.getFormatter();
        root.addHandler(console);
        try {
            for (String flag : new String[] {null, "false"}) {
                EarlyLogLayout elsewhere = new EarlyLogLayout();
                elsewhere.start(context(flag));
                assertTrue(console.getFormatter() == before, "heap.console=" + flag + ": left as it was");
                elsewhere.stop(context(flag));
            }
            EarlyLogLayout layout = new EarlyLogLayout();
            layout.start(context("true"));
            assertTrue(console.getFormatter() instanceof EarlyLogLayout.Layout);
            layout.stop(context("true", org.osgi.framework.Bundle.STOPPING));
            assertTrue(console.getFormatter() instanceof EarlyLogLayout.Layout, "the framework stops: the last lines keep it");
            layout.stop(context("true"));
            assertTrue(console.getFormatter() == before, "no class of the stopped bundle stays reachable from the JDK");
        } finally {
            root.removeHandler(console);
        }
    }

    /**
     * The console's revision keeps its layout when its bundle stops (its loader stays with the console thread), and a
     * later revision leaves that layout alone: lines logged while the shell restarts (a refresh of heap.api) read
     * WARN and ERROR, not the JDK's WARNING and SEVERE, and no later revision's class stays reachable.
     */
    @Test
    void theConsolesRevisionKeepsItsLayoutAcrossARestartAndALaterRevisionLeavesItAlone() throws Exception {
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        java.util.logging.ConsoleHandler console = new java.util.logging.ConsoleHandler();
        java.util.logging.Formatter before = console.getFormatter();
        root.addHandler(console);
        java.net.URL classes = EarlyLogLayout.class.getProtectionDomain().getCodeSource().getLocation();
        try (java.net.URLClassLoader earlierRevision = new java.net.URLClassLoader(new java.net.URL[] {classes},
                ClassLoader.getPlatformClassLoader())) {
            EarlyLogLayout consoles = new EarlyLogLayout();
            consoles.start(context("true"));
            java.util.logging.Formatter kept = console.getFormatter();
            EarlyLogLayout.keepForTheProcess(true);
            consoles.stop(context("true"));
            assertTrue(console.getFormatter() == kept, "the console's revision keeps its layout on the handler");

            var earlier = earlierRevision.loadClass(EarlyLogLayout.Layout.class.getName()).getDeclaredConstructor();
            earlier.setAccessible(true);
            java.util.logging.Formatter earlierLayout = (java.util.logging.Formatter) earlier.newInstance();
            console.setFormatter(earlierLayout); // as the console's revision left it, seen from a later revision
            EarlyLogLayout.keepForTheProcess(false);
            EarlyLogLayout later = new EarlyLogLayout();
            later.start(context("true"));
            assertTrue(console.getFormatter() == earlierLayout, "a later revision leaves the console's layout alone");
            later.stop(context("true"));
            assertTrue(console.getFormatter() == earlierLayout, "and puts nothing of its own back at stop");
        } finally {
            EarlyLogLayout.keepForTheProcess(false);
            console.setFormatter(before);
            root.removeHandler(console);
        }
    }

    private static org.osgi.framework.BundleContext context(String console) {
        return context(console, org.osgi.framework.Bundle.ACTIVE);
    }

    /** A context whose framework (bundle 0) is in {@code frameworkState}, with heap.console set to {@code console}. */
    private static org.osgi.framework.BundleContext context(String console, int frameworkState) {
        org.osgi.framework.Bundle framework = (org.osgi.framework.Bundle) java.lang.reflect.Proxy.newProxyInstance(
                HeapShellTest.class.getClassLoader(), new Class<?>[] {org.osgi.framework.Bundle.class},
                (proxy, method, args) -> method.getName().equals("getState") ? frameworkState : null);
        return (org.osgi.framework.BundleContext) java.lang.reflect.Proxy.newProxyInstance(
                HeapShellTest.class.getClassLoader(), new Class<?>[] {org.osgi.framework.BundleContext.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getProperty" -> "heap.console".equals(args[0]) ? console : null;
                    case "getBundle" -> framework;
                    default -> null;
                });
    }

    @Test
    void theFrameworksEventsAboutTheShellBundleAreLoggedAtTheFrameworkLevelNotTheHeapLevel() {
        assertTrue(ConsoleLog.atHeapLevel("heap.registry", false));
        assertTrue(ConsoleLog.atHeapLevel("example.heap", true), "a heap's System.Logger record, bridged by the shell");
        assertTrue(!ConsoleLog.atHeapLevel("Events.Service.heap.shell", true), "ServiceEvent REGISTERED naming nothing");
        assertTrue(!ConsoleLog.atHeapLevel("Events.Bundle.heap.registry", false));
        assertTrue(!ConsoleLog.atHeapLevel("org.apache.felix.scr", false));
        assertTrue(!ConsoleLog.atHeapLevel(null, false));
    }

    @Test
    void aHeapComponentThatFailedToActivateIsListedWithItsRootCause() {
        String failure = "org.osgi.service.component.ComponentException: java.lang.reflect.InvocationTargetException\n"
                + "\tat org.apache.felix.scr...\nCaused by: java.lang.reflect.InvocationTargetException\n\tat x\n"
                + "Caused by: java.lang.IllegalArgumentException: capacity.bytes -5 is not a positive multiple of 4096\n";
        String cause = HeapCommands.rootCause(failure);
        assertEquals("java.lang.IllegalArgumentException: capacity.bytes -5 is not a positive multiple of 4096", cause);
        HeapShell withFailure = new HeapShell(registry, () -> List.of(new HeapShell.FailedHeap("acme.heap", 3, "acme", cause)));
        Map<String, Object> row = withFailure.list().get(withFailure.list().size() - 1);
        assertEquals("failed", row.get("state"));
        assertEquals(3L, row.get("id"), "the instance its factory configuration numbered");
        assertEquals(2L, HeapCommands.instanceId(Map.of("heap.id", "2")));
        assertEquals(0L, HeapCommands.instanceId(Map.of()));
        assertEquals(0L, HeapCommands.instanceId(Map.of("heap.id", "abc")));
        assertTrue(Text.heaps(withFailure.list()).lines().anyMatch(line -> line.startsWith("acme.heap")
                && line.contains("failed") && line.endsWith(cause)));
        assertEquals("java.lang.IllegalStateException: the real cause", ConsoleLog.rootCause(
                new java.lang.reflect.InvocationTargetException(new IllegalStateException("the real cause"))));
    }

    @Test
    void errorsLeaveNothingAllocated() {
        assertThrows(SysmemException.class, () -> shell.alloc(1 << 20, 1, false, true, true, ""));
        SysmemException unknown = assertThrows(SysmemException.class,
                () -> shell.alloc(1 << 20, 1, false, false, false, "no.such.heap"));
        assertEquals(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, unknown.error());
        assertTrue(unknown.getMessage().endsWith("): no permitted heap is registered and taking new buffers "
                + "(no.such.heap#0)"), unknown.getMessage());
        SysmemException unfit = assertThrows(SysmemException.class,
                () -> shell.alloc(1 << 20, 1, false, false, true, "secure"));
        assertFalse(unfit.getMessage().contains("is registered"), "a listed heap that does not fit: " + unfit.getMessage());
        assertThrows(StatusException.class, () -> shell.alloc(4096, 1, false, false, false, "x#notanumber"));
        assertThrows(SysmemException.class, () -> shell.stats("no.such.heap"));
        assertThrows(StatusException.class, () -> shell.info("abc"));
        assertTrue(shell.collections().isEmpty());
        assertEquals(0L, secure.metrics().get("used_size"));
    }

    @Test
    void aHeapCanBeNamedByTheLastPartOfItsTypeWhenOnlyOneTypeEndsSo() {
        assertEquals(HeapId.SECURE.heapType(), shell.resolveHeap("secure"));
        assertEquals(HeapId.SECURE.heapType() + "#0", shell.resolveHeap("SECURE#0"));
        assertEquals(HeapId.SECURE.toString(), shell.stats("Secure").get(0).get("heap"));
        Map<String, Object> allocated = shell.alloc(1 << 20, 1, false, true, false, "secure");
        assertEquals(HeapId.SECURE.toString(), allocated.get("heap"));
        assertEquals("system_ram", shell.resolveHeap("system_ram"), "a name no heap has stays as typed");
        assertEquals("vendor.SECURE", shell.resolveHeap("vendor.SECURE"), "a dotted name is a whole type");

        SecureHeap vendors = new SecureHeap(8L << 20, 1L << 20, 0x8000_0000L);
        registry.addHeap(vendors, Map.of("heap.type", "vendor.HEAP_TYPE.SECURE", "heap.id", 0L, "heap.secure", true),
                "vendor.secure 1.0.0");
        StatusException ambiguous = assertThrows(StatusException.class,
                () -> shell.alloc(1 << 20, 1, false, true, false, "secure"));
        assertEquals(Status.INVALID_ARGS, ambiguous.status());
        assertTrue(ambiguous.getMessage().contains(HeapId.SECURE.heapType())
                && ambiguous.getMessage().contains("vendor.HEAP_TYPE.SECURE"), ambiguous.getMessage());
        assertThrows(StatusException.class, () -> shell.stats("secure"));
        assertEquals(1L, secure.metrics().get("live_buffers"), "the failed alloc left nothing allocated");
        assertEquals(0L, vendors.metrics().get("live_buffers"));
        assertEquals("vendor.HEAP_TYPE.SECURE#0", shell.stats("vendor.HEAP_TYPE.SECURE").get(0).get("heap"));
        registry.removeHeap(vendors);
        assertEquals(HeapId.SECURE.heapType(), shell.resolveHeap("secure"), "one type ends so again");
    }

    /** --heap TYPE is instance 0, as sysmem's unset id; a type run only as other instances has its one, or says which. */
    @Test
    void aTypeWithoutAnIdPermitsInstanceZeroOrTheOneInstanceThatRuns() {
        assertEquals(HeapId.SECURE, shell.permittedHeap("secure"));
        String type = "vendor.HEAP_TYPE.PROTECTED";
        SecureHeap first = new SecureHeap(8L << 20, 1L << 20, 0);
        SecureHeap second = new SecureHeap(8L << 20, 1L << 20, 0);
        registry.addHeap(first, Map.of("heap.type", type, "heap.id", 1L, "heap.secure", true), "vendor.protected 1.0.0");
        registry.addHeap(second, Map.of("heap.type", type, "heap.id", 2L, "heap.secure", true), "vendor.protected 1.0.0");
        StatusException which = assertThrows(StatusException.class, () -> shell.alloc(4096, 1, false, true, false, "protected"));
        assertEquals(Status.INVALID_ARGS, which.status());
        assertTrue(which.getMessage().contains("runs as instances [#1, #2] and none is #0: name one, as protected#1"),
                which.getMessage());
        assertEquals(new HeapId(type, 2), shell.permittedHeap("protected#2"));
        registry.removeHeap(second);
        Map<String, Object> allocated = shell.alloc(4096, 1, false, true, false, "protected");
        assertEquals(type + "#1", allocated.get("heap"), "the one instance that runs");
        assertEquals(0L, second.metrics().get("live_buffers"));
        shell.closeAll();
        registry.removeHeap(first);
    }

    /** Two pools from factory configurations are two lines of heap:check, each named as the registry names it. */
    @Test
    void heapCheckNamesEachInstanceByTypeAndId() {
        Map<heap.api.HeapDiagnostics, String> pools = new java.util.LinkedHashMap<>();
        String type = HeapId.CONTIGUOUS_SYSTEM_RAM.heapType();
        pools.put(() -> List.of("guard page after region 3 overwritten"),
                HeapCommands.heapName(Map.of("heap.type", type, "heap.id", "2")));
        pools.put(List::of, HeapCommands.heapName(Map.of("heap.type", type, "heap.id", 1L)));
        assertEquals(List.of(type + "#1: ok", type + "#2: 1 problem(s)", "  guard page after region 3 overwritten"),
                Text.check(HeapShell.check(pools)).lines().toList());
        assertEquals(type, HeapCommands.heapName(Map.of("heap.type", type, "heap.id", "abc")), "no id to read: the type");
    }

    @Test
    void aHeapCanBeNamedByTheFirstWordsOfTheLastPartOfItsTypeWhenOnlyOneStartsSo() {
        for (HeapId id : List.of(HeapId.SYSTEM_RAM, HeapId.CONTIGUOUS_SYSTEM_RAM)) {
            registry.addHeap(new SecureHeap(8L << 20, 1L << 20, 0x8000_0000L), Map.of("heap.type", id.heapType(),
                    "heap.id", 0L), "stand-in for " + id);
        }
        assertEquals(HeapId.CONTIGUOUS_SYSTEM_RAM.heapType(), shell.resolveHeap("contiguous"));
        assertEquals(HeapId.CONTIGUOUS_SYSTEM_RAM.heapType() + "#0", shell.resolveHeap("Contiguous#0"));
        assertEquals(HeapId.SYSTEM_RAM.heapType(), shell.resolveHeap("system"), "SYSTEM_RAM starts so, CONTIGUOUS_… not");
        assertEquals(HeapId.SYSTEM_RAM.heapType(), shell.resolveHeap("system-ram"), "a whole last part first");
        assertEquals(HeapId.CONTIGUOUS_SYSTEM_RAM.toString(), shell.stats("contiguous").get(0).get("heap"));
        assertEquals("contig", shell.resolveHeap("contig"), "whole words only: a name no heap has stays as typed");

        registry.addHeap(new SecureHeap(8L << 20, 1L << 20, 0xC000_0000L), Map.of("heap.type",
                "vendor.HEAP_TYPE.CONTIGUOUS_PROTECTED", "heap.id", 0L), "vendor.protected 1.0.0");
        StatusException ambiguous = assertThrows(StatusException.class, () -> shell.stats("contiguous"));
        assertEquals(Status.INVALID_ARGS, ambiguous.status());
        assertTrue(ambiguous.getMessage().contains("vendor.HEAP_TYPE.CONTIGUOUS_PROTECTED")
                && ambiguous.getMessage().contains(HeapId.CONTIGUOUS_SYSTEM_RAM.heapType()), ambiguous.getMessage());
    }

    @Test
    void statsTakesOneHeapAsItHeadsItsMetricsTypeHashId() {
        assertEquals(HeapId.SECURE.toString(), shell.stats(HeapId.SECURE.toString()).get(0).get("heap"));
        assertEquals(1, shell.stats("secure#0").size());
        SysmemException noSuchId = assertThrows(SysmemException.class, () -> shell.stats("secure#7"));
        assertEquals(SysmemError.NOT_FOUND, noSuchId.error());
        assertTrue(noSuchId.getMessage().contains("no heap " + HeapId.SECURE.heapType() + "#7"), noSuchId.getMessage());
        StatusException badId = assertThrows(StatusException.class, () -> shell.stats("secure#x"));
        assertEquals(Status.INVALID_ARGS, badId.status());
        assertTrue(badId.getMessage().contains("secure#x"), badId.getMessage());
    }
}
