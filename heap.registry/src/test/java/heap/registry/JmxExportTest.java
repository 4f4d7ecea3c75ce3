package heap.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.HeapId;
import heap.api.allocator.BufferCollection;
import heap.registry.FakeHeap.Fault;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import org.junit.jupiter.api.Test;

/** Every bound heap and the registry as MXBeans that follow the heaps' lifecycle, with notifications. */
class JmxExportTest extends RegistryTestSupport {
    private final MBeanServer server = MBeanServerFactory.newMBeanServer();

    @Test
    void heapMBeansAppearChangeAndGoWithTheirHeaps() throws Exception {
        JmxExport jmx = new JmxExport(registry, server);
        registry.setEvents(jmx);
        List<String> notifications = new CopyOnWriteArrayList<>();
        ObjectName registryName = new ObjectName("heap.platform:type=Registry");
        server.addNotificationListener(registryName, (notification, handback) -> notifications.add(notification.getType()),
                null, null);

        FakeHeap heap = add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NONE);
        ObjectName heapName = JmxExport.heapName(HeapId.SYSTEM_RAM, status(heap).serviceId());
        assertTrue(server.isRegistered(heapName), heapName.toString());
        assertEquals("active", server.getAttribute(heapName, "State"));
        assertEquals(HeapId.SYSTEM_RAM.heapType(), server.getAttribute(heapName, "HeapType"));

        BufferCollection collection = registry.allocate(request(2, size(PAGE).build(), true));
        long walks = registry.collectionWalks.sum();
        for (String attribute : List.of("HeapType", "HeapId", "Ranking", "Bundle", "State", "Reason", "Domains",
                "NeedClear", "NeedFlush", "Clears", "Flushes", "Failures", "LostBuffers", "Metrics")) {
            server.getAttribute(heapName, attribute);
        }
        assertEquals(walks, registry.collectionWalks.sum(), "only LiveBuffers sums every bundle's collections");
        assertEquals(2L, server.getAttribute(heapName, "LiveBuffers"));
        assertEquals(walks + 1, registry.collectionWalks.sum());
        assertEquals(1, server.getAttribute(registryName, "CollectionCount"));
        CompositeData[] rows = (CompositeData[]) server.getAttribute(registryName, "Collections");
        assertEquals(2, rows[0].get("buffers"));
        assertEquals("direct caller [-1]", rows[0].get("owner"));
        assertTrue(server.getAttribute(heapName, "Metrics") instanceof TabularData);
        assertEquals(0, ((CompositeData[]) server.getAttribute(registryName, "Quotas")).length);
        registry.view(7, "com.example.camera", "1.0.0");
        registry.putQuota(new Quota("heap.quota~camera", "com.example.*", java.util.Optional.empty(), -1, 8));
        CompositeData quota = ((CompositeData[]) server.getAttribute(registryName, "Quotas"))[0];
        assertEquals("heap.quota~camera", quota.get("pid"));
        assertEquals("", quota.get("heapType"), "every heap");
        assertEquals(8L, quota.get("maxBuffers"));
        assertEquals("com.example.camera", quota.get("limitedBundles"));
        assertEquals(HeapId.SYSTEM_RAM.toString(), quota.get("heapsCovered"), "the one heap listed");
        var token = registry.view(7, "com.example.camera", "1.0.0").newSharedCollection();
        token.setName(1, "frames");
        CompositeData participant = ((CompositeData[]) server.getAttribute(registryName, "Negotiations"))[0];
        assertEquals("frames", participant.get("name"));
        assertEquals("pending", participant.get("state"));
        assertTrue((Long) participant.get("waitedMillis") >= 0 && (Long) participant.get("waitedMillis") < 5_000,
                "waited since it was made: " + participant);
        assertEquals("token, not bound", participant.get("participantState"));
        assertEquals(true, participant.get("blocking"), "the collection waits for it");
        assertTrue(((String) participant.get("bundle")).startsWith("com.example.camera"), participant.toString());
        token.release();
        token.close();
        assertEquals(0, ((CompositeData[]) server.getAttribute(registryName, "Negotiations")).length, "gone once failed");

        registry.removeHeap(status(heap).serviceId());
        assertEquals("draining", server.getAttribute(heapName, "State"));
        collection.close();
        assertFalse(server.isRegistered(heapName), "gone once drained");
        assertEquals(List.of("heap.registered", "heap.draining", "heap.gone"), notifications);

        jmx.close();
        assertFalse(server.isRegistered(registryName));
    }

    /** A heap whose guard_failures grow raises one notification per growth, naming it. */
    @Test
    void aGrowingCorruptionCounterRaisesANotification() throws Exception {
        java.util.concurrent.atomic.AtomicLong guardFailures = new java.util.concurrent.atomic.AtomicLong();
        FakeHeap plain = new FakeHeap(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NONE);
        heap.api.Heap counting = (heap.api.Heap) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {heap.api.Heap.class, heap.api.HeapMetrics.class}, (proxy, method, args) ->
                        method.getName().equals("metrics") ? java.util.Map.of("guard_failures", guardFailures.get())
                                : method.invoke(plain, args));
        JmxExport jmx = new JmxExport(registry, server);
        registry.setEvents(jmx);
        List<String> notifications = new CopyOnWriteArrayList<>();
        server.addNotificationListener(new ObjectName("heap.platform:type=Registry"),
                (notification, handback) -> notifications.add(notification.getType() + " " + notification.getMessage()),
                null, null);
        registry.addHeap(counting, plain.serviceProperties(77, 0), "counting");
        jmx.checkCorruption();
        guardFailures.set(2);
        jmx.checkCorruption();
        jmx.checkCorruption();
        assertEquals(1, notifications.stream().filter(n -> n.startsWith("heap.guard.corruption")).count(), notifications.toString());
        assertTrue(notifications.stream().anyMatch(n -> n.contains("2 reports so far")), notifications.toString());
        jmx.close();
    }

    @Test
    void aQuarantinedHeapSaysSo() throws Exception {
        JmxExport jmx = new JmxExport(registry, server);
        registry.setEvents(jmx);
        FakeHeap twice = add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.ON_REGISTER_TWICE);
        ObjectName heapName = JmxExport.heapName(HeapId.SYSTEM_RAM, status(twice).serviceId());
        assertEquals("quarantined", server.getAttribute(heapName, "State"));
        assertTrue(((String) server.getAttribute(heapName, "Reason")).contains("OnRegister 2 times"));
        jmx.close();
    }
}
