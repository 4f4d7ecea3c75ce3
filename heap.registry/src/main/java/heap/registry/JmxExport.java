package heap.registry;

import heap.api.HeapId;
import heap.api.allocator.CollectionSummary;
import heap.api.allocator.HeapStatus;
import heap.api.allocator.NegotiationStatus;
import heap.api.allocator.OwnerHeapUsage;
import heap.api.allocator.OwnerStatus;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.JMException;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanServer;
import javax.management.Notification;
import javax.management.NotificationBroadcasterSupport;
import javax.management.ObjectName;
import javax.management.StandardEmitterMBean;
import javax.management.StandardMBean;

/**
 * The registry and every bound heap as MXBeans in the {@code heap.platform} domain of the platform MBeanServer,
 * registered and unregistered with the heaps' lifecycle, and the registry's notifications.
 */
final class JmxExport implements HeapRegistry.Events {
    static final String DOMAIN = "heap.platform";
    private static final String[] TYPES = {"heap.registered", "heap.quarantined", "heap.draining", "heap.gone",
        "heap.guard.corruption"};
    /** The metrics in which a heap counts memory corruption it found (guard pages, unused pages). */
    private static final List<String> CORRUPTION_COUNTERS = List.of("guard_failures", "unused_page_failures");

    private final HeapRegistry registry;
    private final MBeanServer server;
    private final ObjectName registryName;
    private final NotificationBroadcasterSupport broadcaster = new NotificationBroadcasterSupport(
            new MBeanNotificationInfo(TYPES, Notification.class.getName(), "heaps registered, quarantined, draining, gone"));
    private final AtomicLong sequence = new AtomicLong();
    private final Map<Long, Long> corruptionSeen = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ScheduledExecutorService watcher = java.util.concurrent.Executors
            .newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("heap.registry-jmx").factory());

    JmxExport(HeapRegistry registry, MBeanServer server) {
        this.registry = registry;
        this.server = server;
        this.registryName = name("type=Registry");
        register(new StandardEmitterMBean(new Registry(), RegistryMXBean.class, true, broadcaster), registryName);
        watcher.scheduleWithFixedDelay(this::checkCorruption, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** A heap whose corruption counters grew since the last look: one notification naming it and the count. */
    void checkCorruption() {
        for (HeapStatus status : registry.heaps()) {
            long count = 0;
            for (String counter : CORRUPTION_COUNTERS) {
                count += status.metrics().getOrDefault(counter, 0L);
            }
            Long before = corruptionSeen.put(status.serviceId(), count);
            if (count > (before == null ? 0 : before)) {
                notify("heap.guard.corruption", heapName(status.id(), status.serviceId()), "heap " + status.id()
                        + " found memory corruption: " + count + " reports so far (guard_failures, unused_page_failures)");
            }
        }
    }

    static ObjectName heapName(HeapId heap, long serviceId) {
        return name("type=Heap,heapType=" + ObjectName.quote(heap.heapType()) + ",id=" + Long.toUnsignedString(heap.id())
                + ",serviceId=" + serviceId);
    }

    @Override
    public void bound(HeapId heap, long serviceId) {
        register(new StandardMBean(new HeapView(serviceId), HeapMXBean.class, true), heapName(heap, serviceId));
    }

    @Override
    public void changed(HeapId heap, long serviceId, String state, String message) {
        notify("heap." + state, heapName(heap, serviceId), message);
    }

    @Override
    public void gone(HeapId heap, long serviceId) {
        ObjectName name = heapName(heap, serviceId);
        unregister(name);
        notify("heap.gone", name, "heap " + heap + " (service " + serviceId + ") drained and is gone");
    }

    /** Every MBean this export registered goes. */
    void close() {
        watcher.shutdownNow();
        try {
            for (ObjectName name : server.queryNames(name("*"), null)) {
                unregister(name);
            }
        } catch (RuntimeException e) {
            HeapRegistry.LOG.log(Level.WARNING, "JMX: could not unregister the heap MBeans: " + e);
        }
    }

    private void notify(String type, ObjectName source, String message) {
        Notification notification = new Notification(type, registryName, sequence.incrementAndGet(), message);
        notification.setUserData(source.toString());
        broadcaster.sendNotification(notification);
    }

    private void register(Object mbean, ObjectName name) {
        try {
            server.registerMBean(mbean, name);
        } catch (JMException e) {
            HeapRegistry.LOG.log(Level.WARNING, "JMX: " + name + " not registered: " + e);
        }
    }

    private void unregister(ObjectName name) {
        try {
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
        } catch (JMException e) {
            HeapRegistry.LOG.log(Level.WARNING, "JMX: " + name + " not unregistered: " + e);
        }
    }

    private static ObjectName name(String keys) {
        try {
            return new ObjectName(DOMAIN + ":" + keys);
        } catch (JMException e) {
            throw new IllegalArgumentException(keys, e);
        }
    }

    /** A heap's live status, looked up by its service id at each read. */
    private final class HeapView implements HeapMXBean {
        private final long serviceId;

        HeapView(long serviceId) {
            this.serviceId = serviceId;
        }

        /** Without its live buffers, whose sum walks every collection: only {@link #getLiveBuffers} counts them. */
        private HeapStatus status() {
            return status(false);
        }

        private HeapStatus status(boolean withLiveBuffers) {
            HeapStatus status = registry.heapStatus(serviceId, withLiveBuffers);
            if (status == null) {
                throw new IllegalStateException("heap service " + serviceId + " is gone");
            }
            return status;
        }

        @Override
        public String getHeapType() {
            return status().id().heapType();
        }

        @Override
        public long getHeapId() {
            return status().id().id();
        }

        @Override
        public long getServiceId() {
            return serviceId;
        }

        @Override
        public int getRanking() {
            return status().ranking();
        }

        @Override
        public String getBundle() {
            return status().origin();
        }

        @Override
        public String getState() {
            return status().state().name().toLowerCase(java.util.Locale.ROOT);
        }

        @Override
        public String getReason() {
            return status().reason();
        }

        @Override
        public String getDomains() {
            return status().properties().map(p -> p.coherencyDomainSupport().toString()).orElse("");
        }

        @Override
        public boolean isNeedClear() {
            return status().properties().map(p -> p.needClear()).orElse(false);
        }

        @Override
        public boolean isNeedFlush() {
            return status().properties().map(p -> p.needFlush()).orElse(false);
        }

        @Override
        public long getLiveBuffers() {
            return status(true).liveBuffers();
        }

        @Override
        public long getClears() {
            return status().clears();
        }

        @Override
        public long getFlushes() {
            return status().flushes();
        }

        @Override
        public long getFailures() {
            return status().failures();
        }

        @Override
        public long getLostBuffers() {
            return status().lostBuffers();
        }

        @Override
        public Map<String, Long> getMetrics() {
            return status().metrics();
        }
    }

    private final class Registry implements RegistryMXBean {
        @Override
        public int getHeapCount() {
            return registry.heaps().size();
        }

        @Override
        public int getCollectionCount() {
            return registry.collections().size();
        }

        @Override
        public int getNegotiationCount() {
            return registry.negotiations().size();
        }

        @Override
        public long getMaxBufferBytes() {
            return registry.limits().maxBufferBytes();
        }

        @Override
        public long getMaxCollectionBytes() {
            return registry.limits().maxCollectionBytes();
        }

        @Override
        public int getMaxBufferCount() {
            return registry.limits().maxBufferCount();
        }

        @Override
        public List<CollectionRow> getCollections() {
            List<CollectionRow> rows = new ArrayList<>();
            for (CollectionSummary c : registry.collections()) {
                rows.add(new CollectionRow(c.id(), c.servedBy().toString(), c.owner(), c.ownerStopped(), c.bufferCount(),
                        c.buffersNotReclaimed(), c.buffersLost()));
            }
            return rows;
        }

        @Override
        public List<NegotiationRow> getNegotiations() {
            List<NegotiationRow> rows = new ArrayList<>();
            for (NegotiationStatus negotiation : registry.negotiations()) {
                for (NegotiationStatus.Participant participant : negotiation.participants()) {
                    rows.add(new NegotiationRow(negotiation.id(), negotiation.name(), negotiation.stateAndFailure(),
                            negotiation.waited().toMillis(), participant.name(), participant.bundle(), participant.state(),
                            participant.blocking()));
                }
            }
            return rows;
        }

        @Override
        public List<QuotaRow> getQuotas() {
            return registry.quotas().stream().map(quota -> new QuotaRow(quota.pid(),
                    quota.bundles() == null ? "" : quota.bundles(), quota.heapType() == null ? "" : quota.heapType(),
                    quota.maxBytes(), quota.maxBuffers(), String.join(", ", quota.limitedBundles()),
                    quota.inForce() ? "" : quota.refusal(), String.join(", ", quota.heapsCovered()))).toList();
        }

        @Override
        public List<OwnerRow> getOwners() {
            List<OwnerRow> rows = new ArrayList<>();
            for (OwnerStatus owner : registry.owners()) {
                for (OwnerHeapUsage usage : owner.heaps()) {
                    rows.add(new OwnerRow(owner.bundle(), owner.bundleId(), owner.stopped(), usage.heap().toString(),
                            usage.liveBuffers(), usage.bytes(), usage.peakBytes(), usage.allocationsFailed(),
                            usage.reclaimedBuffers(), owner.heldBackBytes()));
                }
            }
            return rows;
        }
    }
}
